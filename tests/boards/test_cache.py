"""What the boards cache (the reporting completeness and timeliness figures, the budget tree, the
ministries, the fiscal years, the as-of dates, the programmes table's counts) is cached under a
version of the data kept by PostgreSQL triggers (boards.cache, boards.triggers): a change made by
any path (model saves, queryset updates, raw SQL, the status services) shows on the very next
read, and a change rolled back leaves nothing stale behind. The triggers' table list covers every
table a cached read reads."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from boards import cache as board_cache
from boards import selectors
from boards.triggers import CACHED_TABLES
from budget.models import BudgetNode, FiscalYear, Ministry
from kpis.models import KPI
from programs.models import Program
from reporting.models import ProgressReport, ReportStatus
from status.models import NodeStatus, ProgramStatus, Status
from tests.boards.data import AS_OF, PAST, build_board_data

pytestmark = pytest.mark.django_db

Q2 = (date(2026, 4, 1), date(2026, 6, 30))


def _figures(data, as_of=AS_OF):
    r = selectors.board_page(as_of=as_of, fiscal_year=data.year).reporting
    return (r.expected, r.approved, r.timely, r.overdue)


def _without_report(data):
    """The programmes with no report (every fifth, tests/boards/data.py)."""
    return [p for k, p in enumerate(data.programs) if k % 5 == 4]


def test_a_second_read_is_served_from_the_cache(django_assert_num_queries):
    data = build_board_data(10)
    first = selectors.reporting_by_ministry(as_of=AS_OF, fiscal_year=data.year)
    with django_assert_num_queries(1):  # the version; the figures come from the cache
        again = selectors.reporting_by_ministry(as_of=AS_OF, fiscal_year=data.year)
    assert again == first
    # another scope or date is another entry: the version (outside a request, read by each
    # cached read: the figures, then the rows they are counted from), and the rows
    with django_assert_num_queries(3):
        selectors.reporting_by_ministry(as_of=AS_OF, fiscal_year=data.year, ministry=data.moe)


def test_a_submission_then_an_approval_show_at_once():
    data = build_board_data(10)
    # current period Q2 (ends 30 Jun, due 30 Jul): 8 approved, 5 on time, 2 overdue
    assert _figures(data) == (10, 8, 5, 2)
    report = ProgressReport.objects.create(
        program=_without_report(data)[0],
        period_start=Q2[0],
        period_end=Q2[1],
        status=ReportStatus.SUBMITTED,
        created_by=data.user,
        submitted_by=data.user,
        submitted_at=datetime(2026, 7, 15, 3, tzinfo=UTC),
    )
    assert _figures(data) == (10, 8, 6, 2)  # submitted on time, not approved: still overdue
    report.status = ReportStatus.APPROVED
    report.is_current = True
    report.approved_at = datetime(2026, 8, 1, 3, tzinfo=UTC)
    report.save()
    assert _figures(data) == (10, 9, 6, 1)
    report.delete()
    assert _figures(data) == (10, 8, 5, 2)


def test_writes_that_bypass_the_models_show_at_once():
    data = build_board_data(10)
    assert _figures(data) == (10, 8, 5, 2)
    approved = ProgressReport.objects.filter(program=data.programs[1], period_end=Q2[1])
    # a queryset update (no save, no signal): approved only after the as-of date
    approved.update(approved_at=datetime(2026, 9, 5, 3, tzinfo=UTC))
    assert _figures(data) == (10, 7, 5, 3)
    with connection.cursor() as cursor:  # raw SQL puts it back
        cursor.execute(
            "UPDATE reporting_progressreport SET approved_at = submitted_at WHERE id = %s",
            [approved.get().pk],
        )
    assert _figures(data) == (10, 8, 5, 2)
    missing = _without_report(data)
    # a KPI's grace days: due on 28 Sep, so not overdue on 1 Sep
    KPI.objects.filter(program=missing[0]).update(grace_days=90)
    assert _figures(data) == (10, 8, 5, 1)
    # a programme's dates: it starts after Q2, so it does not report for it
    Program.objects.filter(pk=missing[1].pk).update(start=date(2026, 7, 1))
    assert _figures(data) == (9, 8, 5, 0)


def test_a_change_rolled_back_leaves_nothing_stale():
    data = build_board_data(10)
    before = _figures(data)
    with pytest.raises(RuntimeError), transaction.atomic():
        KPI.objects.filter(program=_without_report(data)[0]).update(grace_days=90)
        assert _figures(data) == (10, 8, 5, 1)  # read, and cached, inside the transaction
        raise RuntimeError
    assert _figures(data) == before
    KPI.objects.filter(program=_without_report(data)[1]).update(grace_days=90)
    assert _figures(data) == (10, 8, 5, 1)


def test_the_change_log_is_folded_without_losing_a_change(monkeypatch):
    monkeypatch.setattr(board_cache, "COMPACT_AT", 3)
    data = build_board_data(5)
    versions = []
    for days in range(10, 16):
        KPI.objects.filter(program=data.programs[4]).update(grace_days=days)
        versions.append(board_cache.read_version())
    totals = [total for total, _ in versions]
    assert totals == sorted(set(totals)), "every write moves the version on"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM boards_change")
        assert cursor.fetchone()[0] <= 4
    # the last grace (15 days: due 15 Jul) makes programme 4 overdue on 1 Sep
    r = selectors.board_page(as_of=AS_OF, fiscal_year=data.year).reporting
    assert r.overdue == 1
    KPI.objects.filter(program=data.programs[4]).update(grace_days=90)
    assert selectors.board_page(as_of=AS_OF, fiscal_year=data.year).reporting.overdue == 0


def test_the_other_cached_reads_follow_every_change():
    data = build_board_data(5)
    assert selectors.board_tree(data.year).pillars[0].name == data.pillars[0].name
    BudgetNode.objects.filter(pk=data.pillars[0].pk).update(name="Renamed pillar")
    assert selectors.board_tree(data.year).pillars[0].name == "Renamed pillar"

    assert data.moe.name in [m.name for m in selectors.ministries()]
    Ministry.objects.filter(pk=data.moe.pk).update(name="Renamed ministry")
    assert "Renamed ministry" in [m.name for m in selectors.ministries()]

    assert [fy.year for fy in selectors.fiscal_years()] == [2026]
    FiscalYear.objects.create(year=2027, title="Next year")
    assert [fy.year for fy in selectors.fiscal_years()] == [2027, 2026]

    assert selectors.as_of_dates() == [AS_OF, PAST]
    NodeStatus.objects.filter(as_of=PAST).delete()
    assert selectors.as_of_dates() == [AS_OF]

    rows = selectors.program_rows(as_of=AS_OF, fiscal_year=data.year)
    assert selectors.program_count(rows) == 5
    assert selectors.program_count(rows.filter(status=Status.NO_DATA)) == 1
    ProgramStatus.objects.filter(program=data.programs[0], as_of=AS_OF).delete()
    assert selectors.program_count(rows) == 4


def test_a_page_for_a_date_with_nothing_stored_shows_what_was_computed(director_client):
    build_board_data(5)
    day = date(2026, 8, 3)
    director_client.get(f"/programs/?as_of={AS_OF.isoformat()}")  # counts and dates cached
    response = director_client.get(f"/programs/?as_of={day.isoformat()}")
    assert not ProgramStatus.objects.filter(as_of=day).exists()  # computed, not stored
    assert "5 programmes match" in response.content.decode()
    assert '<option value="2026-08-03">' not in response.content.decode()


_TABLE = re.compile(r'(?:FROM|JOIN)\s+"?([a-z_][a-z0-9_]*)"?', re.IGNORECASE)


def _tables_read(read):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        read()
    existing = set(connection.introspection.table_names())
    return {
        table
        for q in ctx.captured_queries
        for table in _TABLE.findall(q["sql"])
        if table in existing and table != "boards_change"
    }


def test_the_change_log_triggers_cover_every_table_the_cached_reads_read():
    data = build_board_data(5)
    rows = selectors.program_rows(as_of=AS_OF, fiscal_year=data.year)
    reads = {
        "tree": lambda: selectors.board_tree(data.year),
        "fiscal years": selectors.fiscal_years,
        "ministries": selectors.ministries,
        "dates": selectors.as_of_dates,
        "count": lambda: selectors.program_count(
            rows.filter(selectors.attention_q(AS_OF)).filter(program__ministry=data.moe)
        ),
        "reporting": lambda: selectors.reporting_by_ministry(
            as_of=AS_OF, fiscal_year=data.year, node=data.pillars[0]
        ),
        "reporting rows": lambda: selectors.reporting_rows(
            as_of=AS_OF, fiscal_year=data.year, ministry=data.moe
        ),
    }
    for name, read in reads.items():
        tables = _tables_read(read)
        assert tables, name
        assert tables <= CACHED_TABLES, (name, tables - CACHED_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgname LIKE 'pgtrigger_boards_change_%%'"
        )
        installed = {row[0] for row in cursor.fetchall()}
    assert installed == CACHED_TABLES
