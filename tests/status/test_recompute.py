"""Stored results: fingerprints make a repeated recompute a no-op; past dates keep their result."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from status.engine.loading import load_numerators
from status.models import KPIStatus, NodeStatus, ProgramState, ProgramStatus
from status.selectors import board_for
from status.services import (
    status_mark_stale,
    status_recompute_all,
    status_recompute_program,
    status_sweep_stale,
)
from tests.status.portfolio import approve

APRIL = date(2026, 4, 15)
JULY = date(2026, 7, 15)


def _writes(queries):
    """The writes of stored results."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


@pytest.fixture
def q1(portfolio):
    approve(portfolio, portfolio.a, date(2026, 3, 31), {"A-CUM": 200, "A-LVL": 30}, 200_000_000)
    approve(portfolio, portfolio.b, date(2026, 3, 31), {"B-ANN": 90}, 100_000_000)
    return portfolio


@pytest.mark.django_db
def test_first_recompute_stores_every_object(q1):
    summary = status_recompute_all(as_of=APRIL)
    assert (summary.kpis, summary.programs, summary.nodes) == (4, 3, 3)
    assert summary.written == 10
    assert KPIStatus.objects.filter(as_of=APRIL).count() == 4
    assert ProgramStatus.objects.filter(as_of=APRIL).count() == 3
    # Nodes: total and pillars only; programme nodes are in ProgramStatus.
    assert set(NodeStatus.objects.values_list("node__code", flat=True)) == {"TOTAL", "P1", "P2"}


@pytest.mark.django_db
def test_second_recompute_with_same_inputs_writes_nothing(q1):
    status_recompute_all(as_of=APRIL)
    before = {
        m: list(m.objects.order_by("pk").values_list("pk", "fingerprint", "computed_at"))
        for m in (KPIStatus, ProgramStatus, NodeStatus)
    }
    with CaptureQueriesContext(connection) as ctx:
        summary = status_recompute_all(as_of=APRIL)
    assert summary.written == 0
    assert _writes(ctx.captured_queries) == []
    for model, rows in before.items():
        assert (
            list(model.objects.order_by("pk").values_list("pk", "fingerprint", "computed_at"))
            == rows
        )
    # No input changed since this date's full recompute (the change log is empty): the rows are
    # checked by count, nothing is digested; a fixed number of queries, whatever the size.
    assert len(ctx.captured_queries) == 14  # incl. SAVEPOINT, RELEASE and the per-date lock


@pytest.mark.django_db
def test_a_new_value_rewrites_only_what_it_affects(q1):
    status_recompute_all(as_of=JULY)
    approve(q1, q1.b, date(2026, 6, 30), {"B-ANN": 100}, 50_000_000)
    with CaptureQueriesContext(connection) as ctx:
        summary = status_recompute_all(as_of=JULY)
    # B's KPI, B's programme row, and the nodes above B (P1, TOTAL); not A, C or P2.
    assert (summary.kpis_written, summary.programs_written, summary.nodes_written) == (1, 1, 2)
    inserts = _writes(ctx.captured_queries)
    assert len(inserts) == 3  # one upsert batch per table
    assert all("ON CONFLICT" in sql for sql in inserts)


@pytest.mark.django_db
def test_past_as_of_date_shows_the_old_result(q1):
    status_recompute_all(as_of=APRIL)
    approve(q1, q1.a, date(2026, 6, 30), {"A-CUM": 600, "A-LVL": 60}, 500_000_000)
    status_recompute_all(as_of=JULY)

    old = {k.kpi.code: k for k in board_for(APRIL).kpis}
    new = {k.kpi.code: k for k in board_for(JULY).kpis}
    assert old["A-CUM"].actual == Decimal("200") and old["A-CUM"].status == "at_risk"
    assert old["A-CUM"].assessed_at == date(2026, 3, 31)
    assert new["A-CUM"].actual == Decimal("800") and new["A-CUM"].assessed_at == date(2026, 6, 30)
    # Recomputing the past date again: the new period ended after it, so nothing changes.
    assert status_recompute_all(as_of=APRIL).written == 0
    assert board_for(APRIL).programs.get(program=q1.a).status == "at_risk"


@pytest.mark.django_db
def test_explanation_is_stored_as_key_and_params(q1):
    status_recompute_all(as_of=APRIL)
    row = KPIStatus.objects.get(kpi__code="A-CUM", as_of=APRIL)
    assert row.explanation_key == "progress"
    assert row.explanation_params["date"] == "2026-03-31"
    assert row.explanation_params["actual"] == "200"
    assert row.explanation("en") == (
        "Expected 247 by 31 Mar 2026, actual 200: 81.1% of expected progress."
    )
    program = ProgramStatus.objects.get(program=q1.a, as_of=APRIL)
    assert program.explanation("en").startswith("2 of 2 KPIs under way: 0 achieved, 1 on track")
    assert program.budget_explanation("en").startswith("Executed ")
    node = NodeStatus.objects.get(node=q1.total, as_of=APRIL)
    assert node.explanation("en").startswith("2 of 3 programmes under way")


@pytest.mark.django_db
def test_program_recompute_updates_the_programme_and_nodes_above(q1):
    status_recompute_all(as_of=JULY)
    approve(q1, q1.a, date(2026, 6, 30), {"A-CUM": 0, "A-LVL": 0}, 0)
    summary = status_recompute_program(program_id=q1.a.id, as_of=JULY)
    assert (summary.kpis_written, summary.programs_written, summary.nodes_written) == (2, 1, 2)
    assert ProgramStatus.objects.get(program=q1.a, as_of=JULY).status == "off_track"
    assert NodeStatus.objects.get(node=q1.p1, as_of=JULY).status == "off_track"
    assert NodeStatus.objects.get(node=q1.p2, as_of=JULY).status == "not_started"


@pytest.mark.django_db
def test_program_recompute_on_a_new_date_fills_in_the_other_programmes(q1):
    status_recompute_program(program_id=q1.b.id, as_of=APRIL)
    assert ProgramStatus.objects.filter(as_of=APRIL).count() == 3
    total = NodeStatus.objects.get(node=q1.total, as_of=APRIL)
    assert total.status_counts["at_risk"] == 1 and total.status_counts["on_track"] == 1


@pytest.mark.django_db
def test_stale_mark_is_cleared_by_a_recompute_for_today(q1):
    from django.utils import timezone

    today = timezone.localdate()
    status_mark_stale(program_id=q1.a.id, reason="test")
    assert ProgramState.objects.get(program=q1.a).stale
    assert status_sweep_stale() == [q1.a.id]
    state = ProgramState.objects.get(program=q1.a)
    assert not state.stale and state.recomputed_at is not None
    assert ProgramStatus.objects.filter(program=q1.a, as_of=today).exists()
    assert status_sweep_stale() == []


@pytest.mark.django_db
def test_a_recompute_of_a_past_date_leaves_the_stale_mark(q1):
    status_mark_stale(program_id=q1.a.id, reason="test")
    status_recompute_program(program_id=q1.a.id, as_of=APRIL)
    assert ProgramState.objects.get(program=q1.a).stale


@pytest.mark.django_db
def test_a_target_revision_changes_the_fingerprint(q1):
    from kpis.models import RevisionReason, TargetRevision

    status_recompute_all(as_of=APRIL)
    kpi = q1.kpis["A-CUM"]
    TargetRevision.objects.create(
        kpi=kpi,
        effective_from=date(2026, 4, 1),
        previous={"target": "1000", "target_date": "2026-12-31", "baseline": "0", "milestones": []},
        revised={"target": "500", "target_date": "2026-12-31", "baseline": "0", "milestones": []},
        reason=RevisionReason.SCOPE_CHANGE,
        created_by=q1.user,
    )
    kpi.target = Decimal(500)
    kpi.save(update_fields=["target"])
    summary = status_recompute_all(as_of=APRIL)
    # The programme is the unit: both of A's KPIs are assessed again, nothing else.
    assert (summary.kpis_written, summary.programs_written) == (2, 1)
    row = KPIStatus.objects.get(kpi=kpi, as_of=APRIL)
    assert row.target == Decimal(500)
    # 500 * 90 / 365 expected by 31 March; 200 actual: 200 / 123.2877 = 1.622222
    assert row.status == "on_track" and row.ratio == Decimal("1.622222")
    # Before the revision took effect, the original target holds.
    status_recompute_all(as_of=date(2026, 3, 31))
    assert KPIStatus.objects.get(kpi=kpi, as_of=date(2026, 3, 31)).target == Decimal(1000)


@pytest.mark.django_db
def test_inputs_the_rules_refuse_are_reported_and_the_rest_is_stored(q1):
    # A value for a day that ends no quarter: the rules refuse it (ValueError).
    approve(q1, q1.b, date(2026, 6, 15), {"B-ANN": 10}, 1)
    summary = status_recompute_all(as_of=JULY)
    assert any(e.startswith("KPI B-ANN: ") for e in summary.errors)
    assert any(e.startswith(f"programme {q1.b.id}: ") for e in summary.errors)
    assert not KPIStatus.objects.filter(kpi__code="B-ANN", as_of=JULY).exists()
    assert KPIStatus.objects.filter(as_of=JULY).count() == 3
    assert NodeStatus.objects.filter(as_of=JULY).count() == 3


@pytest.mark.django_db
def test_a_kpi_measured_in_won_explains_itself_in_amounts(q1):
    kpi = q1.kpis["A-CUM"]
    kpi.unit = "won"
    kpi.target = Decimal(1_200_000_000_000)
    kpi.save(update_fields=["unit", "target"])
    approve(q1, q1.a, date(2026, 6, 30), {"A-CUM": 500_000_000_000}, 1)
    status_recompute_all(as_of=JULY)
    row = KPIStatus.objects.select_related("kpi").get(kpi=kpi, as_of=JULY)
    # Expected 1.2T x 181/365 = 595.07B; actual 200 + 500B.
    assert row.explanation("en") == (
        "Expected 595 billion won by 30 Jun 2026, actual 500 billion won: 84% of expected progress."
    )
    assert row.explanation("ko").startswith("2026년 6월 30일까지 5,951억 원 예상, 실적 5,000억 원")
    # Without the KPI loaded, the row does not query it: plain figures.
    plain = KPIStatus.objects.get(kpi=kpi, as_of=JULY)
    assert plain.explanation("en").startswith("Expected 595,068,493,151 by 30 Jun 2026")


@pytest.mark.django_db
def test_values_too_large_for_64_bit_numerators_are_read_as_decimals(busy):
    """The engine reads each value as its integer numerator over 10^4; a value beyond about
    9.2 x 10^14 does not fit 64 bits that way, and is read again as a decimal, exactly."""
    big = Decimal("12345678901234567.8901")
    approve(busy, busy.c, date(2026, 12, 31), {"C-CUM": big}, 10_000_000)
    kpi = busy.kpis["C-CUM"]
    day = date(2027, 1, 31)
    assert sorted(load_numerators([busy.c.id], day)[kpi.id]) == [
        (date(2026, 9, 30), 40_000),
        (date(2026, 12, 31), 123456789012345678901),
    ]
    status_recompute_all(as_of=day)  # nothing stored: values and digests in one pass
    assert KPIStatus.objects.get(kpi=kpi, as_of=day).actual == big + 4
    approve(busy, busy.c, date(2026, 9, 30), {"C-CUM": 5}, 10_000_000)  # a correction
    summary = status_recompute_all(as_of=day + timedelta(days=1))  # C's values alone loaded
    assert summary.programs_reused == 2
    assert KPIStatus.objects.get(kpi=kpi, as_of=day + timedelta(days=1)).actual == big + 5
