"""The daily reminder pass: officers hear about reports due within 7 days or overdue; reviewers
about reports waiting for review more than 3 days. One e-mail per person (Django's e-mail backend).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from programs.models import Program
from programs.periods import DEFAULT_GRACE_DAYS, is_overdue, reporting_periods
from reporting.models import ProgressReport, ReportStatus

DUE_SOON_DAYS = 7
REVIEW_WAIT_DAYS = 3


@dataclass(frozen=True)
class DueReport:
    program_id: int
    program_code: str
    ministry_id: int
    period_end: date
    due_date: date

    @property
    def overdue(self) -> bool:
        return is_overdue(self.due_date, timezone.localdate())


def due_reports(*, today: date) -> list[DueReport]:
    """Reporting periods whose report is due within 7 days or overdue, with no report submitted or
    approved for them."""
    programs = Program.objects.annotate(
        last_target=Max("kpis__target_date"), grace=Min("kpis__grace_days")
    )
    done = set(
        ProgressReport.objects.filter(
            Q(is_current=True) | Q(status=ReportStatus.SUBMITTED)
        ).values_list("program_id", "period_end")
    )
    out = []
    for program in programs:
        grace = program.grace if program.grace is not None else DEFAULT_GRACE_DAYS
        last = max(program.end, program.last_target or program.end)
        for period in reporting_periods(program.start, last, program.frequency):
            due = period.due_date(grace)
            if due > today + timedelta(days=DUE_SOON_DAYS):
                break
            if (program.id, period.end) in done:
                continue
            out.append(DueReport(program.id, program.code, program.ministry_id, period.end, due))
    return out


def waiting_reviews(*, now: Any) -> list[ProgressReport]:
    return list(
        ProgressReport.objects.filter(
            status=ReportStatus.SUBMITTED,
            submitted_at__lt=now - timedelta(days=REVIEW_WAIT_DAYS),
        )
        .select_related("program")
        .order_by("submitted_at")
    )


def _users(role: Role) -> list[User]:
    return list(
        User.objects.filter(groups__name=role.value, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def reminders_send(*, today: date) -> dict[str, int]:
    """Send the reminders. Returns counts: overdue, due_soon, waiting, emails."""
    now = timezone.now()
    due = due_reports(today=today)
    waiting = waiting_reviews(now=now)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for officer in _users(Role.OFFICER):
            mine = [d for d in due if d.ministry_id == officer.ministry_id]
            if not mine:
                continue
            lines = [
                (
                    _("%(program)s, period ending %(end)s: overdue since %(due)s")
                    if is_overdue(d.due_date, today)
                    else _("%(program)s, period ending %(end)s: due on %(due)s")
                )
                % {"program": d.program_code, "end": d.period_end, "due": d.due_date}
                for d in mine
            ]
            messages.append(
                (
                    _("Progress reports due or overdue"),
                    "\n".join([_("These progress reports need your attention:"), "", *lines]),
                    settings.DEFAULT_FROM_EMAIL,
                    [officer.email],
                )
            )
        by_ministry: dict[int | None, list[ProgressReport]] = defaultdict(list)
        for report in waiting:
            by_ministry[report.program.ministry_id].append(report)
        for reviewer in _users(Role.REVIEWER):
            if reviewer.ministry_id is None:
                mine_r = list(waiting)
            else:
                mine_r = by_ministry.get(reviewer.ministry_id, [])
            mine_r = [r for r in mine_r if r.submitted_by_id != reviewer.id]
            if not mine_r:
                continue
            lines = [
                _("%(program)s, period ending %(end)s: submitted on %(submitted)s")
                % {
                    "program": r.program.code,
                    "end": r.period_end,
                    "submitted": timezone.localtime(r.submitted_at).date()
                    if r.submitted_at
                    else "",
                }
                for r in mine_r
            ]
            messages.append(
                (
                    _("Progress reports waiting for review"),
                    "\n".join(
                        [_("These reports have waited more than 3 days for review:"), "", *lines]
                    ),
                    settings.DEFAULT_FROM_EMAIL,
                    [reviewer.email],
                )
            )
    sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    return {
        "overdue": sum(1 for d in due if is_overdue(d.due_date, today)),
        "due_soon": sum(1 for d in due if not is_overdue(d.due_date, today)),
        "waiting": len(waiting),
        "emails": sent,
    }
