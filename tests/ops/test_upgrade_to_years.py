"""Upgrading a database of the one-year model: the code as it was before programmes outlived a
budget year (commit ``PREVIOUS``, taken from this repository's history) builds the demo database
(the 2026 budget, demo progress, stored statuses, an audit trail); the current code migrates it.
The board is the same before and after (the export only gains its ``fiscal_year`` key), the audit
trail verifies, and recomputing changes no status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.ops.test_backup import _url

ROOT = Path(__file__).resolve().parents[2]
# The last commit of the one-year model.
PREVIOUS = "f96254b"


def _has_previous() -> bool:
    done = subprocess.run(
        ["git", "cat-file", "-e", f"{PREVIOUS}^{{commit}}"], cwd=ROOT, capture_output=True
    )
    return done.returncode == 0


pytestmark = pytest.mark.skipif(
    not _has_previous(), reason=f"needs the repository history (commit {PREVIOUS})"
)


def _manage(tree: Path, database_url: str, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "CELERY_BROKER_URL": "",
        "AUDIT_HMAC_KEY": "upgrade-test-key",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_one_year_database_upgrades_with_nothing_lost(tmp_path: Path) -> None:
    old = tmp_path / "previous"
    old.mkdir()
    archive = subprocess.run(
        ["git", "archive", PREVIOUS], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)

    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_upgrade"[:63]
    admin_url = _url(settings_dict, "postgres")
    connection.close()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _url(settings_dict, name)
    try:
        _manage(old, url, "migrate", "--noinput", "-v0")
        _manage(old, url, "load_budget", "data/ai_budget_2026.yaml")
        _manage(old, url, "seed_demo", "--url", "http://127.0.0.1:8000/")
        _manage(old, url, "recompute_status")
        before = json.loads(_manage(old, url, "export_board"))
        assert before["programs"] and any(p["kpis"] for p in before["programs"])

        _manage(ROOT, url, "migrate", "--noinput", "-v0")
        after = json.loads(_manage(ROOT, url, "export_board"))
        assert after.pop("fiscal_year") == 2026
        assert after == before
        assert "intact" in _manage(ROOT, url, "verify_audit")
        _manage(ROOT, url, "recompute_status")
        again = json.loads(_manage(ROOT, url, "export_board"))
        again.pop("fiscal_year")
        assert again == before
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
