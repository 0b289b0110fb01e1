"""``manage.py performance_report``: JSON equal to ``figures_data``, the workbook read back equal to
the figures, the PDF's text (Korean and English) against the figures, bad input, the audit entry."""

from __future__ import annotations

import io
import json
import re
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from audit.models import AuditEntry
from results.figures import figures_data, year_figures

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("performance_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _expected(year: int, ministry=None) -> dict:
    return json.loads(json.dumps(figures_data(year_figures(year=year, ministry=ministry))))


def test_json_equals_figures_data(portfolio):
    assert json.loads(_run("--year", "2024")) == _expected(2024)
    data = json.loads(_run("--year", "2025", "--ministry", "RES"))
    assert data == _expected(2025, portfolio.ministry)
    assert [m["code"] for m in data["ministries"]] == ["RES"]
    entry = AuditEntry.objects.filter(object_type="performance_report").latest("pk")
    assert entry.extra["format"] == "json"
    assert entry.extra["filters"]["ministry"] == "RES"
    assert entry.extra["rows"] == 4  # the four KPIs in force in 2025


def test_bad_year_and_ministry(portfolio):
    with pytest.raises(CommandError, match=r"2031.*not loaded.*2024, 2025|2031.*2025, 2024"):
        _run("--year", "2031")
    with pytest.raises(CommandError, match=r"NOPE.*OTH, RES"):
        _run("--year", "2024", "--ministry", "NOPE")
    assert not AuditEntry.objects.filter(object_type="performance_report").exists()


def _kpis_or_none(program) -> list:
    """A programme's KPIs; a programme without one is one row with no KPI."""
    return list(program.kpis) or [None]


def _rows(ws):
    header = [c.value for c in ws[1]]
    return header, [
        dict(zip(header, [c.value for c in row], strict=True)) for row in ws.iter_rows(2)
    ]


def test_xlsx_reads_back_equal_to_the_figures(portfolio, tmp_path):
    path = tmp_path / "report.xlsx"
    _run("--year", "2024", "--format", "xlsx", "--output", str(path), "--language", "en")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "KPIs"]
    header, rows = _rows(wb["KPIs"])
    assert header[:4] == ["Ministry code", "Ministry", "Programme code", "Programme"]
    figures = year_figures(year=2024)
    expected = [(p, k) for p in figures.programs() for k in _kpis_or_none(p)]
    assert len(rows) == len(expected) == 6  # OTHP without a KPI, PRG's five
    for row, (program, kpi) in zip(rows, expected, strict=True):
        assert row["Programme code"] == program.program.code
        assert row["Allocation (won)"] == program.allocated_won  # exact won, a number
        assert row["Execution (won)"] == program.executed_won
        if kpi is None:
            assert row["KPI code"] is None
            continue
        assert row["KPI code"] == kpi.kpi.code
        assert Decimal(str(row["Year target"])) == pytest.approx(kpi.year_target)
        actual = None if kpi.year_actual is None else Decimal(str(row["Year actual"]))
        assert actual == kpi.year_actual
        rate = row["Achievement rate"]
        assert (None if rate is None else Decimal(str(rate))) == kpi.achievement_rate
        assert row["Achieved"] == ("Yes" if kpi.achieved else "No")
        assert (row["Shortfall reason"] or "") == kpi.shortfall_reason
        assert (row["Remedy"] or "") == kpi.remedy
    prg = next(r for r in rows if r["KPI code"] == "LVL")
    assert prg["Execution rate"] == 0.9
    cell = wb["KPIs"]["G2"]  # OTHP's execution rate: nothing executed of 1,000 won
    assert cell.number_format == "0.0%"
    assert wb["KPIs"]["E3"].number_format == "#,##0"
    summary = [[c.value for c in row] for row in wb["Summary"].iter_rows(6)]
    assert summary[0] == ["Overall", None, 5, 2, 0.4]
    assert ["Ministry of Results", "RES", 5, 2, 0.4] in summary


def test_xlsx_in_korean_and_formulas_neutralised(portfolio, tmp_path):
    from kpis.models import KPI

    KPI.objects.filter(code="LVL").update(name_ko='=HYPERLINK("http://evil.example","x")')
    path = tmp_path / "report.xlsx"
    _run("--year", "2024", "--format", "xlsx", "--output", str(path), "--language", "ko")
    wb = load_workbook(path)
    assert wb.sheetnames == ["요약", "성과지표"]
    header, rows = _rows(wb["성과지표"])
    assert header[:4] == ["부처 코드", "부처", "사업 코드", "사업"]
    lvl = next(r for r in rows if r["성과지표 코드"] == "LVL")
    assert lvl["성과지표"] == '=HYPERLINK("http://evil.example","x")'
    cell = next(c for c in wb["성과지표"]["I"] if c.value == lvl["성과지표"])
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    assert lvl["부처"] == "성과부"
    assert lvl["달성 여부"] == "미달성"


def _pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_pdf_in_english(portfolio, tmp_path):
    path = tmp_path / "report.pdf"
    _run("--year", "2024", "--format", "pdf", "--output", str(path), "--language", "en")
    assert path.read_bytes().startswith(b"%PDF-")
    text = _pdf_text(path)
    assert "Performance report, fiscal year 2024" in text
    assert "KPIs achieved in 2024: 2 of 5 (40.0%)" in text
    assert "Ministry of Results" in text and "Other ministry" in text
    # PRG: 10 billion won allocated, 9 billion executed (90.0%); LVL 28 of 30 labs, 90.0%.
    assert "10 billion won" in text and "9 billion won" in text
    for kpi in ("Cumulative", "Level", "Annual", "No values", "Ended in 2024"):
        assert kpi in text
    assert "Two labs opened late" in text and "Open them in 2025-Q1" in text
    lvl = next(line for line in text.splitlines() if "Level" in line and "LVL" in line)
    assert "30" in lvl and "28" in lvl and "90.0%" in lvl and "No" in lvl
    cum = next(line for line in text.splitlines() if "Cumulative" in line and "CUM" in line)
    assert "400" in cum and "119.8%" in cum and "Yes" in cum  # 400 of 333.94
    pages = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True
    ).stdout
    count = int(next(line for line in pages.splitlines() if line.startswith("Pages:")).split()[1])
    assert count >= 3  # title page, summary, ministries
    assert re.search(rf"\b2\s*/\s*{count}\b", text)  # page numbers


def test_pdf_in_korean(portfolio, tmp_path, settings):
    settings.LANGUAGE_CODE = "ko"
    path = tmp_path / "report.pdf"
    _run("--year", "2025", "--ministry", "RES", "--format", "pdf", "--output", str(path))
    text = _pdf_text(path)  # the LANGUAGE_CODE setting: Korean
    assert "2025 회계연도 성과보고서" in text
    assert "성과부" in text and "Other ministry" not in text
    assert "2025년 성과지표 달성: 4개 중 3개(75.0%)" in text
    assert "80억 원" in text and "50억 원" in text  # allocation and execution, exact
    assert "62.5%" in text  # execution rate
    assert "달성" in text and "미달성" in text
    entry = AuditEntry.objects.filter(object_type="performance_report").latest("pk")
    assert (entry.extra["format"], entry.extra["filters"]["language"]) == ("pdf", "ko")
