"""The performance report's figures against a portfolio computed by hand: a cumulative KPI that
spans two years, a level KPI with a milestone, an annual KPI, an achieved one and one without
values; budget execution per year; shortfall reasons from the latest approved report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml
from django.utils import timezone

from budget.services import budget_load
from kpis.models import KPI
from programs.models import Program
from reporting.models import KPIValue, ProgressReport, ReportStatus
from results.figures import achievement_rate, figures_data, year_figures
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

BUDGET = """
fiscal_year: {year}
currency: KRW
title: "Results test {year}"
ministries:
  - {{code: RES, name: "Ministry of Results", name_ko: "성과부"}}
  - {{code: OTH, name: "Other ministry"}}
nodes:
  - code: ROOT
    name: "Total"
    amount_won: {total}
    children:
      - code: PRG
        name: "Programme"
        amount_won: {amount}
        program:
          ministry: RES
          start: 2024-01-01
          end: 2026-12-31
          frequency: quarterly
          kpis:
            - {{code: CUM, name: "Cumulative", unit: "people", kind: cumulative,
               direction: increase, baseline: 0, target: 1000, target_date: 2026-12-31}}
            - {{code: LVL, name: "Level", unit: "labs", kind: level, direction: increase,
               baseline: 10, target: 50, target_date: 2025-12-31,
               milestones: [{{date: 2024-12-31, value: 30}}]}}
            - {{code: ANN, name: "Annual", unit: "people", kind: annual, direction: increase,
               baseline: 0, target: 100, target_date: 2025-12-31}}
            - {{code: NOVAL, name: "No values", unit: "items", kind: cumulative,
               direction: increase, baseline: 0, target: 10, target_date: 2025-12-31}}
            - {{code: OLD, name: "Ended in 2024", unit: "items", kind: cumulative,
               direction: increase, baseline: 0, target: 4, target_date: 2024-06-30}}
      - code: OTHP
        name: "Other programme"
        amount_won: 1000
        program: {{ministry: OTH, start: 2024-01-01, end: 2025-12-31, frequency: annual,
                   kpis: []}}
"""

Q = {1: date(2024, 3, 31), 2: date(2024, 6, 30), 3: date(2024, 9, 30), 4: date(2024, 12, 31)}
Q25 = {k: v.replace(year=2025) for k, v in Q.items()}


def _approve(program, user, end, values, executed, shortfalls=None):
    report = ProgressReport.objects.create(
        program=program,
        period_start=date(end.year, end.month - 2, 1),
        period_end=end,
        status=ReportStatus.APPROVED,
        is_current=True,
        executed_won=executed,
        created_by=user,
        approved_at=timezone.now(),
    )
    for code, value in values.items():
        reason, remedy = (shortfalls or {}).get(code, ("", ""))
        KPIValue.objects.create(
            report=report,
            kpi=KPI.objects.get(program=program, code=code),
            value=Decimal(value),
            shortfall_reason=reason,
            shortfall_remedy=remedy,
        )
    return report


@pytest.fixture
def portfolio():
    for year, amount in ((2024, 10_000_000_000), (2025, 8_000_000_000)):
        data = yaml.safe_load(BUDGET.format(year=year, amount=amount, total=amount + 1000))
        budget_load(data=data, source=f"{year}.yaml")
    program = Program.objects.get(code="PRG")
    user = user_with_role(None, username="results-officer")
    # 2024: CUM 100 a quarter; LVL 20 then 28; ANN 30 in three quarters; OLD 4 by June.
    _approve(program, user, Q[1], {"CUM": 100, "LVL": 15, "ANN": 30, "OLD": 2}, 2_000_000_000)
    _approve(program, user, Q[2], {"CUM": 100, "LVL": 20, "ANN": 30, "OLD": 2}, 2_000_000_000)
    _approve(program, user, Q[3], {"CUM": 100, "LVL": 24, "ANN": 0}, 2_000_000_000)
    _approve(
        program,
        user,
        Q[4],
        {"CUM": 100, "LVL": 28, "ANN": 30},
        3_000_000_000,
        shortfalls={"LVL": ("Two labs opened late", "Open them in 2025-Q1")},
    )
    # 2025: CUM 80 a quarter; LVL 55 at the end; ANN 25 a quarter.
    for i in (1, 2, 3):
        _approve(program, user, Q25[i], {"CUM": 80, "LVL": 30 + i, "ANN": 25}, 1_000_000_000)
    _approve(program, user, Q25[4], {"CUM": 80, "LVL": 55, "ANN": 25}, 2_000_000_000)
    return program


def _kpis(figures, code="PRG"):
    program = next(p for p in figures.programs() if p.program.code == code)
    return program, {k.kpi.code: k for k in program.kpis}


def test_year_one_figures(portfolio):
    figures = year_figures(year=2024)
    program, kpis = _kpis(figures)
    assert set(kpis) == {"CUM", "LVL", "ANN", "NOVAL", "OLD"}
    # CUM: E at 2024-12-31 = 1000 * tau(2024-12-31) / tau(2026-12-31) = 1000 * 366 / 1096.
    assert kpis["CUM"].year_target == Decimal(1000 * 366) / Decimal(1096)
    assert kpis["CUM"].year_actual == 400
    assert kpis["CUM"].achievement_rate == Decimal("1.197814")  # 400 / 333.94 = 438400 / 366000
    assert kpis["CUM"].achieved
    # LVL: the milestone (30) on 2024-12-31; actual 28: (28 - 10) / (30 - 10) = 0.9.
    assert kpis["LVL"].year_target == 30
    assert kpis["LVL"].year_actual == 28
    assert kpis["LVL"].achievement_rate == Decimal("0.9")
    assert not kpis["LVL"].achieved
    assert (kpis["LVL"].shortfall_reason, kpis["LVL"].remedy) == (
        "Two labs opened late",
        "Open them in 2025-Q1",
    )
    # ANN: 30 + 30 + 0 + 30 = 90 of 100.
    assert (kpis["ANN"].year_target, kpis["ANN"].year_actual) == (100, 90)
    assert kpis["ANN"].achievement_rate == Decimal("0.9")
    # NOVAL: no values: no actual, no rate, not achieved.
    assert kpis["NOVAL"].year_actual is None and kpis["NOVAL"].achievement_rate is None
    assert not kpis["NOVAL"].achieved
    # OLD: 4 of 4 by its target date (in 2024): achieved.
    assert kpis["OLD"].achieved
    assert program.allocated_won == 10_000_000_000
    assert program.executed_won == 9_000_000_000
    assert program.execution_rate == Decimal("0.9")
    assert (figures.summary.kpis, figures.summary.achieved) == (5, 2)
    assert figures.summary.achievement_share == Decimal("0.4")


def test_year_two_figures_span_the_boundary(portfolio):
    figures = year_figures(year=2025)
    program, kpis = _kpis(figures)
    assert set(kpis) == {"CUM", "LVL", "ANN", "NOVAL"}  # OLD ended in 2024
    # CUM: E = 1000 * 731 / 1096; A = 400 + 320 = 720 (values accumulate across the years).
    assert kpis["CUM"].year_target == Decimal(1000 * 731) / Decimal(1096)
    assert kpis["CUM"].year_actual == 720
    assert kpis["CUM"].achieved
    assert (kpis["LVL"].year_target, kpis["LVL"].year_actual) == (50, 55)
    assert kpis["LVL"].achievement_rate == Decimal("1.125")
    assert (kpis["ANN"].year_actual, kpis["ANN"].achievement_rate) == (100, 1)
    assert kpis["ANN"].achieved
    assert kpis["LVL"].shortfall_reason == ""  # given for 2024 only
    assert (program.allocated_won, program.executed_won) == (8_000_000_000, 5_000_000_000)
    assert kpis["CUM"].status in {"on_track", "achieved"}
    assert (figures.summary.kpis, figures.summary.achieved) == (4, 3)


def test_per_ministry_and_json(portfolio):
    figures = year_figures(year=2024)
    data = figures_data(figures)
    assert data["fiscal_year"] == 2024
    assert data["summary"] == {"kpis": 5, "achieved": 2, "achievement_share": 0.4}
    codes = [m["code"] for m in data["ministries"]]
    assert codes == ["OTH", "RES"]
    other = data["ministries"][0]
    assert other["summary"] == {"kpis": 0, "achieved": 0, "achievement_share": None}
    assert other["programs"][0]["kpis"] == []
    res = data["ministries"][1]["programs"][0]
    assert set(res) == {
        "code",
        "name",
        "name_ko",
        "allocated_won",
        "executed_won",
        "execution_rate",
        "kpis",
    }
    lvl = next(k for k in res["kpis"] if k["code"] == "LVL")
    assert lvl == {
        "code": "LVL",
        "name": "Level",
        "name_ko": "",
        "unit": "labs",
        "year_target": 30,
        "year_actual": 28,
        "achievement_rate": 0.9,
        "achieved": False,
        "status": lvl["status"],
        "shortfall_reason": "Two labs opened late",
        "remedy": "Open them in 2025-Q1",
    }
    only = year_figures(year=2024, ministry=figures.ministries[1].ministry)
    assert [m.ministry.code for m in only.ministries] == ["RES"]


def test_achievement_rate_edge_cases():
    rate = achievement_rate
    assert (
        rate(
            kind="level",
            direction="increase",
            baseline=Decimal(5),
            year_target=Decimal(5),
            year_actual=Decimal(5),
        )
        == 1
    )
    assert (
        rate(
            kind="level",
            direction="increase",
            baseline=Decimal(5),
            year_target=Decimal(5),
            year_actual=Decimal(4),
        )
        == 0
    )
    assert (
        rate(
            kind="level",
            direction="decrease",
            baseline=Decimal(5),
            year_target=Decimal(5),
            year_actual=Decimal(4),
        )
        == 1
    )
    # A decrease KPI: from 100 down to 60, at 70: (70 - 100) / (60 - 100) = 0.75.
    assert rate(
        kind="level",
        direction="decrease",
        baseline=Decimal(100),
        year_target=Decimal(60),
        year_actual=Decimal(70),
    ) == Decimal("0.75")
    assert (
        rate(
            kind="annual",
            direction="increase",
            baseline=Decimal(0),
            year_target=Decimal(100),
            year_actual=None,
        )
        is None
    )


def test_queries_do_not_grow(portfolio, django_assert_num_queries):
    with django_assert_num_queries(8):
        year_figures(year=2025)
