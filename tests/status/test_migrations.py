"""A database holding today's data migrates to one way of noticing change with nothing lost: the
input change log and the record of full recomputes (with their triggers and functions) go, the
boards' change log keeps its table with triggers declared by django-pgtrigger instead of
hand-written ones; every stored status stays; the engine then recomputes as before."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from status.models import KPIStatus, NodeStatus, ProgramStatus
from status.services import status_recompute_all
from tests.status.portfolio import approve, build_portfolio

BEFORE = [("status", "0005_input_change_programmes"), ("boards", "0001_change_log")]
AFTER = [("status", "0006_remove_input_change_log"), ("boards", "0003_change_log_pgtrigger")]
DAY = date(2026, 4, 15)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _triggers_and_functions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND (tgname LIKE 'status_input_change%%' OR tgname = 'boards_change')"
        )
        triggers = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            "SELECT proname FROM pg_proc "
            "WHERE proname LIKE 'status_input_change%%' OR proname = 'boards_change'"
        )
        functions = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE tablename IN "
            "('status_input_change', 'status_fullrecompute')"
        )
        tables = [r[0] for r in cursor.fetchall()]
    return triggers, functions, tables


def _stored():
    return {
        model.__name__: sorted(
            model.objects.values_list(
                "as_of", "status", "fingerprint", "explanation_key", "explanation_params"
            )
        )
        for model in (KPIStatus, ProgramStatus, NodeStatus)
    }


@pytest.mark.django_db(transaction=True)
def test_todays_data_migrates_with_nothing_lost():
    try:
        _migrate(BEFORE)
        assert all(_triggers_and_functions())  # the old change logs are there
        portfolio = build_portfolio()
        approve(portfolio, portfolio.a, date(2026, 3, 31), {"A-CUM": 200, "A-LVL": 30}, 1)
        # Rows stored on the old schema, and its bookkeeping filled by its triggers.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO status_fullrecompute (as_of, input_version, settings_fingerprint, "
                "computed_at) VALUES (%s, 1, 'x', now())",
                [DAY],
            )
            cursor.execute("SELECT count(*) FROM status_input_change")
            assert cursor.fetchone()[0] > 0
        status_recompute_all(as_of=DAY)
        before = _stored()
        assert before["ProgramStatus"]

        _migrate(AFTER)

        assert _triggers_and_functions() == ([], [], [])
        with connection.cursor() as cursor:  # the boards' change log, now boards.Change
            cursor.execute("SELECT to_regclass('boards_change') IS NOT NULL")
            assert cursor.fetchone()[0]
        assert _stored() == before  # every stored status kept
        # The engine recomputes on the new schema: the same date writes nothing, a new one
        # copies every row.
        assert status_recompute_all(as_of=DAY).written == 0
        summary = status_recompute_all(as_of=date(2026, 4, 16))
        assert (
            summary.programs_reused
            == summary.programs
            == ProgramStatus.objects.filter(as_of=DAY).count()
        )
    finally:
        _migrate(AFTER)
