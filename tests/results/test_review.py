"""The budget review's lists against a two-year portfolio computed by hand; the page's
permissions, its exports (audited, cells neutralised) and its query counts.

The portfolio (review year 2025; 2024 is the year before), allocations and executions in won:

====== ============ ============ ========================================================
code   2024 alloc.  2025 alloc.  KPIs (values at the end of 2024 / 2025)
====== ============ ============ ========================================================
LOW    10e9 (4e9)   10e9 (3e9)   L1 cumulative people 0 -> 1000 by 2025: 200 / +300
HIGH   5e9 (2e9)    5e9 (4.5e9)  H1 level % 10 -> 50: 15 / 20; H2 annual applications 100: 80 / 100
GOOD   2e9 (1e9)    2e9 (2e9)    G1 level GPUs 0 -> 100 (milestone 60 in 2024): 100 / 100;
                                 G2 level ratio, decrease 10 -> 5: 4 / 4
LOWHI  4e9 (0)      4e9 (1e9)    W1 annual persons 50: - / 60
NOKPI  3e9          3e9 (0)      none
NOVAL  1e9          1e9 (0)      N1 cumulative items 10: never reported
OLDP   2e9          -            O1 cumulative items 10 by 2025-06-30: never reported
====== ============ ============ ========================================================
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import yaml
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import AuditEntry
from budget.formatting import counts_things
from budget.models import Ministry
from budget.services import budget_load
from kpis.models import KPI
from programs.models import Program
from reporting.models import KPIValue, ProgressReport, ReportStatus
from results.review import Rules, budget_review, expected_share, mean_achievement
from results.review_chart import scatter
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

PROGRAMS = {
    "LOW": """
        kpis:
          - {code: L1, name: "People trained", name_ko: "교육 인원", unit: "people",
             kind: cumulative, direction: increase, baseline: 0, target: 1000,
             target_date: 2025-12-31}""",
    "HIGH": """
        kpis:
          - {code: H1, name: "Adoption", unit: "%", kind: level, direction: increase,
             baseline: 10, target: 50, target_date: 2025-12-31}
          - {code: H2, name: "Applications", unit: "applications", kind: annual,
             direction: increase, baseline: 0, target: 100, target_date: 2025-12-31}""",
    "GOOD": """
        kpis:
          - {code: G1, name: "GPUs", unit: "GPUs", kind: level, direction: increase,
             baseline: 0, target: 100, target_date: 2025-12-31,
             milestones: [{date: 2024-12-31, value: 60}]}
          - {code: G2, name: "Wait ratio", unit: "ratio", kind: level, direction: decrease,
             baseline: 10, target: 5, target_date: 2025-12-31}""",
    "LOWHI": """
        kpis:
          - {code: W1, name: "Persons reskilled", unit: "persons", kind: annual,
             direction: increase, baseline: 0, target: 50, target_date: 2025-12-31}""",
    "NOKPI": """
        kpis: []""",
    "NOVAL": """
        kpis:
          - {code: N1, name: "Items", unit: "items", kind: cumulative, direction: increase,
             baseline: 0, target: 10, target_date: 2025-12-31}""",
    "OLDP": """
        kpis:
          - {code: O1, name: "Old items", unit: "items", kind: cumulative,
             direction: increase, baseline: 0, target: 10, target_date: 2025-06-30}""",
}
ALLOCATED = {
    2024: {
        "LOW": 10_000_000_000,
        "HIGH": 5_000_000_000,
        "GOOD": 2_000_000_000,
        "LOWHI": 4_000_000_000,
        "NOKPI": 3_000_000_000,
        "NOVAL": 1_000_000_000,
        "OLDP": 2_000_000_000,
    },
    2025: {
        "LOW": 10_000_000_000,
        "HIGH": 5_000_000_000,
        "GOOD": 2_000_000_000,
        "LOWHI": 4_000_000_000,
        "NOKPI": 3_000_000_000,
        "NOVAL": 1_000_000_000,
    },
}
# A name a spreadsheet would run as a formula: the exports neutralise it.
NAMES = {"NOKPI": "=SUM(A1)"}


def budget_file(year: int, extra: dict[str, int] | None = None) -> dict:
    amounts = dict(ALLOCATED[year], **(extra or {}))
    children = []
    for code, amount in amounts.items():
        kpis = PROGRAMS.get(code, PROGRAMS["LOWHI"].replace("W1", f"K{code}"))
        children.append(
            f"""
      - code: {code}
        name: "{NAMES.get(code, "Programme " + code).replace('"', "")}"
        amount_won: {amount}
        program:
          ministry: RES
          start: 2024-01-01
          end: 2025-12-31
          frequency: quarterly
          {kpis.strip().replace(chr(10) + "        ", chr(10) + "          ")}"""
        )
    text = f"""
fiscal_year: {year}
currency: KRW
title: "Review test {year}"
ministries:
  - {{code: RES, name: "Ministry of Results", name_ko: "성과부"}}
nodes:
  - code: ROOT
    name: "Total"
    amount_won: {sum(amounts.values())}
    children:{"".join(children)}
"""
    return yaml.safe_load(text)


def _approve(code: str, year: int, executed: int, values: dict[str, int]) -> None:
    program = Program.objects.get(code=code)
    report = ProgressReport.objects.create(
        program=program,
        period_start=date(year, 10, 1),
        period_end=date(year, 12, 31),
        status=ReportStatus.APPROVED,
        is_current=True,
        executed_won=executed,
        created_by=_officer(),
        approved_at=timezone.now(),
    )
    for kpi_code, value in values.items():
        KPIValue.objects.create(
            report=report,
            kpi=KPI.objects.get(program=program, code=kpi_code),
            value=Decimal(value),
        )


def _officer():
    from accounts.models import User

    return User.objects.filter(username="review-officer").first() or user_with_role(
        Role.OFFICER, username="review-officer"
    )


def load(extra: dict[str, int] | None = None) -> None:
    for year in (2024, 2025):
        budget_load(data=budget_file(year, extra), source=f"{year}.yaml")
    _approve("LOW", 2024, 4_000_000_000, {"L1": 200})
    _approve("LOW", 2025, 3_000_000_000, {"L1": 300})
    _approve("HIGH", 2024, 2_000_000_000, {"H1": 15, "H2": 80})
    _approve("HIGH", 2025, 4_500_000_000, {"H1": 20, "H2": 100})
    _approve("GOOD", 2024, 1_000_000_000, {"G1": 100, "G2": 4})
    _approve("GOOD", 2025, 2_000_000_000, {"G1": 100, "G2": 4})
    _approve("LOWHI", 2025, 1_000_000_000, {"W1": 60})
    for code in extra or {}:
        _approve(code, 2024, 1_000_000_000, {f"K{code}": 10})
        _approve(code, 2025, 1_000_000_000, {f"K{code}": 20})


@pytest.fixture
def portfolio():
    load()


def codes(points) -> list[str]:
    return [p.program.code for p in points]


def test_quadrants_at_the_year_end(portfolio):
    review = budget_review(year=2025, today=date(2026, 3, 1))
    assert review.as_of == date(2025, 12, 31)
    assert review.expected_share == 1 and review.execution_line == Decimal("0.5")
    points = {p.program.code: p for p in review.points}
    # LOW: 3e9 / 10e9 = 0.3; L1: 500 of 1000 = 0.5.
    assert (points["LOW"].execution_rate, points["LOW"].achievement) == (
        Decimal("0.3"),
        Decimal("0.5"),
    )
    # HIGH: 0.9; H1 (20 - 10) / (50 - 10) = 0.25, H2 100 / 100 = 1: mean 0.625.
    assert points["HIGH"].achievement == Decimal("0.625")
    # GOOD: G1 100 / 100 = 1, G2 (4 - 10) / (5 - 10) = 1.2: mean 1.1.
    assert points["GOOD"].achievement == Decimal("1.1")
    assert points["LOWHI"].achievement == Decimal("1.2")  # 60 / 50
    assert {c: p.quadrant for c, p in points.items()} == {
        "LOW": "review_first",
        "HIGH": "high_low",
        "GOOD": "high_high",
        "LOWHI": "low_high",
        "NOKPI": "",  # no KPI
        "NOVAL": "",  # no value: no achievement rate
        "OLDP": "",  # not funded in 2025
    }
    assert codes(review.review_first) == ["LOW"]
    assert codes(review.high_execution_low_performance) == ["HIGH"]
    assert codes(review.not_placed) == ["NOKPI", "NOVAL", "OLDP"]


def test_execution_is_judged_against_the_share_of_the_year_elapsed(portfolio):
    # On 2 July 2025, 183 of 365 days: low execution is below 0.5 x 0.501370 = 0.250685.
    review = budget_review(year=2025, today=date(2025, 7, 2))
    assert review.in_progress
    assert review.expected_share == Decimal("0.501370")
    assert review.execution_line == Decimal("0.250685")
    quadrants = {p.program.code: p.quadrant for p in review.points}
    assert quadrants["LOW"] == "high_low"  # 0.3 is not low this early
    assert quadrants["LOWHI"] == "low_high"  # 0.25 still is
    assert codes(review.review_first) == []
    assert codes(review.high_execution_low_performance) == ["LOW", "HIGH"]  # largest first


def test_programmes_and_kpis_without_figures(portfolio):
    review = budget_review(year=2025, today=date(2026, 3, 1))
    assert codes(review.without_kpi) == ["NOKPI"]  # OLDP has a KPI; unfunded ones are left out
    assert [(k.program.code, k.kpi.code) for k in review.kpis_without_values] == [
        ("NOVAL", "N1"),
        ("OLDP", "O1"),
    ]
    # 2024: LOWHI had no report, but its KPI is not "without any value" in 2025.
    assert "W1" not in [k.kpi.code for k in review.kpis_without_values]


def test_targets_at_or_below_last_years_actual(portfolio):
    review = budget_review(year=2025, today=date(2026, 3, 1))
    found = {
        u.kpi.code: (u.year_target, u.previous_actual) for u in review.targets_under_last_actual
    }
    # G1: 2025 target 100 <= 2024 actual 100; G2 (decrease): 2025 target 5 >= 2024 actual 4.
    # Not: L1 1000 > 200, H1 50 > 15, H2 100 > 80, W1 (no 2024 actual).
    assert found == {"G1": (100, 100), "G2": (5, 4)}
    # 2024 has no year before it in the data: nothing to compare with.
    assert budget_review(year=2024, today=date(2026, 3, 1)).targets_under_last_actual == []


def test_largest_unexecuted_balances(portfolio):
    review = budget_review(year=2025, today=date(2026, 3, 1))
    balances = [(p.program.code, p.unexecuted_won) for p in review.unexecuted]
    assert balances == [
        ("LOW", 7_000_000_000),
        ("LOWHI", 3_000_000_000),  # ties by code
        ("NOKPI", 3_000_000_000),
        ("NOVAL", 1_000_000_000),
        ("HIGH", 500_000_000),
    ]  # GOOD spent all; OLDP has no 2025 allocation
    rules = Rules(
        low_execution=Decimal("0.5"),
        low_achievement=Decimal("0.8"),
        achievement_cap=Decimal("1.5"),
        top_balances=2,
    )
    top = budget_review(year=2025, today=date(2026, 3, 1), rules_=rules).unexecuted
    assert codes(top) == ["LOW", "LOWHI"]


def test_cost_per_unit_year_over_year(portfolio):
    review = budget_review(year=2025, today=date(2026, 3, 1))
    costs = {
        c.kpi.code: (
            c.previous.executed_won,
            c.previous.result,
            c.previous.won_per_unit,
            c.current.executed_won,
            c.current.result,
            c.current.won_per_unit,
            c.change_share,
        )
        for c in review.unit_costs
    }
    # Only the KPIs that count people or things: not H1 (%), G2 (ratio), N1 and O1 (items).
    assert list(costs) == ["G1", "H2", "L1", "W1"]
    # G1 (level): 2024 result 100 - 0 = 100 for 1e9; 2025 result 100 - 100 = 0: no cost per unit.
    assert costs["G1"] == (1_000_000_000, 100, 10_000_000, 2_000_000_000, 0, None, None)
    # H2 (annual): 2e9 / 80 = 25,000,000; 4.5e9 / 100 = 45,000,000: +80 %.
    assert costs["H2"] == (
        2_000_000_000,
        80,
        25_000_000,
        4_500_000_000,
        100,
        45_000_000,
        Decimal("0.8"),
    )
    # L1 (cumulative): 4e9 / 200 = 20,000,000; 3e9 / (500 - 200) = 10,000,000: -50 %.
    assert costs["L1"] == (
        4_000_000_000,
        200,
        20_000_000,
        3_000_000_000,
        300,
        10_000_000,
        Decimal("-0.5"),
    )
    # W1: nothing in 2024; 1e9 / 60 = 16,666,666.67 -> 16,666,667 won.
    assert costs["W1"] == (0, None, None, 1_000_000_000, 60, 16_666_667, None)


def test_rules_edge_cases():
    assert counts_things("PhDs") and counts_things("persons") and counts_things(" GPUs ")
    assert counts_things("명") and counts_things("신청(건)") and counts_things("AI applications")
    assert not counts_things("won") and not counts_things("%") and not counts_things("ratio")
    assert not counts_things("items") and not counts_things("")
    assert expected_share(2025, date(2024, 12, 31)) == 0
    assert expected_share(2025, date(2025, 1, 1)) == Decimal("0.002740")
    assert expected_share(2024, date(2024, 12, 31)) == 1  # a leap year: 366 of 366
    cap = Decimal("1.5")
    # Each rate is held within 0 and the cap: (1.5 + 0 + 0.3) / 3; no rate is left out.
    rates = [Decimal(4), Decimal(-2), Decimal("0.3"), None]
    assert mean_achievement(rates, cap) == Decimal("0.6")
    assert mean_achievement([None], cap) is None


def test_chart_places_and_clips(portfolio):
    review = budget_review(year=2025, today=date(2026, 3, 1))
    chart = scatter(
        review.points,
        execution_line=review.execution_line,
        achievement_line=Decimal("0.8"),
        cap=Decimal("1.5"),
    )
    dots = {d.point.program.code: d for d in chart.dots}
    assert set(dots) == {"LOW", "HIGH", "GOOD", "LOWHI"}
    # x runs 0..1.2 over 56..616; y 0..1.5 over 356..16.
    assert dots["LOW"].x == pytest.approx(56 + 560 * 0.3 / 1.2)
    assert dots["LOW"].y == pytest.approx(356 - 340 * 0.5 / 1.5)
    assert chart.x_line == pytest.approx(56 + 560 * 0.5 / 1.2)
    assert chart.y_line == pytest.approx(356 - 340 * 0.8 / 1.5)
    assert not any(d.clipped for d in chart.dots)
    assert all(d.labelled for d in chart.dots)  # four dots far apart: every code written


def test_crowded_labels_never_overlap(portfolio):
    review = budget_review(year=2025, today=date(2026, 3, 1))
    low = next(p for p in review.points if p.program.code == "LOW")
    crowd = [low] * 30  # thirty programmes on one spot
    chart = scatter(
        crowd, execution_line=Decimal("0.5"), achievement_line=Decimal("0.8"), cap=Decimal("1.5")
    )
    boxes = []
    for d in chart.dots:
        if d.labelled:
            width = 5.6 * len("LOW")
            x0 = d.label_x if d.label_anchor == "start" else d.label_x - width
            boxes.append((x0, d.label_y - 9, x0 + width, d.label_y + 1))
    assert 0 < len(boxes) < 30
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


# -- The page ----------------------------------------------------------------------------------

URL = "/budget-review/?year=2025"


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.AUDITOR, Role.ADMINISTRATOR])
def test_directors_auditors_and_administrators_read_it(client, portfolio, role):
    client.force_login(user_with_role(role))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Budget review 2025" in html
    assert 'href="/programs/LOW/?year=2025"' in html  # the chart's dot and the list link
    assert "<svg" in html and "Data table" in html


@pytest.mark.parametrize("role", [Role.OFFICER, Role.REVIEWER])
def test_others_are_refused(client, portfolio, role):
    client.force_login(user_with_role(role, ministry=Ministry.objects.get(code="RES")))
    for url in (URL, "/budget-review/export/csv/?year=2025", "/budget-review/export/xlsx/"):
        assert client.get(url).status_code == 403
    assert "/budget-review/" not in client.get("/programs/").content.decode()  # not in the menu


def test_anonymous_goes_to_login(client, portfolio):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_shows_the_lists_in_english_and_korean(client, portfolio):
    client.force_login(user_with_role(Role.DIRECTOR))
    html = client.get(URL).content.decode()
    assert "7 billion won" in html  # LOW's unexecuted balance
    assert "Targets at or below last year" in html
    assert "30.0%" in html and "62.5%" in html
    client.cookies["django_language"] = "ko"
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "2025년 예산 검토" in html
    assert "70억 원" in html
    assert "목표 과소 설정" in html
    assert "교육 인원" in html  # the KPI's Korean name


def test_year_selector_defaults_to_the_latest_year(client, portfolio):
    client.force_login(user_with_role(Role.DIRECTOR))
    html = client.get("/budget-review/").content.decode()  # today is after 2025: the latest year
    assert "Budget review 2025" in html
    html = client.get("/budget-review/?year=2024").content.decode()
    assert "Budget review 2024" in html


def test_no_budget_loaded(client, db):
    client.force_login(user_with_role(Role.DIRECTOR))
    response = client.get("/budget-review/")
    assert response.status_code == 200 and "No budget is loaded yet" in response.content.decode()
    assert client.get("/budget-review/export/csv/").status_code == 404


def test_csv_export_is_audited_and_neutralised(client, portfolio):
    director = user_with_role(Role.DIRECTOR)
    client.force_login(director)
    response = client.get("/budget-review/export/csv/?year=2025")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["List", "Programme code", "Programme"]
    assert "Won per unit 2024" in header and "Won per unit 2025" in header
    lists = [r[0] for r in body]
    # 1 + 1 + 1 + 2 + 2 + 5 + 4 rows.
    assert len(body) == 16
    assert lists[0] == "Low execution, low performance (review first)"
    nokpi = next(r for r in body if r[1] == "NOKPI")
    assert nokpi[2] == "'=SUM(A1)"  # not a formula
    l1 = next(r for r in body if r[4] == "L1" and r[0] == "Cost per unit of result")
    column = {name: i for i, name in enumerate(header)}
    assert l1[column["Won per unit 2025"]] == "10000000"
    assert l1[column["Change in won per unit"]] == "-0.5"
    entry = AuditEntry.objects.filter(object_type="results.budget_review").get()
    assert entry.actor_id == director.pk
    assert entry.extra == {"format": "csv", "rows": 16, "filters": {"year": 2025}}


def test_xlsx_export(client, portfolio):
    client.force_login(user_with_role(Role.AUDITOR))
    response = client.get("/budget-review/export/xlsx/?year=2025")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 17
    low = rows[1]
    assert low[:4] == (
        "Low execution, low performance (review first)",
        "LOW",
        "Programme LOW",
        "RES",
    )
    assert low[7:11] == (10_000_000_000, 3_000_000_000, 0.3, 0.5)
    assert AuditEntry.objects.filter(object_type="results.budget_review").count() == 1


# -- Query counts, at two sizes ----------------------------------------------------------------

SELECTOR_QUERIES = 17  # two years' figures (8 each) and the values up to the year end
PAGE_QUERIES = 21  # + session, user, groups and the fiscal years
EXPORT_QUERIES = 24  # + the audit entry (appended to the hash chain)


@pytest.mark.parametrize("extra", [0, 12])
def test_query_counts_do_not_grow(client, django_assert_num_queries, extra):
    load({f"X{i:02d}": 1_000_000_000 for i in range(extra)})
    with django_assert_num_queries(SELECTOR_QUERIES):
        review = budget_review(year=2025, today=date(2026, 3, 1))
    assert len(review.points) == 7 + extra
    client.force_login(user_with_role(Role.DIRECTOR))
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(URL).status_code == 200
    with django_assert_num_queries(EXPORT_QUERIES):
        assert client.get("/budget-review/export/csv/?year=2025").status_code == 200
