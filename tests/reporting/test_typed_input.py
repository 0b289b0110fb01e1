"""Numbers, money and dates as people type them, read by one module (budget/parsing.py) for the
form, the upload, the API and import_progress; and reports for periods that have not ended."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_token_create
from reporting import services
from reporting import spreadsheet as ss
from reporting.models import ProgressReport, ReportStatus
from reporting.validation import ReportInputError, parse_period_end, parse_value
from tests.reporting.conftest import FULL_SHORTFALLS, FULL_VALUES

pytestmark = pytest.mark.django_db

Q1 = date(2026, 3, 31)
Q4 = date(2026, 12, 31)


@pytest.fixture
def in_december(monkeypatch):
    """Today is 2026-12-06 in Seoul: the fourth quarter of 2026 has not ended."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 6))


@pytest.mark.parametrize(
    ("raw", "money", "unit", "expected"),
    [
        ("1,200억 원", True, "", 120_000_000_000),
        ("5억", True, "", 500_000_000),
        ("45,000,000,000원", True, "", 45_000_000_000),
        ("1조 2,000억", True, "", 1_200_000_000_000),
        ("1.5억", True, "", 150_000_000),
        ("120 billion won", True, "", 120_000_000_000),
        ("3,200명", False, "persons", 3200),
        ("3만명", False, "persons", 30000),
        ("1,200 GPUs", False, "GPUs", 1200),
        ("80%", False, "% capacity increase", 80),
        ("1.2e3", False, "", 1200),
    ],
)
def test_numbers_as_people_type_them(raw, money, unit, expected):
    field = "executed_won" if money else "values.X"
    assert parse_value(raw, field=field, unit=unit) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "unit", "says"),
    [
        ("1e999999999", "", "too large or too small"),
        ("1e-999999999", "", "too large or too small"),
        ("80%", "GPUs", "percentage"),
        ("12k", "", "not a number"),
        ("5 GPUs", "persons", "not a number"),
    ],
)
def test_numbers_refused_with_a_reason(raw, unit, says):
    with pytest.raises(ReportInputError) as info:
        parse_value(raw, field="values.X", unit=unit)
    assert says in str(info.value)


def test_huge_and_tiny_money_is_refused():
    for raw in ("1e999999999", "1e-999999999", "0.5원", "5 dollars"):
        with pytest.raises(ReportInputError):
            parse_value(raw, field="executed_won")


@pytest.mark.parametrize("raw", ["2026.09.30", "2026. 9. 30.", "2026/09/30", "2026-09-30"])
def test_dates_as_people_type_them(raw):
    assert parse_period_end(raw) == date(2026, 9, 30)


@pytest.mark.parametrize("raw", [20261231, "20261231", 2026.1231, "2026-02-30", "30/09/2026"])
def test_a_number_is_not_a_date(raw):
    with pytest.raises(ReportInputError) as info:
        parse_period_end(raw)
    assert "2026-12-31" in str(info.value) or "calendar" in str(info.value)


# The ways in -------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")
    return client


@pytest.mark.parametrize("raw", ["1e999999999", "1e-999999999"])
def test_api_refuses_absurd_exponents_with_a_400(world, raw):
    response = _api(world.users["officer"]).post(
        "/api/v1/reports/",
        {"program": "NACC", "period_end": "2026-03-31", "values": {"NACC-GPU": raw}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert not ProgressReport.objects.exists()


def test_api_refuses_a_period_end_given_as_a_number(world):
    response = _api(world.users["officer"]).post(
        "/api/v1/reports/",
        {"program": "NACC", "period_end": 20261231, "values": {}},
        format="json",
    )
    assert response.status_code == 400
    assert "is a number, not a date" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_api_reads_korean_money(world):
    response = _api(world.users["officer"]).post(
        "/api/v1/reports/",
        {"program": "NACC", "period_end": "2026.03.31", "executed_won": "50만 원"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert ProgressReport.objects.get().executed_won == 500_000


@pytest.mark.parametrize("raw", ["1e999999999", "1e-999999999"])
def test_form_shows_an_error_for_absurd_exponents(client, world, raw):
    client.force_login(world.users["officer"])
    kpi = world.program.kpis.get(code="NACC-GPU")
    response = client.post(
        "/reports/new/",
        {"program": "NACC", "period_end": "2026-03-31", f"kpi_{kpi.pk}": raw, "action": "save"},
    )
    assert response.status_code == 200
    assert "too large or too small" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_form_reads_korean_money_and_shows_it(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        "/reports/new/",
        {
            "program": "NACC",
            "period_end": "2026-03-31",
            "executed_won": "50만 원",
            "action": "save",
        },
        follow=True,
    )
    assert response.status_code == 200
    report = ProgressReport.objects.get()
    assert report.executed_won == 500_000
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    assert "Read as: 500,000 won" in text


@pytest.mark.parametrize("raw", ["1e999999999", "1e-999999999"])
def test_csv_upload_with_absurd_exponents_is_a_row_error_and_the_preview_shows(client, world, raw):
    csv = (
        "program,period_end,kpi,value,executed_won,narrative\n"
        "NACC,2026-03-31,,,1000,ok\n"
        f"NACC,2026-03-31,NACC-GPU,{raw},,\n"
    ).encode()
    preview = ss.parse_upload(user=world.users["officer"], file=csv, file_name="x.csv")
    assert any("too large or too small" in str(e) for e in preview.errors)
    client.force_login(world.users["officer"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/reports/upload/", {"file": SimpleUploadedFile("x.csv", csv)})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "too large or too small" in page.content.decode()


# Periods that have not ended ---------------------------------------------------------------------


def _draft(world, day=Q4):
    return services.report_create_draft(
        user=world.users["officer"],
        program=world.program,
        period_end=day,
        values=FULL_VALUES,
        executed_won=1000,
        shortfalls=FULL_SHORTFALLS,
    )


def test_a_report_for_a_period_not_ended_may_be_a_draft_but_not_submitted(world, in_december):
    draft = _draft(world)
    assert draft.status == ReportStatus.DRAFT
    with pytest.raises(ReportInputError) as info:
        services.report_submit(user=world.users["officer"], report=draft)
    assert "NACC" in str(info.value) and "2026-12-31" in str(info.value)
    assert "has not ended" in str(info.value)
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT


def test_a_submitted_report_for_a_period_not_ended_cannot_be_approved(world, monkeypatch):
    report = _draft(world)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 2))
    report = services.report_submit(user=world.users["officer"], report=report)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 6))
    with pytest.raises(ReportInputError) as info:
        services.report_approve(user=world.users["reviewer"], report=report)
    assert "cannot be approved" in str(info.value)


def test_form_refuses_to_submit_a_period_not_ended(client, world, in_december):
    client.force_login(world.users["officer"])
    data = {f"kpi_{k.pk}": "1" for k in world.program.kpis.all()}
    data.update(
        {"program": "NACC", "period_end": "2026-12-31", "executed_won": "1000", "action": "submit"}
    )
    response = client.post("/reports/new/", data)
    assert response.status_code == 200
    assert "has not ended" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_api_refuses_to_submit_a_period_not_ended(world, in_december):
    draft = _draft(world)
    response = _api(world.users["officer"]).post(
        f"/api/v1/reports/{draft.pk}/submit/", {"version": draft.version}, format="json"
    )
    assert response.status_code in (400, 409, 422), response.content
    assert "has not ended" in response.content.decode()


def test_import_progress_refuses_a_period_not_ended_by_name(world, tmp_path, in_december):
    path = tmp_path / "p.json"
    row = {
        "program": "NACC",
        "period_end": "2026-12-31",
        "executed_won": 1000,
        "values": FULL_VALUES,
    }
    path.write_text(json.dumps([row]), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_progress", str(path), "--as", "officer-a", stdout=StringIO())
    assert "NACC" in str(info.value) and "2026-12-31" in str(info.value)
    assert "has not ended" in str(info.value)
    assert not ProgressReport.objects.exists()


def test_upload_refuses_a_period_not_ended(world, in_december):
    csv = (
        b"program,period_end,kpi,value,executed_won,narrative\n"
        b"NACC,2026-12-31,,,1000,ok\n"
        b"NACC,2026-12-31,NACC-GPU,1,,\n"
        b"NACC,2026-12-31,NACC-PHD,1,,\n"
        b"NACC,2026-12-31,NACC-DEG,1,,\n"
    )
    preview = ss.parse_upload(user=world.users["officer"], file=csv, file_name="x.csv")
    assert [e.field for e in preview.errors] == ["period_end"]
    assert "has not ended" in str(preview.errors[0])


def test_template_offers_only_periods_that_have_ended(world, in_december):
    ends = ss.template_period_ends(user=world.users["officer"], ministry=world.ministry)
    assert Q1 in ends
    assert all(day <= date(2026, 12, 6) for day in ends)


def test_import_progress_refuses_a_period_end_given_as_a_number(world, tmp_path):
    path = tmp_path / "p.json"
    row = {"program": "NACC", "period_end": 20260331, "executed_won": 1000, "values": FULL_VALUES}
    path.write_text(json.dumps([row]), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_progress", str(path), "--as", "officer-a", stdout=StringIO())
    assert "period_end" in str(info.value) and "is a number, not a date" in str(info.value)
    assert not ProgressReport.objects.exists()
