"""The permission matrix: every role against every reporting service and page, including another
ministry's report requested by id (404 or 403, never its data)."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting import services
from reporting.selectors import reports_for_user, review_queue_for_user
from tests.reporting.conftest import FULL_VALUES

Q1 = date(2026, 3, 31)
ROLES = [
    "officer",
    "officer_other",
    "reviewer",
    "reviewer_other",
    "reviewer_all",
    "director",
    "auditor",
    "admin",
    "anonymous",
]
EDITORS = {"officer", "admin"}
REVIEWERS = {"reviewer", "reviewer_all", "admin"}
SECRET = "narrative-secret-of-ministry-a"


def _user(world, role):
    return AnonymousUser() if role == "anonymous" else world.users[role]


def _draft(world, period_end=Q1):
    return services.report_create_draft(
        user=world.users["officer"],
        program=world.program,
        period_end=period_end,
        values=FULL_VALUES,
        executed_won=1000,
        narrative=SECRET,
    )


def _submitted(world, period_end=Q1):
    report = _draft(world, period_end)
    return services.report_submit(user=world.users["officer"], report=report)


def _approved(world):
    return services.report_approve(user=world.users["reviewer"], report=_submitted(world))


def _allowed(fn) -> bool:
    try:
        fn()
    except PermissionDenied:
        return False
    return True


# Services ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_create_draft(world, role):
    ok = _allowed(
        lambda: services.report_create_draft(
            user=_user(world, role), program=world.program, period_end=Q1, values=FULL_VALUES
        )
    )
    assert ok == (role in EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_update(world, role):
    report = _draft(world)
    ok = _allowed(
        lambda: services.report_update(user=_user(world, role), report=report, narrative="x")
    )
    assert ok == (role in EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_submit(world, role):
    report = _draft(world)
    ok = _allowed(lambda: services.report_submit(user=_user(world, role), report=report))
    assert ok == (role in EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_approve(world, role):
    report = _submitted(world)
    ok = _allowed(lambda: services.report_approve(user=_user(world, role), report=report))
    assert ok == (role in REVIEWERS)
    report.refresh_from_db()
    assert (report.status == "approved") == ok


@pytest.mark.parametrize("role", ROLES)
def test_return(world, role):
    report = _submitted(world)
    ok = _allowed(
        lambda: services.report_return(user=_user(world, role), report=report, comment="fix")
    )
    assert ok == (role in REVIEWERS)


@pytest.mark.parametrize("role", ROLES)
def test_bulk_approve(world, role):
    report = _submitted(world)
    outcomes = services.reports_approve_bulk(user=_user(world, role), reports=[report])
    assert outcomes[0].ok == (role in REVIEWERS)
    if not outcomes[0].ok:
        report.refresh_from_db()
        assert report.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_start_correction(world, role):
    report = _approved(world)
    ok = _allowed(lambda: services.report_start_correction(user=_user(world, role), report=report))
    assert ok == (role in EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_evidence_attach(world, role):
    report = _draft(world)
    upload = SimpleUploadedFile("note.txt", b"evidence text\n")
    ok = _allowed(
        lambda: services.evidence_attach(
            user=_user(world, role), report=report, uploaded_file=upload
        )
    )
    assert ok == (role in EDITORS)


# Selectors --------------------------------------------------------------------------------------

SEES_A = {"officer", "reviewer", "reviewer_all", "director", "auditor", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_reports_for_user(world, role):
    report = _draft(world)
    assert (report in reports_for_user(_user(world, role))) == (role in SEES_A)


@pytest.mark.parametrize("role", ROLES)
def test_review_queue(world, role):
    report = _submitted(world)
    assert (report in review_queue_for_user(_user(world, role))) == (role in REVIEWERS)


def test_review_queue_leaves_out_own_reports(world):
    admin = world.users["admin"]
    report = services.report_create_draft(
        user=admin, program=world.program, period_end=Q1, values=FULL_VALUES, executed_won=1
    )
    services.report_submit(user=admin, report=report)
    assert report not in review_queue_for_user(admin)
    assert report in review_queue_for_user(world.users["reviewer"])


# Pages ------------------------------------------------------------------------------------------


def _client(client, world, role):
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


PAGE_EXPECTED = {
    # role: (/reports/, /reports/programmes/, new, own-ministry report, /review/)
    "officer": (200, 200, 200, 200, 403),
    "officer_other": (200, 200, 404, 404, 403),
    "reviewer": (200, 200, 403, 200, 200),
    "reviewer_other": (200, 200, 404, 404, 200),
    "reviewer_all": (200, 200, 403, 200, 200),
    "director": (200, 200, 403, 200, 403),
    "auditor": (200, 200, 403, 200, 403),
    "admin": (200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_pages(client, world, role):
    report = _draft(world, period_end=date(2026, 6, 30))
    c = _client(client, world, role)
    urls = [
        "/reports/",
        "/reports/programmes/",
        "/reports/new/?program=NACC&period_end=2026-03-31",
        f"/reports/{report.pk}/",
        "/review/",
    ]
    codes = tuple(c.get(url).status_code for url in urls)
    if role == "anonymous":
        assert codes == (302,) * 5
        assert c.get("/reports/")["Location"].startswith("/accounts/login/")
    else:
        assert codes == PAGE_EXPECTED[role]
    for url in urls:
        response = c.get(url)
        if response.status_code != 200:
            assert SECRET not in response.content.decode()


OUT_OF_SCOPE = {"officer_other", "reviewer_other", "anonymous"}


@pytest.mark.parametrize("role", ROLES)
def test_another_ministrys_report_by_id_shows_nothing(client, world, role):
    report = _draft(world)
    evidence = services.evidence_attach(
        user=world.users["officer"],
        report=report,
        uploaded_file=SimpleUploadedFile("n.txt", SECRET.encode()),
    )
    c = _client(client, world, role)
    responses = [
        c.get(f"/reports/{report.pk}/"),
        c.get(f"/reports/{report.pk}/evidence/{evidence.pk}/"),
        c.post(f"/reports/{report.pk}/", {"action": "save", "narrative": "hijack"}),
        c.post(f"/reports/{report.pk}/", {"action": "approve"}),
        c.post(
            f"/reports/{report.pk}/evidence/",
            {"file": SimpleUploadedFile("x.txt", b"x")},
        ),
    ]
    if role in OUT_OF_SCOPE:
        for response in responses:
            assert response.status_code in (302, 403, 404)
            if role != "anonymous":
                assert response.status_code in (403, 404)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert SECRET.encode() not in body
    report.refresh_from_db()
    if role not in EDITORS:
        assert report.narrative == SECRET
        assert report.evidence.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_page_actions(client, world, role):
    """Save, submit, approve and return through the pages follow the same matrix."""
    draft = _draft(world)
    submitted = _submitted(world, period_end=date(2026, 6, 30))
    c = _client(client, world, role)
    save = c.post(
        f"/reports/{draft.pk}/",
        {"action": "save", "version": draft.version, "narrative": "changed", "executed_won": "5"},
    )
    approve = c.post(f"/reports/{submitted.pk}/", {"action": "approve"})
    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert (draft.narrative == "changed") == (role in EDITORS)
    assert (submitted.status == "approved") == (role in REVIEWERS)
    if role == "anonymous":
        assert save.status_code == approve.status_code == 302
    else:
        assert save.status_code == (
            302 if role in EDITORS else (404 if role in OUT_OF_SCOPE else 403)
        )
        assert approve.status_code == (
            302 if role in REVIEWERS else (404 if role in OUT_OF_SCOPE else 403)
        )


@pytest.mark.parametrize("role", ROLES)
def test_review_queue_post(client, world, role):
    submitted = _submitted(world)
    c = _client(client, world, role)
    response = c.post("/review/", {"report": [submitted.pk], "action": "approve"})
    submitted.refresh_from_db()
    assert (submitted.status == "approved") == (role in REVIEWERS)
    if role == "anonymous":
        assert response.status_code == 302
    elif role not in REVIEWERS and role not in {"reviewer_other"}:
        assert response.status_code == 403
