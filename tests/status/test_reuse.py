"""Rows reused across as-of dates: a recompute for a new date copies, server-side, the rows whose
fingerprint (which leaves the date out: rules.as_of_key) matches the nearest stored date's, and
the result is exactly what computing that date from nothing gives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from status.engine.fingerprints import (
    DEFINITION_HASH_SQL,
    REPORT_HASH_SQL,
    VALUE_HASH_SQL,
    inputs_and_digests,
    program_digests,
)
from status.engine.loading import NUMERATOR_SQL
from status.models import KPIStatus, NodeStatus
from status.services import status_recompute_all, status_recompute_program
from tests.status.portfolio import approve, clear_results, stored_rows

# Every 6 days through two years, plus each side of the days where something changes: starts,
# period ends, due dates (end + 30 days), the revision, the new year.
# Every query that loads approved values aggregates their periods.
LOADS_VALUES = "array_agg(r.period_end)"
DAYS = sorted(
    {date(2025, 12, 1) + timedelta(days=6 * i) for i in range(125)}
    | {
        d + timedelta(days=k)
        for d in (
            date(2026, 1, 1),
            date(2026, 3, 31),
            date(2026, 4, 30),
            date(2026, 7, 1),
            date(2026, 7, 30),
            date(2026, 8, 20),
            date(2026, 10, 30),
            date(2027, 1, 1),
            date(2027, 1, 30),
        )
        for k in (-1, 0, 1)
    }
)


@pytest.mark.django_db
def test_reused_rows_equal_rows_computed_from_nothing(busy):
    reused = 0
    for day in DAYS:  # forwards: the donor is the day before
        reused += status_recompute_all(as_of=day).kpis_reused
    assert reused > len(DAYS)  # most days reuse most rows
    with_reuse = {day: stored_rows(day) for day in DAYS}
    for day in DAYS:
        clear_results()
        summary = status_recompute_all(as_of=day)
        assert summary.kpis_reused == summary.programs_reused == 0
        assert stored_rows(day) == with_reuse[day], day


@pytest.mark.django_db
def test_backwards_and_single_programme_recomputes_reuse_correctly(busy):
    expected = {}
    for day in DAYS[::7]:
        clear_results()
        status_recompute_all(as_of=day)
        expected[day] = stored_rows(day)
    clear_results()
    for day in reversed(DAYS[::7]):  # backwards: the donor is a later date
        status_recompute_all(as_of=day)
    for day in DAYS[::7]:
        assert stored_rows(day) == expected[day], day
    clear_results()
    for day in DAYS[::7]:
        status_recompute_program(program_id=busy.a.id, as_of=day)
    for day in DAYS[::7]:
        assert stored_rows(day) == expected[day], day


@pytest.mark.django_db
def test_a_new_date_with_nothing_changed_is_copied_server_side(busy):
    status_recompute_all(as_of=date(2026, 11, 5))
    with CaptureQueriesContext(connection) as ctx:
        summary = status_recompute_all(as_of=date(2026, 11, 6))
    assert (summary.kpis_reused, summary.programs_reused) == (4, 3)
    assert summary.kpis_written == 4 and summary.programs_written == 3
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().startswith("INSERT") and "status_fullrecompute" not in q["sql"]
    ]
    assert len(writes) == 3 and all("SELECT" in sql for sql in writes)  # no row through Python
    no_date = frozenset({"as_of"})
    assert stored_rows(date(2026, 11, 6), no_date) == stored_rows(date(2026, 11, 5), no_date)
    assert NodeStatus.objects.filter(as_of=date(2026, 11, 6)).count() == 3


@pytest.mark.django_db
def test_a_period_coming_due_is_not_reused(busy):
    # Q3 comes due on 30 Oct (its end + 30 grace days): A-LVL, which has no Q3 value, turns
    # overdue, so the rules run again for every KPI (of every programme with quarterly periods).
    status_recompute_all(as_of=date(2026, 10, 29))
    summary = status_recompute_all(as_of=date(2026, 10, 30))
    assert summary.kpis_reused == 0
    row = KPIStatus.objects.get(kpi=busy.kpis["A-LVL"], as_of=date(2026, 10, 30))
    assert row.overdue
    assert not KPIStatus.objects.get(kpi=busy.kpis["A-LVL"], as_of=date(2026, 10, 29)).overdue


@pytest.mark.django_db
def test_a_programme_with_a_refused_kpi_is_assessed_again_every_time(busy):
    # A value for a day that ends no quarter: the rules refuse it (ValueError).
    approve(busy, busy.b, date(2026, 11, 15), {"B-ANN": 10}, 1)
    first = status_recompute_all(as_of=date(2026, 12, 1))
    assert any(e.startswith("KPI B-ANN: ") for e in first.errors)
    for day in (date(2026, 12, 1), date(2026, 12, 2)):  # the same date, then a new one
        summary = status_recompute_all(as_of=day)
        assert any(e.startswith("KPI B-ANN: ") for e in summary.errors), day
        assert not KPIStatus.objects.filter(kpi=busy.kpis["B-ANN"], as_of=day).exists()
    # The other programmes are reused on the new date.
    assert summary.programs_reused == 2


def _digested(queries) -> bool:
    return any("hash_numeric_extended" in q["sql"] for q in queries)


@pytest.mark.django_db
def test_a_first_recompute_digests_the_inputs_in_the_pass_that_loads_them(busy):
    day = date(2026, 11, 5)
    with CaptureQueriesContext(connection) as ctx:
        status_recompute_all(as_of=day)
    # Nothing stored: every programme is assessed, its inputs loaded and digested at once, each
    # table read once, and no separate digest statement.
    sqls = [q["sql"] for q in ctx.captured_queries]
    loads = [sql for sql in sqls if LOADS_VALUES in sql]
    assert len(loads) == 1 and VALUE_HASH_SQL in loads[0] and NUMERATOR_SQL in loads[0]
    assert sum(DEFINITION_HASH_SQL in sql for sql in sqls) == 1
    assert sum(REPORT_HASH_SQL in sql for sql in sqls) == 1
    assert not any("WITH definitions AS" in sql for sql in sqls)
    # The same digests as the statement that digests the inputs without loading them (the next
    # night's), for every programme with inputs and for a chunk of them.
    digested = {pid: d for pid, d in program_digests(None, day).items() if d.kpis}
    assert inputs_and_digests(None, day)[3] == digested
    chunk = [busy.a.id, busy.c.id]
    assert inputs_and_digests(chunk, day)[3] == {pid: digested[pid] for pid in chunk}
    assert status_recompute_all(as_of=day + timedelta(days=1)).kpis_reused == 4


@pytest.mark.django_db
def test_nothing_changed_since_the_day_before_copies_every_row(busy):
    status_recompute_all(as_of=date(2026, 11, 5))
    with CaptureQueriesContext(connection) as ctx:
        summary = status_recompute_all(as_of=date(2026, 11, 6))
    # The inputs are digested by PostgreSQL in one statement; no value is loaded into Python.
    digests = [q["sql"] for q in ctx.captured_queries if "hash_numeric_extended" in q["sql"]]
    assert len(digests) == 1
    assert not any(LOADS_VALUES in q["sql"] for q in ctx.captured_queries)
    assert summary.kpis_reused == 4 and summary.nodes_written == 3
    assert status_recompute_all(as_of=date(2026, 11, 6)).written == 0  # the same date again


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        # Writes that bypass every service: the fingerprints, computed from the tables, see them.
        "UPDATE reporting_kpivalue SET value = value + 1",
        "UPDATE kpis_kpi SET target = target * 2",
        "UPDATE budget_budgetnode SET amount_won = amount_won + 1",
        "UPDATE reporting_progressreport SET executed_won = executed_won + 1",
    ],
)
def test_any_write_to_an_input_is_seen_by_the_next_recompute(busy, change):
    status_recompute_all(as_of=date(2026, 11, 5))
    with connection.cursor() as cursor:
        cursor.execute(change)
    summary = status_recompute_all(as_of=date(2026, 11, 6))
    assert summary.programs_reused < 3
    result = stored_rows(date(2026, 11, 6))
    clear_results()
    status_recompute_all(as_of=date(2026, 11, 6))
    assert stored_rows(date(2026, 11, 6)) == result


@pytest.mark.django_db
def test_rows_removed_by_hand_are_computed_again(busy):
    status_recompute_all(as_of=date(2026, 11, 5))
    KPIStatus.objects.filter(kpi=busy.kpis["A-CUM"]).delete()
    with CaptureQueriesContext(connection) as ctx:
        summary = status_recompute_all(as_of=date(2026, 11, 5))
    assert _digested(ctx.captured_queries) and summary.kpis_written == 2  # A's two KPIs
    assert KPIStatus.objects.filter(as_of=date(2026, 11, 5)).count() == 4


@pytest.mark.django_db
def test_a_change_recomputes_only_its_programme_and_the_rest_is_copied(busy):
    status_recompute_all(as_of=date(2026, 11, 5))
    approve(busy, busy.c, date(2026, 9, 30), {"C-CUM": 9}, 10_000_000)  # a correction of C
    with CaptureQueriesContext(connection) as ctx:
        summary = status_recompute_all(as_of=date(2026, 11, 6))
    # A and B copied whole; C assessed again (its values alone loaded).
    assert (summary.programs_reused, summary.kpis_reused) == (2, 3)
    loads = [q["sql"] for q in ctx.captured_queries if LOADS_VALUES in q["sql"]]
    assert len(loads) == 1 and "ANY" in loads[0]
    result = stored_rows(date(2026, 11, 6))
    clear_results()
    status_recompute_all(as_of=date(2026, 11, 6))
    assert stored_rows(date(2026, 11, 6)) == result
    assert KPIStatus.objects.get(kpi=busy.kpis["C-CUM"], as_of=date(2026, 11, 6)).actual == 9
    # The next night copies everything.
    assert status_recompute_all(as_of=date(2026, 11, 7)).programs_reused == 3


@pytest.mark.django_db
def test_a_change_the_rules_refuse_after_a_full_recompute_is_reported_and_rolled_up(busy):
    status_recompute_all(as_of=date(2026, 12, 1))
    # A value for a day that ends no quarter: the KPI's and the budget's rules refuse it.
    approve(busy, busy.b, date(2026, 11, 15), {"B-ANN": 10}, 1)
    summary = status_recompute_all(as_of=date(2026, 12, 2))
    assert any(e.startswith("KPI B-ANN: ") for e in summary.errors)
    assert any(e.startswith(f"programme {busy.b.id}: ") for e in summary.errors)
    assert summary.programs_reused == 2  # A and C copied
    assert NodeStatus.objects.filter(as_of=date(2026, 12, 2)).count() == 3
    # The next full recompute assesses B again and reports it again.
    again = status_recompute_all(as_of=date(2026, 12, 3))
    assert any(e.startswith("KPI B-ANN: ") for e in again.errors)
