"""Uploads of the files people have: written by LibreOffice Calc (a percent-formatted cell, .ods,
.xls; tests/reporting/files/, made from percent.fods with ``soffice --convert-to``), Korean
Excel's CSV (CP949, CRLF, no BOM) and "Unicode text" (UTF-16 LE with a BOM, tabs), the template
without its hidden key row, and a template of reports already submitted."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from accounts.roles import Role
from reporting import spreadsheet as ss
from reporting.models import KPIValue, ProgressReport, ReportStatus
from reporting.services import report_approve, report_create_draft, report_submit
from tests.factories import KPIFactory, MinistryFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
Q1 = date(2026, 3, 31)
Q4_2025 = date(2025, 12, 31)


@pytest.fixture
def world():
    msit = MinistryFactory(code="MSIT")
    nacc = ProgramFactory(
        ministry=msit,
        node__code="NACC",
        node__path="A/01",
        node__amount_won=1_000_000_000_000,
        start=date(2025, 10, 1),
    )
    cap = KPIFactory(
        program=nacc, code="NACC-CAP", kind="level", unit="% capacity increase", position=1
    )
    gpu = KPIFactory(program=nacc, code="NACC-GPU", kind="level", unit="GPUs", position=2)
    fab = ProgramFactory(ministry=msit, node__code="FAB", node__path="A/02")
    KPIFactory(program=fab, code="FAB-NPU", kind="annual", position=1)
    officer = UserFactory(username="officer-msit", role=Role.OFFICER, ministry=msit)
    reviewer = UserFactory(username="reviewer", role=Role.REVIEWER)
    return type("World", (), locals())


def _messages(preview) -> list[str]:
    return [str(e) for e in preview.errors]


def _parse(world, data: bytes, name: str):
    return ss.parse_upload(user=world.officer, file=data, file_name=name)


def test_percent_cell_from_calc_reads_80_for_a_percentage_kpi(world):
    preview = _parse(world, (FILES / "percent.xlsx").read_bytes(), "calc.xlsx")
    assert preview.errors == [], _messages(preview)
    cap_row = next(r for r in preview.rows if r.kpi == "NACC-CAP")
    assert (cap_row.value, cap_row.read_value) == ("80%", "80")
    program_row = next(r for r in preview.rows if r.is_program_row)
    assert program_row.read_executed == 120_000_000_000
    ss.upload_confirm(user=world.officer, preview=preview)
    report = ProgressReport.objects.get(program=world.nacc)
    assert report.executed_won == 120_000_000_000
    assert report.period_end == Q1
    values = {v.kpi.code: v.value for v in KPIValue.objects.filter(report=report)}
    assert values == {"NACC-CAP": Decimal(80), "NACC-GPU": Decimal(3200)}


def test_percent_cell_for_a_kpi_not_in_percent_is_refused_saying_what_to_type(world):
    world.cap.unit = "GPUs"
    world.cap.save()
    preview = _parse(world, (FILES / "percent.xlsx").read_bytes(), "calc.xlsx")
    messages = _messages(preview)
    assert len(messages) == 1, messages
    assert "percentage" in messages[0] and "enter the number of GPUs" in messages[0]


def test_preview_page_shows_the_percent_as_read(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.officer)
    upload = SimpleUploadedFile("calc.xlsx", (FILES / "percent.xlsx").read_bytes())
    page = client.get(client.post("/reports/upload/", {"file": upload})["Location"])
    text = re.sub(r"<[^>]+>", "", page.content.decode())
    assert "80% → 80" in text
    assert "1,200억 원 → 120 billion won" in text


def test_jump_against_the_last_approved_value_is_a_warning_with_the_unit(world):
    previous = report_create_draft(
        user=world.officer,
        program=world.nacc,
        period_end=Q4_2025,
        values={"NACC-CAP": 78, "NACC-GPU": 3000},
        executed_won=1,
        shortfalls={"NACC-CAP": {"reason": "late start", "remedy": "second site"}},
    )
    report_submit(user=world.officer, report=previous)
    report_approve(user=world.reviewer, report=previous)
    csv = (
        "program,period_end,kpi,value,executed_won,narrative\r\n"
        "NACC,2026-03-31,,,5억,ok\r\n"
        "NACC,2026-03-31,NACC-CAP,0.8,,\r\n"
        "NACC,2026-03-31,NACC-GPU,3200,,\r\n"
    ).encode()
    preview = _parse(world, csv, "plain.csv")
    assert preview.errors == [], _messages(preview)
    cap_row = next(r for r in preview.rows if r.kpi == "NACC-CAP")
    assert len(cap_row.warnings) == 1
    assert "% capacity increase" in cap_row.warnings[0] and "78" in cap_row.warnings[0]
    assert preview.is_valid  # a warning, not a refusal


@pytest.mark.parametrize("name", ["percent.ods", "percent.xls"])
def test_ods_and_xls_say_save_as_xlsx(world, name):
    preview = _parse(world, (FILES / name).read_bytes(), name)
    messages = _messages(preview)
    assert len(messages) == 1
    assert "Save As > Excel Workbook (.xlsx)" in messages[0]


def _korean_rows() -> list[list[str]]:
    return [
        ["program", "period_end", "kpi", "value", "executed_won", "narrative"],
        ["NACC", "2026. 3. 31.", "", "", "45,000,000,000원", "정상 진행"],
        ["NACC", "2026. 3. 31.", "NACC-CAP", "80%", "", ""],
        ["NACC", "2026. 3. 31.", "NACC-GPU", "3,200", "", ""],
    ]


def test_cp949_csv_as_korean_excel_writes_it(world):
    text = "\r\n".join(",".join(f'"{c}"' if "," in c else c for c in r) for r in _korean_rows())
    data = (text + "\r\n").encode("cp949")
    assert not data.startswith(b"\xef\xbb\xbf")
    preview = _parse(world, data, "excel.csv")
    assert preview.errors == [], _messages(preview)
    ss.upload_confirm(user=world.officer, preview=preview)
    report = ProgressReport.objects.get()
    assert (report.executed_won, report.narrative) == (45_000_000_000, "정상 진행")


def test_unicode_text_from_excel_is_read(world):
    text = "\r\n".join("\t".join(r) for r in _korean_rows()) + "\r\n"
    data = b"\xff\xfe" + text.encode("utf-16-le")
    preview = _parse(world, data, "unicode.txt")
    assert preview.errors == [], _messages(preview)
    assert preview.file_format == "csv"
    assert len(preview.reports_to_save) == 1


@pytest.mark.parametrize("language", ["ko", "en"])
def test_template_labels_work_when_the_key_row_is_gone(world, language):
    with translation.override(language):
        data = ss.build_template(user=world.officer, ministry=world.msit, period_end=Q1)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[ss.SHEET_TITLE]
    ws.protection.sheet = False
    ws.delete_rows(ss.KEY_ROW)
    for row in range(ss.KEY_ROW, ws.max_row + 1):
        kpi = ws.cell(row=row, column=ss.COLUMN_INDEX["kpi"]).value
        program = ws.cell(row=row, column=ss.COLUMN_INDEX["program"]).value
        if program == "NACC" and kpi:
            ws.cell(row=row, column=ss.COLUMN_INDEX["value"], value=5)
        elif program == "NACC":
            ws.cell(row=row, column=ss.COLUMN_INDEX["executed_won"], value=10)
    out = io.BytesIO()
    wb.save(out)
    preview = _parse(world, out.getvalue(), "t.xlsx")
    assert preview.errors == [], _messages(preview)
    assert [p.program_code for p in preview.reports_to_save] == ["NACC"]


def test_rows_repeated_across_sheets_name_the_sheet(world):
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Jan"
    second = wb.create_sheet("Feb")
    for ws in (first, second):
        ws.append(["program", "period_end", "kpi", "value", "executed_won", "narrative"])
        ws.append(["NACC", "2026-03-31", "NACC-GPU", 1, None, None])
    first.append(["NACC", "2026-03-31", None, None, 10, "x"])
    out = io.BytesIO()
    wb.save(out)
    preview = _parse(world, out.getvalue(), "two.xlsx")
    messages = _messages(preview)
    assert any("also sheet Jan, row 2" in m and "sheet Feb" in m for m in messages), messages


def test_kpi_row_with_another_period_than_its_programme_row_is_one_error(world):
    csv = (
        b"program,period_end,kpi,value,executed_won,narrative\n"
        b"NACC,2026-03-31,,,10,ok\n"
        b"NACC,2026-03-31,NACC-CAP,5,,\n"
        b"NACC,2026-06-30,NACC-GPU,5,,\n"
    )
    preview = _parse(world, csv, "p.csv")
    messages = _messages(preview)
    assert len(messages) == 1, messages
    assert "row 4, column B (period_end)" in messages[0]
    assert "differs from that of its programme row" in messages[0]


def test_template_of_a_submitted_report_is_not_prefilled_and_unchanged_rows_are_skipped(world):
    report = report_create_draft(
        user=world.officer,
        program=world.nacc,
        period_end=Q1,
        values={"NACC-CAP": 10, "NACC-GPU": 20},
        executed_won=30,
        narrative="done",
    )
    report_submit(user=world.officer, report=report)
    data = ss.build_template(user=world.officer, ministry=world.msit, period_end=Q1)
    ws = openpyxl.load_workbook(io.BytesIO(data))[ss.SHEET_TITLE]
    by_kpi = {}
    for row in range(ss.FIRST_DATA_ROW, ws.max_row + 1):
        program = ws.cell(row=row, column=ss.COLUMN_INDEX["program"]).value
        kpi = ws.cell(row=row, column=ss.COLUMN_INDEX["kpi"]).value
        by_kpi[(program, kpi)] = row
    value_col = ss.COLUMN_INDEX["value"]
    assert ws.cell(row=by_kpi[("NACC", "NACC-CAP")], column=value_col).value is None
    status = ws.cell(row=by_kpi[("NACC", None)], column=ss.COLUMN_INDEX["report_status"]).value
    assert "awaiting review" in str(status)

    # A template downloaded while the report was a draft: NACC unchanged, FAB new.
    csv = (
        b"program,period_end,kpi,value,executed_won,narrative\n"
        b"NACC,2026-03-31,,,30,done\n"
        b"NACC,2026-03-31,NACC-CAP,10,,\n"
        b"NACC,2026-03-31,NACC-GPU,20,,\n"
        b"FAB,2026-03-31,,,7,fab\n"
        b"FAB,2026-03-31,FAB-NPU,1,,\n"
    )
    preview = _parse(world, csv, "old.csv")
    assert preview.errors == [], _messages(preview)
    nacc = next(p for p in preview.plans if p.program_code == "NACC")
    assert nacc.action == "skip" and "already submitted" in nacc.note
    saved = ss.upload_confirm(user=world.officer, preview=preview)
    assert [r.program.code for r in saved] == ["FAB"]
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


def test_a_changed_row_of_an_approved_report_says_to_start_a_correction(world):
    report = report_create_draft(
        user=world.officer,
        program=world.nacc,
        period_end=Q1,
        values={"NACC-CAP": 10, "NACC-GPU": 20},
        executed_won=30,
    )
    report_submit(user=world.officer, report=report)
    report_approve(user=world.reviewer, report=report)
    csv = (
        b"program,period_end,kpi,value,executed_won,narrative\n"
        b"NACC,2026-03-31,,,30,\n"
        b"NACC,2026-03-31,NACC-CAP,11,,\n"
        b"NACC,2026-03-31,NACC-GPU,20,,\n"
    )
    messages = _messages(_parse(world, csv, "c.csv"))
    assert len(messages) == 1
    assert "approved" in messages[0] and "start a correction" in messages[0]
