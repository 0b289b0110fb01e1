"""Two budget years of one programme portfolio, end to end (a scenario of our own, not the shipped
budget's figures): load year one, report and approve, load year two, report across the year
boundary, read the boards of both years, compare the years, correct a year-one report late, and
change a target with and without a revision."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from accounts.roles import Role
from audit.models import AuditEntry
from budget.io import read_budget_file
from budget.models import BudgetNode
from budget.schema import BudgetFileError
from budget.services import budget_load
from kpis.models import KPI, TargetRevision
from programs.models import Program
from reporting import services
from reporting.models import ProgressReport
from status.services import status_recompute_all
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

YEAR_ONE = """
fiscal_year: 2024
currency: KRW
title: "Scenario budget 2024"
title_ko: "시나리오 예산 2024"
ministries:
  - {code: SCI, name: "Ministry of Science", name_ko: "과학부"}
nodes:
  - code: SCN
    name: "Scenario total"
    amount_won: 300000000000
    children:
      - code: TALENT
        name: "Research talent"
        name_ko: "연구 인재"
        amount_won: 200000000000
        program:
          ministry: SCI
          start: 2024-01-01
          end: 2025-12-31
          frequency: quarterly
          kpis:
            - {code: TALENT-PHD, name: "PhDs trained", unit: "people", kind: cumulative,
               direction: increase, baseline: 0, target: 800, target_date: 2026-12-31}
            - {code: TALENT-LABS, name: "Labs open", unit: "labs", kind: level,
               direction: increase, baseline: 2, target: 10, target_date: 2025-12-31}
            - {code: TALENT-GRADS, name: "Graduates a year", unit: "people", kind: annual,
               direction: increase, baseline: 0, target: 100, target_date: 2025-12-31}
      - code: OLDP
        name: "One-year pilot"
        amount_won: 100000000000
        program:
          ministry: SCI
          start: 2024-01-01
          end: 2024-12-31
          frequency: annual
          kpis: []
"""


def year_two() -> dict[str, Any]:
    """Year two: TALENT funded again (less money), OLDP gone, NEWP added."""
    data = yaml.safe_load(YEAR_ONE)
    data["fiscal_year"] = 2025
    data["title"] = "Scenario budget 2025"
    data["title_ko"] = "시나리오 예산 2025"
    root = data["nodes"][0]
    root["amount_won"] = 250_000_000_000
    talent = root["children"][0]
    talent["amount_won"] = 150_000_000_000
    root["children"] = [
        talent,
        {
            "code": "NEWP",
            "name": "New programme",
            "amount_won": 100_000_000_000,
            "program": {
                "ministry": "SCI",
                "start": date(2025, 1, 1),
                "end": date(2025, 12, 31),
                "frequency": "annual",
                "kpis": [],
            },
        },
    ]
    return data


def _load(data: dict[str, Any]) -> Any:
    return budget_load(data=copy.deepcopy(data), source="scenario.yaml")


def _report(officer, reviewer, program, period_end, values, executed, correction_of=None):
    if correction_of is not None:
        report = services.report_start_correction(user=officer, report=correction_of)
        report = services.report_update(
            user=officer, report=report, values=values, executed_won=executed
        )
    else:
        report = services.report_create_draft(
            user=officer,
            program=program,
            period_end=period_end,
            values=values,
            executed_won=executed,
            narrative="scenario",
        )
    report = services.report_submit(user=officer, report=report)
    return services.report_approve(user=reviewer, report=report)


def _board(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("export_board", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def _programme(board: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((p for p in board["programs"] if p["code"] == code), None)


@pytest.fixture
def scenario(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "y1.yaml"
    path.write_text(YEAR_ONE, encoding="utf-8")
    _load(read_budget_file(str(path)))
    talent = Program.objects.get(code="TALENT")
    officer = user_with_role(Role.OFFICER, username="sci-officer", ministry=talent.ministry)
    reviewer = user_with_role(Role.REVIEWER, username="sci-reviewer", ministry=talent.ministry)
    quarters = [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)]
    for i, end in enumerate(quarters):
        _report(
            officer,
            reviewer,
            talent,
            end,
            {"TALENT-PHD": 100, "TALENT-LABS": 4 + i, "TALENT-GRADS": 25},
            40_000_000_000,
        )
    oldp = Program.objects.get(code="OLDP")
    _report(officer, reviewer, oldp, date(2024, 12, 31), {}, 90_000_000_000)
    _load(year_two())
    return {"officer": officer, "reviewer": reviewer, "talent": talent}


def test_year_two_links_by_code_and_keeps_year_one(scenario) -> None:
    talent = scenario["talent"]
    assert Program.objects.filter(code="TALENT").count() == 1
    assert KPI.objects.filter(code="TALENT-PHD").count() == 1
    assert Program.objects.get(code="TALENT").pk == talent.pk
    # OLDP is absent from 2025 but kept with its history; NEWP is new.
    assert Program.objects.filter(code="OLDP").exists()
    assert ProgressReport.objects.filter(program__code="OLDP").count() == 1
    assert Program.objects.filter(code="NEWP").exists()
    allocations = dict(
        BudgetNode.objects.filter(program=talent).values_list("fiscal_year__year", "amount_won")
    )
    assert allocations == {2024: 200_000_000_000, 2025: 150_000_000_000}
    # Loading either file again changes nothing.
    assert not _load(year_two()).changed
    assert not _load(yaml.safe_load(YEAR_ONE)).changed


def test_values_accumulate_across_the_boundary_and_budget_is_per_year(scenario) -> None:
    officer, reviewer, talent = scenario["officer"], scenario["reviewer"], scenario["talent"]
    _report(
        officer,
        reviewer,
        talent,
        date(2025, 3, 31),
        {"TALENT-PHD": 120, "TALENT-LABS": 7, "TALENT-GRADS": 30},
        30_000_000_000,
    )
    status_recompute_all(as_of=date(2025, 5, 15))
    board = _board("--as-of", "2025-05-15")
    assert board["fiscal_year"] == 2025
    row = _programme(board, "TALENT")
    assert row is not None
    kpis = {k["code"]: k for k in row["kpis"]}
    assert Decimal(str(kpis["TALENT-PHD"]["actual"])) == 520  # 400 in 2024 + 120 in 2025
    assert Decimal(str(kpis["TALENT-GRADS"]["actual"])) == 30  # annual: 2025 only
    assert row["budget"]["allocated_won"] == 150_000_000_000
    assert row["budget"]["executed_won"] == 30_000_000_000  # periods ending in 2025 only
    assert {p["code"] for p in board["programs"]} == {"TALENT", "NEWP"}

    old = _board("--as-of", "2025-05-15", "--year", "2024")
    assert old["fiscal_year"] == 2024
    assert {n["code"] for n in old["nodes"]} == {"SCN", "TALENT", "OLDP"}  # 2024 tree
    talent_2024 = _programme(old, "TALENT")
    assert talent_2024 is not None
    assert talent_2024["budget"]["allocated_won"] == 200_000_000_000
    assert talent_2024["budget"]["executed_won"] == 160_000_000_000
    assert _programme(old, "OLDP")["budget"]["executed_won"] == 90_000_000_000  # type: ignore[index]
    # The stored results of the date are still 2025's (the 2024 board was computed, not stored).
    assert (
        _programme(_board("--as-of", "2025-05-15"), "TALENT")["budget"][  # type: ignore[index]
            "allocated_won"
        ]
        == 150_000_000_000
    )


def test_boards_of_both_years(scenario, client: Client) -> None:
    director = user_with_role(Role.DIRECTOR, username="scn-director")
    client.force_login(director)
    status_recompute_all(as_of=date(2025, 5, 15))
    page_2025 = client.get("/?as_of=2025-05-15").content.decode()
    assert "2025" in page_2025
    programmes_2024 = client.get("/programs/?as_of=2025-05-15&year=2024").content.decode()
    assert "OLDP" in programmes_2024
    programmes_2025 = client.get("/programs/?as_of=2025-05-15&year=2025").content.decode()
    assert "NEWP" in programmes_2025 and "OLDP" not in programmes_2025
    page = client.get("/programs/TALENT/?as_of=2025-05-15&year=2025")
    assert page.status_code == 200
    body = page.content.decode()
    assert "2024" in body and "2025" in body  # its allocation in both years


def test_comparison_of_the_two_years(scenario) -> None:
    out = StringIO()
    call_command("compare_budget", "2024", "2025", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["year1"], data["year2"]) == (2024, 2025)
    rows = {row["code"]: row for row in data["rows"]}
    assert rows["TALENT"] == {
        "code": "TALENT",
        "name": "Research talent",
        "amount_year1_won": 200_000_000_000,
        "amount_year2_won": 150_000_000_000,
        "change_won": -50_000_000_000,
        "change_ratio": -0.25,
        "change": "changed",
    }
    assert rows["NEWP"]["change"] == "added" and rows["NEWP"]["change_ratio"] is None
    assert rows["OLDP"]["change"] == "removed" and rows["OLDP"]["amount_year2_won"] is None
    csv_out = StringIO()
    call_command("compare_budget", "2024", "2025", "--format", "csv", stdout=csv_out)
    assert csv_out.getvalue().splitlines()[0].startswith("code,name,amount_year1_won")


def test_a_late_correction_to_year_one(scenario) -> None:
    officer, reviewer, talent = scenario["officer"], scenario["reviewer"], scenario["talent"]
    q4 = ProgressReport.objects.get(program=talent, period_end=date(2024, 12, 31), is_current=True)
    _report(
        officer,
        reviewer,
        talent,
        q4.period_end,
        {"TALENT-PHD": 150, "TALENT-LABS": 7, "TALENT-GRADS": 25},
        45_000_000_000,
        correction_of=q4,
    )
    board = _board("--as-of", "2025-05-15", "--year", "2024")
    talent_2024 = _programme(board, "TALENT")
    assert talent_2024 is not None
    assert talent_2024["budget"]["executed_won"] == 165_000_000_000
    phd = next(k for k in talent_2024["kpis"] if k["code"] == "TALENT-PHD")
    assert Decimal(str(phd["actual"])) == 450


def test_a_target_change_needs_a_revision(scenario) -> None:
    data = year_two()
    data["nodes"][0]["children"][0]["program"]["kpis"][0]["target"] = 1000
    with pytest.raises(BudgetFileError) as refused:
        _load(data)
    assert "KPI TALENT-PHD has progress data" in "\n".join(refused.value.lines())
    assert KPI.objects.get(code="TALENT-PHD").target == 800

    data["nodes"][0]["children"][0]["program"]["kpis"][0]["revision"] = {
        "reason": "scope_change",
        "note": "Second campus",
    }
    result = _load(data)
    kpi = KPI.objects.get(code="TALENT-PHD")
    assert kpi.target == 1000
    revision = TargetRevision.objects.get(kpi=kpi)
    assert revision.previous["target"] == "800" and revision.revised["target"] == "1000"
    assert (revision.reason, revision.reason_text, revision.created_by) == (
        "scope_change",
        "Second campus",
        None,
    )
    assert any(change.model == "kpis.TargetRevision" for change in result.changes)
    assert AuditEntry.objects.filter(object_type="kpis.targetrevision").exists()
    # The same file again changes nothing; the year-one file does not undo the revision.
    assert not _load(data).changed
    _load(yaml.safe_load(YEAR_ONE))
    assert KPI.objects.get(code="TALENT-PHD").target == 1000
