"""A programme's page shows another ministry's officers its approved figures only: unapproved
reports (their executed amounts), reviewers' comments and usernames stay within the ministry and
with the roles that read everything."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accounts.roles import Role
from programs.models import Program
from reporting.models import ProgressReport, ReportStatus
from tests.boards.data import AS_OF
from tests.factories import user_with_role

Q = f"as_of={AS_OF.isoformat()}"
SECRET_AMOUNT = 777_777_777_777
RETURNED_AMOUNT = 888_888_888_888


@pytest.fixture
def scoped(small):
    program = Program.objects.select_related("ministry").get(code="PG00001")
    other = small.moe if program.ministry_id == small.msit.pk else small.msit
    submitter = user_with_role(Role.OFFICER, username="hidden-submitter", ministry=program.ministry)
    # the approved Q2 report gets a reviewer's name and a comment that stay in scope
    ProgressReport.objects.filter(program=program, period_end=date(2026, 6, 30)).update(
        reviewed_by=submitter, review_comment="approved-comment-in-scope"
    )
    ProgressReport.objects.create(
        program=program,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        status=ReportStatus.SUBMITTED,
        executed_won=SECRET_AMOUNT,
        created_by=submitter,
        submitted_by=submitter,
        submitted_at=datetime(2026, 10, 2, tzinfo=UTC),
    )
    ProgressReport.objects.create(
        program=program,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
        status=ReportStatus.RETURNED,
        executed_won=RETURNED_AMOUNT,
        review_comment="returned-comment-in-scope",
        created_by=submitter,
    )
    return program, other


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(f"/programs/PG00001/?{Q}")
    assert response.status_code == 200
    return response.content.decode()


def test_officer_of_another_ministry_sees_approved_figures_only(client, scoped):
    _program, other = scoped
    html = _page(client, user_with_role(Role.OFFICER, username="outsider", ministry=other))
    assert "777,777" not in html and "7,777" not in html
    assert "888,888" not in html
    assert "returned-comment-in-scope" not in html
    assert "approved-comment-in-scope" not in html
    assert "hidden-submitter" not in html
    body = html.split("Report history", 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert '">Submitted<' not in body and '">Returned<' not in body
    assert '">Approved' in body
    # the approved reports are still listed, with their executed amounts
    assert "Approved" in html.split("Report history", 1)[1]


def test_reviewer_of_another_ministry_sees_approved_figures_only(client, scoped):
    _program, other = scoped
    html = _page(client, user_with_role(Role.REVIEWER, username="rev-other", ministry=other))
    assert "777,777" not in html and "hidden-submitter" not in html


@pytest.mark.parametrize("role", ["officer", "reviewer", "director", "auditor", "administrator"])
def test_roles_in_scope_see_everything(client, scoped, role):
    program, _other = scoped
    ministry = program.ministry if role in ("officer", "reviewer") else None
    html = _page(client, user_with_role(Role(role), username=f"in-{role}", ministry=ministry))
    assert "returned-comment-in-scope" in html
    assert "approved-comment-in-scope" in html
    assert "hidden-submitter" in html
    body = html.split("Report history", 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert '">Submitted<' in body and '">Returned<' in body
