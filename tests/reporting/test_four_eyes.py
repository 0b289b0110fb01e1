"""The four-eyes rule: nobody approves or returns a report whose values they created, edited or
submitted, whatever the path of the edit (API PATCH, the report form, evidence, import_progress).
And an empty change changes nothing (no version bump, no "updated" transition)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from reporting import services
from reporting.models import ProgressReport, ReportAction, ReportStatus
from reporting.selectors import review_queue_for_user
from tests.reporting.conftest import FULL_VALUES

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _draft(world, **values):
    return services.report_create_draft(
        user=world.users["officer"],
        program=world.program,
        period_end="2026-03-31",
        values=values or {"NACC-GPU": 1000, "NACC-PHD": 30, "NACC-DEG": 500},
        executed_won=100,
    )


def test_admin_who_patched_an_officers_draft_cannot_approve_it(world):
    admin, officer = world.users["admin"], world.users["officer"]
    report = _draft(world)
    url = f"{REPORTS}{report.pk}/"
    patched = _api(admin).patch(
        url, {"values": {"NACC-GPU": 9999}}, format="json", HTTP_IF_MATCH=f'"{report.version}"'
    )
    assert patched.status_code == 200, patched.json()
    submitted = _api(officer).post(
        f"{url}submit/", {"version": patched.json()["version"]}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    assert report.pk not in [r.pk for r in review_queue_for_user(admin)]

    response = _api(admin).post(
        f"{url}approve/", {"version": submitted.json()["version"]}, format="json"
    )
    assert response.status_code == 403, response.json()
    assert "edited" in response.json()["errors"][0]["message"]
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    # nor may they return it; another reviewer may approve it
    returned = _api(admin).post(
        f"{url}return/",
        {"version": submitted.json()["version"], "comment": "no"},
        format="json",
    )
    assert returned.status_code == 403
    ok = _api(world.users["reviewer"]).post(
        f"{url}approve/", {"version": submitted.json()["version"]}, format="json"
    )
    assert ok.status_code == 200, ok.json()


def test_an_edit_through_the_form_counts(world, client):
    admin = world.users["admin"]
    report = _draft(world)
    client.force_login(admin)
    response = client.post(
        f"/reports/{report.pk}/",
        {
            "version": report.version,
            "executed_won": "100",
            "narrative": "changed by the administrator",
            **{f"kpi_{k.pk}": "7" for k in world.program.kpis.all()},
            "action": "save",
        },
    )
    assert response.status_code in (200, 302)
    report.refresh_from_db()
    assert report.narrative == "changed by the administrator"
    services.report_submit(user=world.users["officer"], report=report)
    with pytest.raises(services.PermissionDenied, match="edited"):
        services.report_approve(user=admin, report=report)


def test_evidence_counts_as_an_edit(world):
    admin = world.users["admin"]
    report = _draft(world)
    services.evidence_attach(
        user=admin,
        report=report,
        uploaded_file=SimpleUploadedFile("note.txt", b"plain evidence", "text/plain"),
    )
    services.report_submit(user=world.users["officer"], report=report)
    with pytest.raises(services.PermissionDenied):
        services.report_approve(user=admin, report=report)


def test_import_progress_edit_counts(world, tmp_path):
    admin = world.users["admin"]
    report = _draft(world)
    path = tmp_path / "rows.json"
    row = {
        "program": "NACC",
        "period_end": "2026-03-31",
        "executed_won": 5,
        "values": FULL_VALUES,
        "narrative": "imported",
    }
    path.write_text(json.dumps([row]), encoding="utf-8")
    call_command("import_progress", str(path), "--as", "admin")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    with pytest.raises(services.PermissionDenied):
        services.report_approve(user=admin, report=report)


def test_empty_patch_changes_nothing(world):
    officer = world.users["officer"]
    report = _draft(world)
    before = report.version
    url = f"{REPORTS}{report.pk}/"
    response = _api(officer).patch(url, {}, format="json", HTTP_IF_MATCH=f'"{before}"')
    assert response.status_code == 200, response.json()
    assert response["ETag"] == f'"{before}"'
    same = _api(officer).patch(
        url,
        {"values": {"NACC-GPU": 1000}, "executed_won": 100},
        format="json",
        HTTP_IF_MATCH=f'"{before}"',
    )
    assert same.status_code == 200
    report.refresh_from_db()
    assert report.version == before
    assert not report.transitions.filter(action=ReportAction.UPDATED).exists()
