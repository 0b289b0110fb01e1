"""ANALYZE after bulk loads: the tables a load filled have statistics at once (their
pg_stat_user_tables.last_analyze is set by the load itself), not after autovacuum's next pass."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from ops.db import analyze

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def clock() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def last_analyzed(*tables: str) -> dict[str, datetime | None]:
    """pg_stat_user_tables.last_analyze of these tables (read afresh, not from the snapshot
    the transaction may hold)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(tables)],
        )
        return dict(cursor.fetchall())


def analyzed_since(moment: datetime, *tables: str) -> list[str]:
    return sorted(t for t, at in last_analyzed(*tables).items() if at is not None and at >= moment)


BUDGET_TABLES = ("budget_budgetnode", "programs_program", "kpis_kpi", "budget_ministry")


def test_load_budget_analyzes_the_tables_it_filled():
    before = clock()
    call_command("load_budget", str(ROOT / "data" / "ai_budget_2026.yaml"), verbosity=0)
    assert analyzed_since(before, *BUDGET_TABLES) == sorted(BUDGET_TABLES)


def test_loading_the_same_file_again_changes_nothing_and_analyzes_nothing():
    call_command("load_budget", str(ROOT / "data" / "ai_budget_2026.yaml"), verbosity=0)
    before = clock()
    call_command("load_budget", str(ROOT / "data" / "ai_budget_2026.yaml"), verbosity=0)
    assert analyzed_since(before, *BUDGET_TABLES) == []


def test_analyze_without_tables_covers_the_whole_database():
    before = clock()
    analyze()
    assert analyzed_since(before, "audit_auditentry", "status_programstatus") == [
        "audit_auditentry",
        "status_programstatus",
    ]
