"""Board selectors: figures, attention order, reporting completeness and timeliness, the
classification cross-walk, the programme detail; query counts pinned at two sizes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.roles import Role, user_roles
from boards import charts, selectors
from budget.models import BudgetNode
from status import rules
from status.models import Status
from tests.boards.data import AS_OF, PAST, build_board_data
from tests.factories import user_with_role


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 30])
def test_board_page_queries_do_not_grow(django_assert_num_queries, size):
    data = build_board_data(size)
    # the data's version (boards.cache) for each cached read (the programmes' own money, the
    # stated money's coverage, the reporting figures and the rows they are counted from, the
    # programmes listed apart: a KPI in force, no money in the year), each computed on the first
    # read; the headline of KPIs achieved (results.headline): the data's version read again (no
    # request pins it here), then (first read) the year's figures, eight queries, cached
    with django_assert_num_queries(11 + 3 + 8):
        selectors.board_page(as_of=AS_OF, fiscal_year=data.year)
    with django_assert_num_queries(8 + 1):
        page = selectors.board_page(as_of=AS_OF, fiscal_year=data.year)
        assert page.attention.lines
        for line in page.attention.lines:
            assert line.row.program.code
            assert line.row.program.ministry.code
            _ = [k.kpi.name for k in line.kpis]


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 30])
def test_ministry_lines_and_classification_queries(django_assert_num_queries, size):
    data = build_board_data(size)
    # the data's version and the figures, for the programmes' own money and the reporting (its
    # figures, then the rows they are counted from)
    with django_assert_num_queries(7):
        selectors.ministry_lines(as_of=AS_OF, fiscal_year=data.year)
    with django_assert_num_queries(4):  # the figures cached
        lines = selectors.ministry_lines(as_of=AS_OF, fiscal_year=data.year)
    assert {line.ministry.code for line in lines} == {"MSIT", "MOE"}
    with django_assert_num_queries(1):
        selectors.classification(fiscal_year=data.year)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 30])
def test_program_detail_queries(django_assert_num_queries, size):
    data = build_board_data(size)
    director = user_with_role(Role.DIRECTOR, username="detail-director")
    user_roles(director)  # read once per request (the role cache), as the page does
    # the data's version (boards.cache), then (first read) the budget tree, cached
    # ... and the programme's allocations in every year (one query)
    with django_assert_num_queries(10):
        selectors.program_detail(code="PG00001", as_of=AS_OF, fiscal_year=data.year, user=director)
    with django_assert_num_queries(9):
        detail = selectors.program_detail(
            code="PG00001", as_of=AS_OF, fiscal_year=data.year, user=director
        )
        assert detail is not None
        _ = [(r.submitted_by, r.reviewed_by) for r in detail.reports]


@pytest.mark.django_db
def test_headline_figures():
    data = build_board_data(10)
    page = selectors.board_page(as_of=AS_OF, fiscal_year=data.year)
    assert page.total_won == data.total.amount_won
    # two programmes per status pattern (tests/boards/data.py)
    assert page.mix.counts == {
        "off_track": 2,
        "at_risk": 2,
        "no_data": 2,
        "on_track": 2,
        "achieved": 2,
        "not_started": 0,
        "no_kpi": 0,
    }
    assert page.mix.good_won == sum(
        n.amount_won for k, n in enumerate(data.nodes) if k % 5 in (0, 3)
    )
    # current period Q2 (ends 30 Jun, due 30 Jul): 8 reports approved, 3 of them late, 2 missing
    r = page.reporting
    assert (r.expected, r.approved, r.timely, r.overdue) == (10, 8, 5, 2)
    assert r.completeness == Decimal("0.8")
    assert r.timeliness == Decimal("0.5")
    assert [c.node.code for c in page.pillars] == ["P1", "P2"]


@pytest.mark.django_db
def test_reporting_in_the_past_counts_only_what_was_approved_by_then():
    data = build_board_data(10)
    # 15 May: current period Q1 (due 30 Apr); late Q1 reports (k = 0, 3, 6) approved 20 May
    r = selectors.board_page(as_of=PAST, fiscal_year=data.year).reporting
    assert (r.expected, r.approved, r.timely, r.overdue) == (10, 5, 5, 5)


@pytest.mark.django_db
def test_attention_sorted_by_money_with_reasons():
    data = build_board_data(10)
    page = selectors.board_page(as_of=AS_OF, fiscal_year=data.year)
    amounts = [line.row.allocated_won or 0 for line in page.attention.lines]
    assert amounts == sorted(amounts, reverse=True)
    codes = {line.row.program.code for line in page.attention.lines}
    # off track (1, 6), at risk (2, 7), no data (4, 9)
    assert codes == {"PG00001", "PG00006", "PG00002", "PG00007", "PG00004", "PG00009"}
    for line in page.attention.lines:
        assert line.kpis, line.row.program.code
        assert all(k.explanation("en") for k in line.kpis)
    nodata = next(line for line in page.attention.lines if line.row.status == Status.NO_DATA)
    assert "overdue" in nodata.flags
    assert page.attention.amount_won == sum(amounts)


@pytest.mark.django_db
def test_attention_limit_and_scopes():
    data = build_board_data(30)
    page = selectors.board_page(as_of=AS_OF, fiscal_year=data.year, attention_limit=5)
    assert len(page.attention.lines) == 5
    assert page.attention.count == 18
    moe = selectors.board_page(as_of=AS_OF, fiscal_year=data.year, ministry=data.moe)
    assert {line.row.program.ministry.code for line in moe.attention.lines} == {"MOE"}
    assert moe.mix.total_count == 15
    p1 = selectors.board_page(as_of=AS_OF, fiscal_year=data.year, pillar=data.pillars[0])
    assert p1.total_won == data.pillars[0].amount_won
    assert all(
        line.row.node.path.startswith(data.pillars[0].path + "/") for line in p1.attention.lines
    )


@pytest.mark.django_db
def test_classification_counts_money_where_stated_most_specifically():
    data = build_board_data(8)
    c = selectors.classification(fiscal_year=data.year)
    cofog = dict(c.cofog)
    components = dict(c.components)
    programmes_won = sum(n.amount_won for n in data.nodes)
    # every programme sits under P1 (COFOG 04) or P2 (09); areas A1 are "AI models"
    p1 = sum(n.amount_won for k, n in enumerate(data.nodes) if k % 4 in (0, 1))
    total_own = data.total.amount_won - sum(n.amount_won for n in data.pillars)
    pillar_own = sum(
        max(
            0, pillar.amount_won - sum(a.amount_won for a in data.areas if a.parent_id == pillar.pk)
        )
        for pillar in data.pillars
    )
    area_own = sum(
        max(
            0,
            area.amount_won - sum(n.amount_won for n in data.nodes if n.parent_id == area.pk),
        )
        for area in data.areas
    )
    assert c.classified_total == programmes_won + total_own + pillar_own + area_own
    assert cofog[""] == total_own  # the root is unclassified
    a1 = [a for a in data.areas if a.code.endswith("A1")]
    a1_won = sum(n.amount_won for n in data.nodes if n.parent_id in {a.pk for a in a1})
    assert components["models"] == a1_won + sum(
        max(
            0,
            a.amount_won - sum(n.amount_won for n in data.nodes if n.parent_id == a.pk),
        )
        for a in a1
    )
    assert cofog["04"] >= p1
    # rows and columns of the cross-walk add up
    assert sum(total for _, _, total in c.matrix) == c.classified_total
    assert sum(c.component_totals) == c.classified_total


@pytest.mark.django_db
def test_effective_classification_filter():
    data = build_board_data(8)
    rows = selectors.program_rows(as_of=AS_OF, fiscal_year=data.year)
    education = rows.filter(selectors.effective_classification_q("cofog", "09", prefix="node__"))
    tree = selectors.board_tree(data.year)
    assert {tree.classification(r.node, "cofog") for r in education} == {"09"}
    assert education.count() == 4
    unclassified = rows.filter(
        selectors.effective_classification_q("ai_component", "", prefix="node__")
    )
    parents = {r.node.parent for r in unclassified}
    assert {p.code[-2:] for p in parents if p is not None} == {"A2"}
    BudgetNode.objects.filter(pk=data.nodes[1].pk).update(cofog="07")
    assert (
        rows.filter(selectors.effective_classification_q("cofog", "07", prefix="node__")).count()
        == 1
    )


@pytest.mark.django_db
def test_program_detail_history_and_target_in_force():
    data = build_board_data(5)
    director = user_with_role(Role.DIRECTOR, username="detail-director")
    detail = selectors.program_detail(
        code="PG00002", as_of=AS_OF, fiscal_year=data.year, user=director
    )
    assert detail is not None
    assert detail.row is not None and detail.row.status == Status.AT_RISK
    assert [c.change for c in detail.history] == ["worse", "first"]
    assert detail.pillar is not None and detail.pillar.code == "P2"
    cum = detail.kpis[0]
    assert cum.version.target == Decimal(1000)
    assert [m.value for m in cum.version.milestones] == [Decimal(400)]
    assert len(detail.reports) == 2
    missing = selectors.program_detail(
        code="NOPE", as_of=AS_OF, fiscal_year=data.year, user=director
    )
    assert missing is None


def test_current_periods():
    periods = selectors.current_periods(date(2026, 9, 1))
    assert periods["quarterly"].end == date(2026, 6, 30)
    assert periods["monthly"].end == date(2026, 8, 31)
    assert periods["semiannual"].end == date(2026, 6, 30)
    assert periods["annual"].end == date(2025, 12, 31)
    assert selectors.current_periods(date(2026, 6, 30))["quarterly"].end == date(2026, 6, 30)


def test_kpi_chart_uses_the_expected_rule():
    version = rules.TargetVersion(
        target=Decimal(1000),
        target_date=date(2026, 12, 31),
        milestones=(rules.Milestone(date(2026, 6, 30), Decimal(400)),),
    )
    chart = charts.kpi_chart(
        kind="cumulative",
        version=version,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        actual=[(date(2026, 3, 31), Decimal(300)), (date(2026, 6, 30), Decimal(600))],
        forecast=(date(2026, 6, 30), Decimal(600), date(2026, 12, 31), Decimal(1200)),
    )
    assert [(p.day, p.value) for p in chart.expected] == [
        (date(2025, 12, 31), Decimal(0)),
        (date(2026, 6, 30), Decimal(400)),
        (date(2026, 12, 31), Decimal(1000)),
    ]
    for p in chart.expected:
        assert rules.expected_value("cumulative", version, date(2026, 1, 1), p.day) == p.value
    # inside the plot area, y grows downwards, later days to the right
    xs = [p.x for p in chart.expected]
    assert xs == sorted(xs) and chart.left <= xs[0] and xs[-1] <= chart.right
    assert chart.actual[1].y < chart.actual[0].y
    assert chart.expected_path.startswith("M") and chart.forecast_path.count("L") == 1


def test_annual_chart_restarts_each_year():
    version = rules.TargetVersion(target=Decimal(365), target_date=date(2027, 12, 31))
    chart = charts.kpi_chart(
        kind="annual",
        version=version,
        start=date(2026, 1, 1),
        end=date(2027, 12, 31),
        actual=[],
        forecast=None,
    )
    values = [(p.day, p.value) for p in chart.expected]
    assert (date(2026, 12, 31), Decimal(365)) in values
    assert (date(2027, 1, 1), Decimal(0)) in values
