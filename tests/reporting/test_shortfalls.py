"""Shortfalls (reporting/shortfalls.py): a reason and a remedy per KPI that falls short, asked for
in every report and required to submit a year-end report, on every way in; the selector the
performance report reads."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from kpis.kinds import DECREASE, INCREASE
from reporting import services
from reporting import spreadsheet as ss
from reporting.models import KPIValue, ProgressReport, ReportStatus
from reporting.selectors import shortfalls_for_year
from reporting.shortfalls import (
    SHORTFALL_MAX_CHARS,
    is_behind,
    is_year_end,
    kpi_standing,
    report_standings,
)
from reporting.validation import ReportInputError
from tests.reporting.conftest import FULL_SHORTFALLS, FULL_VALUES

Q1, Q2, Q3, Q4 = date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)
# At 2026-12-31: NACC-GPU (level, 0 -> 10,000 by 2028) is expected at about 3,330, NACC-PHD
# (cumulative) at 5,000 and NACC-DEG (annual) at 20,000.
ON_TRACK = {"NACC-GPU": 4000, "NACC-PHD": 5000, "NACC-DEG": 20000}
GPU_SHORT = {**ON_TRACK, "NACC-GPU": 1200}
GPU_SHORTFALL = {"NACC-GPU": {"reason": "Deliveries slipped", "remedy": "A second supplier"}}


@pytest.fixture
def after_year_end(monkeypatch):
    """Today is 2027-01-05: the year-end period has ended."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 5))


def _officer(world):
    return world.users["officer"]


def _draft(world, day=Q4, values=None, **kwargs):
    return services.report_create_draft(
        user=_officer(world),
        program=world.program,
        period_end=day,
        values=FULL_VALUES if values is None else values,
        executed_won=1000,
        **kwargs,
    )


def _approved(world, day, values, shortfalls=None):
    report = _draft(world, day, values, shortfalls=shortfalls)
    report = services.report_submit(user=_officer(world), report=report)
    return services.report_approve(user=world.users["reviewer"], report=report)


def _row(report, code):
    return report.values.get(kpi__code=code)


# The rule -----------------------------------------------------------------------------------------


def test_year_end_is_a_period_ending_on_31_december():
    assert is_year_end(date(2026, 12, 31))
    assert not is_year_end(date(2026, 9, 30))
    assert not is_year_end(date(2026, 12, 30))


def test_behind_depends_on_the_direction():
    assert is_behind(INCREASE, Decimal(9), Decimal(10))
    assert not is_behind(INCREASE, Decimal(10), Decimal(10))
    assert is_behind(DECREASE, Decimal(11), Decimal(10))
    assert not is_behind(DECREASE, Decimal(9), Decimal(10))
    assert not is_behind(INCREASE, Decimal(9), None)  # no expected value: not short


def test_standing_counts_the_value_as_the_status_rules_do(world):
    kpis = {k.code: k for k in world.program.kpis.all()}
    phd = kpis["NACC-PHD"]  # cumulative: the earlier approved amounts count
    behind = kpi_standing(
        phd, Decimal(2000), period_end=Q4, start=world.program.start, before=[(Q3, Decimal(2000))]
    )
    assert behind.actual == 4000 and behind.expected == 5000 and behind.falls_short
    caught_up = kpi_standing(
        phd, Decimal(3000), period_end=Q4, start=world.program.start, before=[(Q3, Decimal(2000))]
    )
    assert caught_up.actual == 5000 and not caught_up.falls_short
    standings = report_standings(
        world.program, Q4, {kpis[c].pk: Decimal(v) for c, v in GPU_SHORT.items()}, before={}
    )
    assert [c for c, k in kpis.items() if standings[k.pk].falls_short] == ["NACC-GPU"]


# Storage, corrections, audit ----------------------------------------------------------------------


def test_draft_stores_the_shortfall_and_update_merges_and_clears(world):
    report = _draft(world, Q1, FULL_VALUES, shortfalls=GPU_SHORTFALL)
    gpu = _row(report, "NACC-GPU")
    assert (gpu.shortfall_reason, gpu.shortfall_remedy) == (
        "Deliveries slipped",
        "A second supplier",
    )
    assert not _row(report, "NACC-PHD").has_shortfall
    created = AuditEntry.objects.get(
        object_type="reporting.kpivalue", object_id=str(gpu.pk), action="create"
    )
    assert created.after["shortfall_reason"] == "Deliveries slipped"

    services.report_update(
        user=_officer(world),
        report=report,
        shortfalls={"NACC-PHD": {"reason": " Fewer applicants ", "remedy": "More grants"}},
    )
    assert _row(report, "NACC-GPU").has_shortfall  # not mentioned: kept
    assert _row(report, "NACC-PHD").shortfall_reason == "Fewer applicants"  # stripped
    updated = AuditEntry.objects.get(
        object_type="reporting.kpivalue",
        object_id=str(_row(report, "NACC-PHD").pk),
        action="update",
    )
    assert updated.before == {"shortfall_reason": "", "shortfall_remedy": ""}

    services.report_update(
        user=_officer(world),
        report=report,
        shortfalls={"NACC-GPU": None, "NACC-PHD": {"reason": "", "remedy": ""}},
    )
    assert not _row(report, "NACC-GPU").has_shortfall
    assert not _row(report, "NACC-PHD").has_shortfall


def test_saving_the_same_shortfall_again_records_nothing(world):
    report = _draft(world, Q1, FULL_VALUES, shortfalls=GPU_SHORTFALL)
    version = ProgressReport.objects.get(pk=report.pk).version
    services.report_update(user=_officer(world), report=report, shortfalls=GPU_SHORTFALL)
    assert ProgressReport.objects.get(pk=report.pk).version == version


def test_a_correction_keeps_the_shortfalls(world, after_year_end):
    approved = _approved(world, Q4, GPU_SHORT, GPU_SHORTFALL)
    correction = services.report_start_correction(user=_officer(world), report=approved)
    gpu = _row(correction, "NACC-GPU")
    assert (gpu.shortfall_reason, gpu.shortfall_remedy) == (
        "Deliveries slipped",
        "A second supplier",
    )


def test_the_database_keeps_reason_and_remedy_together(world):
    from django.db import IntegrityError, transaction

    report = _draft(world, Q1, FULL_VALUES)
    with pytest.raises(IntegrityError), transaction.atomic():
        KPIValue.objects.filter(report=report).update(shortfall_reason="only a reason")


# Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shortfalls", "field", "words"),
    [
        ("late", "shortfalls", "must be an object"),
        ({"NACC-XYZ": {"reason": "a", "remedy": "b"}}, "shortfalls.NACC-XYZ", "not a KPI"),
        ({"NACC-GPU": "late"}, "shortfalls.NACC-GPU", "must be an object"),
        ({"NACC-GPU": {"remedy": "b"}}, "shortfalls.NACC-GPU.reason", "required"),
        ({"NACC-GPU": {"reason": "a", "remedy": "  "}}, "shortfalls.NACC-GPU.remedy", "both"),
        ({"NACC-GPU": {"reason": 5, "remedy": "b"}}, "shortfalls.NACC-GPU.reason", "text"),
        (
            {"NACC-GPU": {"reason": "a", "remedy": "b", "owner": "c"}},
            "shortfalls.NACC-GPU.owner",
            "unknown field",
        ),
        (
            {"NACC-GPU": {"reason": "x" * (SHORTFALL_MAX_CHARS + 1), "remedy": "b"}},
            "shortfalls.NACC-GPU.reason",
            f"at most {SHORTFALL_MAX_CHARS}",
        ),
    ],
)
def test_bad_shortfalls_are_refused_naming_the_key_path(world, shortfalls, field, words):
    with pytest.raises(ReportInputError) as info:
        _draft(world, Q1, FULL_VALUES, shortfalls=shortfalls)
    assert [e.field for e in info.value.errors] == [field]
    assert words in info.value.errors[0].message
    assert not ProgressReport.objects.exists()


def test_a_shortfall_needs_the_kpis_value(world):
    with pytest.raises(ReportInputError) as info:
        _draft(world, Q1, {"NACC-PHD": 1}, shortfalls=GPU_SHORTFALL)
    assert [e.field for e in info.value.errors] == ["shortfalls.NACC-GPU"]
    assert "give the value of NACC-GPU" in info.value.errors[0].message


# The year-end rule -------------------------------------------------------------------------------


def test_a_year_end_report_is_refused_naming_each_kpi_that_falls_short(world, after_year_end):
    report = _draft(world, Q4, FULL_VALUES, shortfalls=GPU_SHORTFALL)
    with pytest.raises(ReportInputError) as info:
        services.report_submit(user=_officer(world), report=report)
    assert [e.field for e in info.value.errors] == ["shortfalls.NACC-PHD", "shortfalls.NACC-DEG"]
    message = info.value.errors[0].message
    assert "NACC-PHD falls short at the year end" in message
    assert "30 against 5,000 expected by 2026-12-31" in message
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_a_year_end_report_with_its_shortfalls_or_on_track_is_submitted(world, after_year_end):
    report = _draft(world, Q4, FULL_VALUES, shortfalls=FULL_SHORTFALLS)
    assert services.report_submit(user=_officer(world), report=report).status == "submitted"
    other_world_report = services.report_create_draft(
        user=_officer(world), program=world.program, period_end=Q3, values=ON_TRACK
    )
    assert other_world_report.status == ReportStatus.DRAFT


def test_on_track_year_end_report_needs_no_shortfall(world, after_year_end):
    report = _draft(world, Q4, ON_TRACK)
    assert services.report_submit(user=_officer(world), report=report).status == "submitted"


def test_other_periods_ask_for_shortfalls_but_do_not_require_them(world):
    report = _draft(world, Q1, {"NACC-GPU": 0, "NACC-PHD": 0, "NACC-DEG": 0})
    standings = report_standings(
        world.program, Q1, {v.kpi_id: v.value for v in report.values.all()}
    )
    assert all(s.falls_short for s in standings.values())
    assert services.report_submit(user=_officer(world), report=report).status == "submitted"


def test_earlier_approved_amounts_count_at_the_year_end(world, after_year_end):
    _approved(world, Q3, {"NACC-GPU": 3000, "NACC-PHD": 4000, "NACC-DEG": 15000})
    # Q4 alone is small, but with the approved Q1-Q3 amounts PHD and DEG are on track.
    report = _draft(world, Q4, {"NACC-GPU": 3500, "NACC-PHD": 1000, "NACC-DEG": 5000})
    assert services.report_submit(user=_officer(world), report=report).status == "submitted"


# import_progress ---------------------------------------------------------------------------------


def _import(tmp_path, rows, *extra):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    out = StringIO()
    call_command("import_progress", str(path), "--as", "officer-a", *extra, stdout=out)
    return path, out.getvalue()


def test_import_progress_stores_the_shortfalls(world, tmp_path, after_year_end):
    row = {
        "program": "NACC",
        "period_end": "2026-12-31",
        "executed_won": 1000,
        "values": GPU_SHORT,
        "shortfalls": GPU_SHORTFALL,
    }
    _import(tmp_path, [row], "--approve-as", "reviewer-a")
    report = ProgressReport.objects.get(is_current=True)
    assert _row(report, "NACC-GPU").shortfall_remedy == "A second supplier"


def test_import_progress_refuses_bad_and_missing_shortfalls_all_rows_or_none(
    world, tmp_path, after_year_end
):
    good = {
        "program": "NACC",
        "period_end": "2026-09-30",
        "executed_won": 1000,
        "values": FULL_VALUES,
        "shortfalls": GPU_SHORTFALL,
    }
    bad = {
        **good,
        "period_end": "2026-06-30",
        "shortfalls": {"NACC-GPU": {"reason": "late", "remedy": ""}},
    }
    year_end = {**good, "period_end": "2026-12-31", "values": GPU_SHORT, "shortfalls": {}}
    path = tmp_path / "progress.json"
    with pytest.raises(CommandError) as info:
        _import(tmp_path, [good, bad, year_end])
    text = str(info.value)
    assert f"{path}: row 2: shortfalls.NACC-GPU.remedy: a shortfall needs both" in text
    assert f"{path}: row 3: shortfalls.NACC-GPU: NACC-GPU falls short at the year end" in text
    assert "row 1" not in text
    assert not ProgressReport.objects.exists()


# The report form ---------------------------------------------------------------------------------


def _form_data(world, values, shortfalls=None, **extra):
    data = {"executed_won": "1000", **extra}
    for kpi in world.program.kpis.all():
        data[f"kpi_{kpi.pk}"] = str(values.get(kpi.code, ""))
        given = (shortfalls or {}).get(kpi.code, {})
        data[f"reason_{kpi.pk}"] = given.get("reason", "")
        data[f"remedy_{kpi.pk}"] = given.get("remedy", "")
    return data


def test_form_refuses_a_year_end_submission_on_the_shortfall_fields(client, world, after_year_end):
    client.force_login(_officer(world))
    data = _form_data(world, GPU_SHORT, program="NACC", period_end="2026-12-31", action="submit")
    response = client.post("/reports/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "NACC-GPU falls short at the year end" in body
    assert "required to submit a year-end report" in body
    assert not ProgressReport.objects.exists()

    data = _form_data(
        world,
        GPU_SHORT,
        GPU_SHORTFALL,
        program="NACC",
        period_end="2026-12-31",
        action="submit",
    )
    response = client.post("/reports/new/", data)
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED
    assert _row(report, "NACC-GPU").shortfall_reason == "Deliveries slipped"


def test_form_asks_for_the_shortfall_of_a_kpi_below_expected(client, world):
    report = _draft(world, Q1, {"NACC-GPU": 1, "NACC-PHD": 10000, "NACC-DEG": 10000})
    client.force_login(_officer(world))
    body = client.get(f"/reports/{report.pk}/").content.decode()
    assert body.count("data-shortfall open>") == 1  # GPU only
    assert body.count("Below the expected value") == 1
    kpis = {k.code: k for k in world.program.kpis.all()}
    # static/js/shortfall.js opens the fields as a short value is typed, from these attributes.
    gpu = kpis["NACC-GPU"].pk
    assert f'data-shortfall-for="shortfall-{gpu}"' in body and f'id="shortfall-{gpu}"' in body
    assert 'data-direction="increase"' in body and "js/shortfall.js" in body

    data = _form_data(
        world,
        {"NACC-GPU": 1, "NACC-PHD": 10000, "NACC-DEG": 10000},
        {"NACC-GPU": {"reason": "Late", "remedy": ""}},
        action="save",
        version=str(report.version),
    )
    body = client.post(f"/reports/{report.pk}/", data).content.decode()
    assert "a shortfall needs both a reason and a remedy" in body
    data[f"remedy_{kpis['NACC-GPU'].pk}"] = "Buy more"
    assert client.post(f"/reports/{report.pk}/", data).status_code == 302
    assert _row(report, "NACC-GPU").shortfall_remedy == "Buy more"


def test_report_page_and_review_queue_show_the_shortfall(client, world, after_year_end):
    report = _draft(world, Q4, GPU_SHORT, shortfalls=GPU_SHORTFALL)
    services.report_submit(user=_officer(world), report=report)
    client.force_login(world.users["reviewer"])
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Deliveries slipped" in page and "A second supplier" in page
    queue = client.get("/review/").content.decode()
    assert "falls short" in queue and "Deliveries slipped" in queue and "A second supplier" in queue


# The spreadsheet --------------------------------------------------------------------------------


def _csv(*rows: str) -> bytes:
    header = "program,period_end,kpi,value,shortfall_reason,shortfall_remedy,executed_won,narrative"
    return "\r\n".join([header, *rows]).encode()


def test_upload_refuses_a_year_end_shortfall_without_reason_naming_the_cell(world, after_year_end):
    csv = _csv(
        "NACC,2026-12-31,,,,,1000,ok",
        "NACC,2026-12-31,NACC-GPU,1200,,,,",
        "NACC,2026-12-31,NACC-PHD,5000,,,,",
        "NACC,2026-12-31,NACC-DEG,20000,,,,",
    )
    preview = ss.parse_upload(user=_officer(world), file=csv, file_name="q4.csv")
    assert [(e.row, e.column, e.field) for e in preview.errors] == [(3, "E", "shortfall_reason")]
    assert "NACC-GPU falls short at the year end" in str(preview.errors[0])
    assert str(preview.errors[0]).startswith("q4.csv, row 3, column E (shortfall_reason): ")


def test_upload_saves_the_shortfalls(world, after_year_end):
    csv = _csv(
        "NACC,2026-12-31,,,,,1000,ok",
        "NACC,2026-12-31,NACC-GPU,1200,Deliveries slipped,A second supplier,,",
        "NACC,2026-12-31,NACC-PHD,5000,,,,",
        "NACC,2026-12-31,NACC-DEG,20000,,,,",
    )
    preview = ss.parse_upload(user=_officer(world), file=csv, file_name="q4.csv")
    assert preview.errors == []
    (report,) = ss.upload_confirm(user=_officer(world), preview=preview)
    assert report.status == ReportStatus.SUBMITTED
    assert _row(report, "NACC-GPU").shortfall_reason == "Deliveries slipped"


def test_upload_places_a_half_given_shortfall_on_its_cell(world):
    csv = _csv(
        "NACC,2026-09-30,,,,,1000,ok",
        "NACC,2026-09-30,NACC-GPU,1200,,A second supplier,,",
        "NACC,2026-09-30,NACC-PHD,5000,,,,",
        "NACC,2026-09-30,NACC-DEG,20000,,,,",
    )
    preview = ss.parse_upload(user=_officer(world), file=csv, file_name="q3.csv")
    assert [(e.row, e.column) for e in preview.errors] == [(3, "E")]
    assert "both a reason and a remedy" in preview.errors[0].message


def test_template_has_the_shortfall_columns_prefilled_from_a_draft(world):
    from io import BytesIO

    from openpyxl import load_workbook

    _draft(world, Q2, FULL_VALUES, shortfalls=GPU_SHORTFALL)
    data = ss.build_template(user=_officer(world), ministry=world.ministry, period_end=Q2)
    ws = load_workbook(BytesIO(data))["Report"]
    reason_col = ss.COLUMN_INDEX["shortfall_reason"]
    assert ws.cell(row=ss.KEY_ROW, column=reason_col).value == "shortfall_reason"
    assert ws.cell(row=3, column=reason_col).value == "If below expected: why (enter)"
    rows = {
        ws.cell(row=r, column=ss.COLUMN_INDEX["kpi"]).value: r
        for r in range(ss.FIRST_DATA_ROW, ws.max_row + 1)
    }
    gpu = rows["NACC-GPU"]
    assert ws.cell(row=gpu, column=reason_col).value == "Deliveries slipped"
    assert ws.cell(row=gpu, column=reason_col + 1).value == "A second supplier"
    assert not ws.cell(row=gpu, column=reason_col).protection.locked
    target = str(ws.cell(row=gpu, column=ss.COLUMN_INDEX["target"]).value)
    assert "expected at this period end" in target


# The selector the performance report reads ------------------------------------------------------


def test_shortfalls_for_year_come_from_the_latest_approved_report_that_gives_them(
    world, after_year_end, django_assert_num_queries
):
    kpis = {k.code: k for k in world.program.kpis.all()}
    gpu, phd, deg = kpis["NACC-GPU"], kpis["NACC-PHD"], kpis["NACC-DEG"]
    _approved(world, Q1, FULL_VALUES, {"NACC-GPU": {"reason": "Q1 why", "remedy": "Q1 fix"}})
    _approved(
        world,
        Q2,
        FULL_VALUES,
        {
            "NACC-GPU": {"reason": "Q2 why", "remedy": "Q2 fix"},
            "NACC-PHD": {"reason": "PHD why", "remedy": "PHD fix"},
        },
    )
    q3 = _approved(world, Q3, FULL_VALUES, {"NACC-GPU": {"reason": "Q3 why", "remedy": "Q3 fix"}})
    # A later report not approved yet does not count.
    _draft(world, Q4, FULL_VALUES, shortfalls={"NACC-GPU": {"reason": "Q4", "remedy": "Q4"}})
    # A correction of Q3, approved, replaces Q3's shortfall.
    correction = services.report_start_correction(user=_officer(world), report=q3)
    services.report_update(
        user=world.users["officer2"],
        report=correction,
        shortfalls={"NACC-GPU": {"reason": "Q3 corrected", "remedy": "Q3 new fix"}},
    )
    correction = services.report_submit(user=world.users["officer2"], report=correction)
    services.report_approve(user=world.users["reviewer"], report=correction)

    with django_assert_num_queries(1):
        found = shortfalls_for_year(year=2026, kpi_ids=[gpu.pk, phd.pk, deg.pk])
    assert found == {
        gpu.pk: ("Q3 corrected", "Q3 new fix"),
        phd.pk: ("PHD why", "PHD fix"),  # the latest report that gives one
    }
    assert shortfalls_for_year(year=2025, kpi_ids=[gpu.pk]) == {}
    assert shortfalls_for_year(year=2026, kpi_ids=[]) == {}


def test_review_queue_queries_stay_fixed_with_shortfalls(client, world, after_year_end):
    for day in (Q1, Q2):
        report = _draft(world, day, FULL_VALUES, shortfalls=GPU_SHORTFALL)
        services.report_submit(user=_officer(world), report=report)
    client.force_login(world.users["reviewer"])
    with CaptureQueriesContext(connection) as two:
        client.get("/review/")
    report = _draft(world, Q3, FULL_VALUES, shortfalls=GPU_SHORTFALL)
    services.report_submit(user=_officer(world), report=report)
    with CaptureQueriesContext(connection) as three:
        client.get("/review/")
    assert len(three.captured_queries) == len(two.captured_queries)
