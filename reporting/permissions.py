"""Who may do what with progress reports (docs/roles.md). Views, the API and the services ask here.

* Officers see and edit only their ministry's programmes and reports, and never approve.
* Reviewers approve or return submitted reports in their scope (their ministry, or every ministry
  when they have none), never one they created, edited or submitted (the four-eyes rule).
* Directors and auditors read everything and change nothing.
* Administrators may do everything, except approve or return a report they created, edited or
  submitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.roles import Role, sees_all_ministries, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from programs.models import Program
    from reporting.models import ProgressReport

    AnyUser = User | AnonymousUser


def _in_ministry(user: AnyUser, program: Program) -> bool:
    ministry_id = getattr(user, "ministry_id", None)
    return ministry_id is not None and ministry_id == program.ministry_id


def can_view_program(user: AnyUser, program: Program) -> bool:
    if not user.is_authenticated:
        return False
    if sees_all_ministries(user):
        return True
    return bool(user_roles(user) & {Role.OFFICER, Role.REVIEWER}) and _in_ministry(user, program)


def can_edit_reports(user: AnyUser, program: Program) -> bool:
    """Create, edit, submit, correct reports and attach evidence for this programme."""
    roles = user_roles(user)
    if Role.ADMINISTRATOR in roles:
        return True
    return Role.OFFICER in roles and _in_ministry(user, program)


def can_review_program(user: AnyUser, program: Program) -> bool:
    """Approve or return reports of this programme (ignoring who submitted them)."""
    roles = user_roles(user)
    if Role.ADMINISTRATOR in roles:
        return True
    if Role.REVIEWER not in roles:
        return False
    ministry_id = getattr(user, "ministry_id", None)
    return ministry_id is None or ministry_id == program.ministry_id


def report_editor_ids(report: ProgressReport) -> set[int]:
    """Everyone who created, edited, submitted, corrected or attached evidence to the report: the
    actors of its ``EDIT_ACTIONS`` transitions (every write path goes through
    reporting/services.py, which records one), with its creator and submitter. Uses prefetched
    transitions when the report has them, else one query."""
    from reporting.models import EDIT_ACTIONS, ReportTransition

    ids = {i for i in (report.created_by_id, report.submitted_by_id) if i is not None}
    prefetched = getattr(report, "_prefetched_objects_cache", {})
    if "transitions" in prefetched:
        ids.update(t.actor_id for t in report.transitions.all() if t.action in EDIT_ACTIONS)
    elif report.pk is not None:
        ids.update(
            ReportTransition.objects.filter(report=report, action__in=EDIT_ACTIONS).values_list(
                "actor_id", flat=True
            )
        )
    return ids


def is_own_report(user: AnyUser, report: ProgressReport) -> bool:
    """Whether the user created, edited or submitted the report (the four-eyes rule)."""
    uid = getattr(user, "pk", None)
    return uid is not None and uid in report_editor_ids(report)


def can_review_report(user: AnyUser, report: ProgressReport) -> bool:
    return can_review_program(user, report.program) and not is_own_report(user, report)


def is_reviewer_anywhere(user: AnyUser) -> bool:
    return bool(user_roles(user) & {Role.REVIEWER, Role.ADMINISTRATOR})
