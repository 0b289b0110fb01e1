"""Backup and restore (README, Operations): ``pg_dump -Fc`` of a database holding the 2026 budget,
the demo progress and stored statuses, ``pg_restore`` into a new database, and the restored
database exports the same board (``manage.py export_board --format json``) as the original."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-15"

pytestmark = [
    pytest.mark.backup,
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="needs pg_dump and pg_restore",
    ),
]


def _url(settings_dict: dict, name: str) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    socket_dir = (settings_dict.get("OPTIONS") or {}).get("host")
    if socket_dir and not settings_dict.get("HOST"):  # the embedded server (make test)
        return f"postgres://{user}{password}@/{name}?host={socket_dir}"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def _export_board(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "CELERY_BROKER_URL": ""}
    done = subprocess.run(
        [sys.executable, "manage.py", "export_board", "--as-of", AS_OF, "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout)


@pytest.mark.django_db(transaction=True)
def test_restored_database_exports_the_same_board(tmp_path):
    call_command("load_budget", str(ROOT / "data" / "ai_budget_2026.yaml"), verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)  # a throw-away test database
    connection.close()  # everything committed; the subprocesses and pg_dump see it

    settings_dict = connection.settings_dict
    source_name = settings_dict["NAME"]
    source_url = _url(settings_dict, source_name)
    original = _export_board(source_url)
    assert original["programs"], "the original holds no programme: the comparison would be empty"
    assert any(p["status"] != "not_started" for p in original["programs"])

    dump = tmp_path / "tracker.dump"
    pg_env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    subprocess.run(
        ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), "--dbname", source_url],
        check=True,
        env=pg_env,
        timeout=300,
    )
    assert dump.stat().st_size > 0

    restored_name = f"{source_name}_restored"[:63]
    admin_url = _url(settings_dict, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored_url = _url(settings_dict, restored_name)
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                restored_url,
                str(dump),
            ],
            check=True,
            env=pg_env,
            timeout=300,
        )
        restored = _export_board(restored_url)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')

    assert restored == original
