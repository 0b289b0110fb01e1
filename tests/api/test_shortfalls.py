"""Shortfalls through the REST API: sent with a report (create, merged on PATCH), returned with
it, refused with the key path when malformed, required to submit a year-end report, and
documented in the OpenAPI schema."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from reporting.models import ProgressReport, ReportStatus
from tests.factories import UserFactory
from tests.reporting.test_api import REPORTS, _build_world, _client, _create, _errors

pytestmark = pytest.mark.django_db

SHORT = {"NACC-GPU": {"reason": "Deliveries slipped", "remedy": "A second supplier"}}
BOTH = {**SHORT, "NACC-PHD": {"reason": "Fewer applicants", "remedy": "More grants"}}


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 5))
    return _build_world()


def _submit(client, report):
    return client.post(
        f"{REPORTS}{report['id']}/submit/", {"version": report["version"]}, format="json"
    )


def test_shortfalls_are_created_returned_and_merged(world):
    officer = _client(world.officer)
    created = _create(officer, shortfalls=SHORT)
    assert created.status_code == 201, created.json()
    assert created.json()["shortfalls"] == SHORT

    patched = officer.patch(
        f"{REPORTS}{created.json()['id']}/",
        {"shortfalls": {"NACC-PHD": BOTH["NACC-PHD"]}, "version": created.json()["version"]},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["shortfalls"] == BOTH

    cleared = officer.patch(
        f"{REPORTS}{created.json()['id']}/",
        {"shortfalls": {"NACC-GPU": None}, "version": patched.json()["version"]},
        format="json",
    )
    assert cleared.json()["shortfalls"] == {"NACC-PHD": BOTH["NACC-PHD"]}


@pytest.mark.parametrize(
    ("shortfalls", "field"),
    [
        (["NACC-GPU"], "shortfalls"),
        ({"NACC-XYZ": SHORT["NACC-GPU"]}, "shortfalls.NACC-XYZ"),
        ({"NACC-GPU": {"reason": "Late"}}, "shortfalls.NACC-GPU.remedy"),
        ({"NACC-GPU": {"reason": "Late", "remedy": "x" * 2001}}, "shortfalls.NACC-GPU.remedy"),
    ],
)
def test_malformed_shortfalls_are_a_400_naming_the_key_path(world, shortfalls, field):
    response = _create(_client(world.officer), shortfalls=shortfalls)
    assert response.status_code == 400
    assert field in _errors(response)
    assert not ProgressReport.objects.exists()


def test_a_year_end_report_cannot_be_submitted_without_its_shortfalls(world):
    officer = _client(world.officer)
    report = _create(officer, period_end="2026-12-31", shortfalls=SHORT).json()
    refused = _submit(officer, report)
    assert refused.status_code == 400
    errors = _errors(refused)
    assert list(errors) == ["shortfalls.NACC-PHD"]
    assert "NACC-PHD falls short at the year end" in errors["shortfalls.NACC-PHD"]

    patched = officer.patch(
        f"{REPORTS}{report['id']}/",
        {"shortfalls": {"NACC-PHD": BOTH["NACC-PHD"]}, "version": report["version"]},
        format="json",
    ).json()
    submitted = _submit(officer, patched)
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == ReportStatus.SUBMITTED


def test_a_quarter_report_falling_short_may_be_submitted_without_them(world):
    officer = _client(world.officer)
    report = _create(officer, period_end="2026-09-30").json()
    assert _submit(officer, report).status_code == 200


def test_the_schema_documents_the_shortfalls():
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.DIRECTOR))
    document = json.loads(client.get("/api/schema/?format=json").content)
    schemas = document["components"]["schemas"]
    for name in ("ReportCreate", "PatchedReportUpdate", "Report"):
        field = schemas[name]["properties"]["shortfalls"]
        assert field["type"] == "object"
        entry = field["additionalProperties"]
        assert entry["required"] == ["reason", "remedy"]
        assert set(entry["properties"]) == {"reason", "remedy"}
    create = schemas["ReportCreate"]["properties"]["shortfalls"]
    assert "year-end report" in create["description"]
