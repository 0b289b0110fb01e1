"""Reads of progress reports: scoping, the review queue, the officer's dashboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.roles import Role, user_roles
from programs.periods import Period
from programs.selectors import (
    program_grace_days,
    program_reporting_periods,
    program_scope_q,
    programs_for_user,
)
from reporting.models import (
    EDIT_ACTIONS,
    OPEN_STATUSES,
    EvidenceFile,
    KPIValue,
    ProgressReport,
    ReportStatus,
    ReportTransition,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from programs.models import Program

    AnyUser = User | AnonymousUser


def _base() -> QuerySet[ProgressReport]:
    return ProgressReport.objects.select_related(
        "program", "program__ministry", "created_by", "submitted_by"
    )


def reports_for_user(user: AnyUser) -> QuerySet[ProgressReport]:
    """Every report of the programmes the user may see (programs.selectors.programs_for_user)."""
    return _base().filter(program_scope_q(user, prefix="program__"))


def reports_with_values_for_user(user: AnyUser) -> QuerySet[ProgressReport]:
    """:func:`reports_for_user` with the reviewer and the values (by KPI position, with their
    KPI) loaded, newest period first: what the API lists and returns."""
    return (
        reports_for_user(user)
        .select_related("reviewed_by")
        .prefetch_related(
            Prefetch(
                "values", queryset=KPIValue.objects.select_related("kpi").order_by("kpi__position")
            )
        )
        .order_by("-period_end", "program__code", "-revision")
    )


def report_for_user(user: AnyUser, pk: int) -> ProgressReport | None:
    """One report with what its page shows, or None when it does not exist or is out of scope
    (callers answer 404 either way, so nothing tells another ministry's reports apart)."""
    return (
        reports_for_user(user)
        .select_related("reviewed_by")
        .prefetch_related(
            Prefetch("values", queryset=KPIValue.objects.select_related("kpi")),
            Prefetch("evidence", queryset=EvidenceFile.objects.select_related("uploaded_by")),
            Prefetch("transitions", queryset=ReportTransition.objects.select_related("actor")),
        )
        .filter(pk=pk)
        .first()
    )


def review_queue_for_user(user: AnyUser) -> QuerySet[ProgressReport]:
    """Submitted reports the user may approve or return, oldest submission first. Reports the
    user created, edited or submitted are left out (the four-eyes rule)."""
    roles = user_roles(user)
    qs = (
        _base()
        .filter(status=ReportStatus.SUBMITTED)
        .annotate(value_count=Count("values"))
        .order_by("submitted_at", "id")
    )
    if Role.ADMINISTRATOR in roles:
        pass
    elif Role.REVIEWER in roles:
        ministry_id = getattr(user, "ministry_id", None)
        if ministry_id is not None:
            qs = qs.filter(program__ministry_id=ministry_id)
    else:
        return qs.none()
    edited = ReportTransition.objects.filter(
        report=OuterRef("pk"), actor_id=user.pk, action__in=EDIT_ACTIONS
    )
    return qs.exclude(Q(created_by_id=user.pk) | Q(submitted_by_id=user.pk)).exclude(Exists(edited))


@dataclass(frozen=True)
class ReportHistoryRow:
    """One revision as a programme's page lists it. Out of the reader's scope only approved
    revisions are listed, without names or comments (:func:`program_report_history`)."""

    period_start: date
    period_end: date
    revision: int
    status: str
    status_label: str
    is_current: bool
    executed_won: int | None
    submitted_at: Any
    submitted_by: str
    reviewed_at: Any
    reviewed_by: str
    review_comment: str


def program_report_history(user: AnyUser, program: Program) -> list[ReportHistoryRow]:
    """Every revision of the programme's reports, newest first, for a user in its scope
    (``reporting.permissions.can_view_program``: its ministry's officers and reviewers, and the
    roles that read every ministry). Anyone else sees the approved figures only: approved
    revisions, with no usernames and no reviewer's comment (one query either way)."""
    from reporting.permissions import can_view_program

    in_scope = can_view_program(user, program)
    qs = ProgressReport.objects.filter(program=program).order_by("-period_end", "-revision")
    if in_scope:
        qs = qs.select_related("submitted_by", "reviewed_by")
    else:
        qs = qs.filter(status=ReportStatus.APPROVED)
    rows = []
    for r in qs:
        rows.append(
            ReportHistoryRow(
                period_start=r.period_start,
                period_end=r.period_end,
                revision=r.revision,
                status=r.status,
                status_label=str(r.get_status_display()),
                is_current=r.is_current,
                executed_won=r.executed_won,
                submitted_at=r.submitted_at,
                submitted_by=r.submitted_by.get_username() if in_scope and r.submitted_by else "",
                reviewed_at=r.reviewed_at,
                reviewed_by=r.reviewed_by.get_username() if in_scope and r.reviewed_by else "",
                review_comment=r.review_comment if in_scope else "",
            )
        )
    return rows


def report_revisions(report: ProgressReport) -> QuerySet[ProgressReport]:
    """Every revision of the report's programme and period, oldest first."""
    return (
        ProgressReport.objects.filter(program_id=report.program_id, period_end=report.period_end)
        .select_related("created_by", "submitted_by", "reviewed_by")
        .order_by("revision")
    )


def previous_approved_values(
    report: ProgressReport, *, limit: int = 4
) -> dict[int, list[tuple[date, object]]]:
    """For each KPI id, the approved values of the latest ``limit`` earlier periods, newest
    first."""
    rows = (
        KPIValue.objects.filter(
            report__program_id=report.program_id,
            report__is_current=True,
            report__period_end__lt=report.period_end,
        )
        .order_by("kpi_id", "-report__period_end")
        .values_list("kpi_id", "report__period_end", "value")
    )
    out: dict[int, list[tuple[date, object]]] = defaultdict(list)
    for kpi_id, period_end, value in rows:
        if len(out[kpi_id]) < limit:
            out[kpi_id].append((period_end, value))
    return dict(out)


def approved_so_far(program: Program, period_end: date) -> dict[int, list[tuple[date, Decimal]]]:
    """For each KPI id of the programme, the approved ``(period_end, value)`` of the periods
    before ``period_end``, in order (``status.rules.actual_so_far`` turns them into the actual so
    far by the KPI's kind)."""
    rows = (
        KPIValue.objects.filter(
            report__program_id=program.pk,
            report__is_current=True,
            report__period_end__lt=period_end,
        )
        .order_by("report__period_end")
        .values_list("kpi_id", "report__period_end", "value")
    )
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for kpi_id, end, value in rows:
        out.setdefault(kpi_id, []).append((end, value))
    return out


def shortfalls_for_year(*, year: int, kpi_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """KPI id -> (shortfall reason, remedy) for fiscal year ``year``: from the latest approved
    report of the year that gives them (the approved revision that counts of the latest period
    ending in ``year`` whose value of the KPI has a reason and a remedy). KPIs without one are
    left out. One query (what the performance report reads)."""
    ids = list(kpi_ids)
    if not ids:
        return {}
    rows = (
        KPIValue.objects.filter(
            kpi_id__in=ids, report__is_current=True, report__period_end__year=year
        )
        .exclude(shortfall_reason="")
        .exclude(shortfall_remedy="")
        .order_by("kpi_id", "-report__period_end")
        .distinct("kpi_id")
        .values_list("kpi_id", "shortfall_reason", "shortfall_remedy")
    )
    return {kpi_id: (reason, remedy) for kpi_id, reason, remedy in rows}


# The officer's dashboard ------------------------------------------------------------------------


class PeriodState:
    UPCOMING = "upcoming"  # not ended yet
    DUE = "due"  # ended, within the grace days, no submitted or approved report
    OVERDUE = "overdue"  # come due (end + grace days) with no submitted or approved report
    SUBMITTED = "submitted"  # waiting for review
    APPROVED = "approved"  # an approved report counts (a correction may be open)


@dataclass
class PeriodSlot:
    program: Program
    period: Period
    due_date: date
    state: str
    open_report: ProgressReport | None = None
    approved_report: ProgressReport | None = None

    @property
    def label(self) -> str:
        return self.period.label(self.program.frequency)


@dataclass
class ProgramPeriods:
    program: Program
    slots: list[PeriodSlot]


@dataclass
class OfficerDashboard:
    due: list[PeriodSlot] = field(default_factory=list)
    overdue: list[PeriodSlot] = field(default_factory=list)
    drafts: list[ProgressReport] = field(default_factory=list)
    returned: list[ProgressReport] = field(default_factory=list)
    submitted: list[ProgressReport] = field(default_factory=list)
    programs: list[ProgramPeriods] = field(default_factory=list)


def _slot_state(
    period: Period,
    today: date,
    grace: int,
    open_report: ProgressReport | None,
    approved: ProgressReport | None,
) -> str:
    if approved is not None:
        return PeriodState.APPROVED
    if open_report is not None and open_report.status == ReportStatus.SUBMITTED:
        return PeriodState.SUBMITTED
    if period.end > today:
        return PeriodState.UPCOMING
    if period.has_come_due(today, grace):
        return PeriodState.OVERDUE
    return PeriodState.DUE


def program_periods_for_user(user: AnyUser, today: date) -> list[ProgramPeriods]:
    """Each programme the user may see with every reporting period and its state. Two queries
    whatever the number of programmes and reports."""
    programs = list(programs_for_user(user))
    reports = (
        ProgressReport.objects.filter(program__in=[p.pk for p in programs])
        .filter(Q(status__in=OPEN_STATUSES) | Q(is_current=True))
        .only(
            "id",
            "program_id",
            "period_start",
            "period_end",
            "revision",
            "status",
            "is_current",
            "review_comment",
            "version",
            "updated_at",
            "submitted_at",
        )
    )
    by_key: dict[tuple[int, date], dict[str, ProgressReport]] = defaultdict(dict)
    for report in reports:
        kind = "approved" if report.is_current else "open"
        by_key[(report.program_id, report.period_end)][kind] = report
    out = []
    for program in programs:
        grace = program_grace_days(program)
        slots = []
        for period in program_reporting_periods(program):
            found = by_key.get((program.pk, period.end), {})
            open_report = found.get("open")
            approved = found.get("approved")
            for r in (open_report, approved):
                if r is not None:
                    r.program = program  # share the loaded programme: no query per report
            slots.append(
                PeriodSlot(
                    program=program,
                    period=period,
                    due_date=period.due_date(grace),
                    state=_slot_state(period, today, grace, open_report, approved),
                    open_report=open_report,
                    approved_report=approved,
                )
            )
        out.append(ProgramPeriods(program=program, slots=slots))
    return out


def officer_dashboard(user: AnyUser, today: date) -> OfficerDashboard:
    """What an officer has to do across their programmes: periods due (ended, within the grace
    days) and overdue (come due) with no submitted or approved report, their drafts, reports
    returned with the reviewer's comment, and reports waiting for review. A fixed number of
    queries whatever the number of programmes and reports."""
    board = OfficerDashboard(programs=program_periods_for_user(user, today))
    for entry in board.programs:
        for slot in entry.slots:
            if slot.state == PeriodState.DUE:
                board.due.append(slot)
            elif slot.state == PeriodState.OVERDUE:
                board.overdue.append(slot)
            report = slot.open_report
            if report is None:
                continue
            if report.status == ReportStatus.DRAFT:
                board.drafts.append(report)
            elif report.status == ReportStatus.RETURNED:
                board.returned.append(report)
            elif report.status == ReportStatus.SUBMITTED:
                board.submitted.append(report)
    board.overdue.sort(key=lambda s: (s.due_date, s.program.code))
    board.due.sort(key=lambda s: (s.due_date, s.program.code))
    return board


# The review queue, with what a reviewer checks ---------------------------------------------------


@dataclass
class ValueCheck:
    """One reported KPI value against what was expected by the end of its period."""

    kpi: Any
    value: Decimal
    actual: Decimal | None  # in the terms of the expected value (cumulative total, year total)
    expected: Decimal | None
    variance: Decimal | None  # actual - expected
    progress: Decimal | None  # share of the expected progress (the status rule's ratio)
    falls_short: bool = False  # behind the expected value (reporting/shortfalls.py)
    shortfall_reason: str = ""
    shortfall_remedy: str = ""


@dataclass
class ReviewRow:
    report: ProgressReport
    checks: list[ValueCheck]
    has_evidence: bool
    period_open: bool  # the period has not ended: the report cannot be approved yet


def review_queue_rows(queue: QuerySet[ProgressReport], *, today: date) -> list[ReviewRow]:
    """The queue's reports with their values against expected, whether evidence is attached and
    whether the period has ended: four queries whatever the queue's length."""
    from django.db.models import Exists, OuterRef

    from kpis.kinds import kind_of
    from reporting.shortfalls import kpi_standing

    reports = list(
        queue.annotate(
            has_evidence=Exists(EvidenceFile.objects.filter(report_id=OuterRef("pk")))
        ).prefetch_related(
            Prefetch(
                "values",
                queryset=KPIValue.objects.select_related("kpi")
                .prefetch_related("kpi__milestones")
                .order_by("kpi__position", "kpi__code"),
            )
        )
    )
    if not reports:
        return []
    approved: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for kpi_id, end, value in KPIValue.objects.filter(
        report__is_current=True,
        report__program_id__in={r.program_id for r in reports},
        report__period_end__lt=max(r.period_end for r in reports),
    ).values_list("kpi_id", "report__period_end", "value"):
        approved[kpi_id].append((end, value))

    rows = []
    for report in reports:
        checks = []
        for item in report.values.all():
            kpi = item.kpi
            before = [(end, v) for end, v in approved[kpi.pk] if end < report.period_end]
            value = item.value
            if value is None:
                continue
            # the actual with this report's value counted, as the status rules compute it
            standing = kpi_standing(
                kpi, value, period_end=report.period_end, start=report.program.start, before=before
            )
            actual, expected = standing.actual, standing.expected
            variance = progress = None
            if expected is not None:
                variance = actual - expected
                base = Decimal(0) if kind_of(kpi.kind).yearly else kpi.baseline
                if expected != base:
                    progress = (actual - base) / (expected - base)
            checks.append(
                ValueCheck(
                    kpi,
                    value,
                    actual,
                    expected,
                    variance,
                    progress,
                    falls_short=standing.falls_short,
                    shortfall_reason=item.shortfall_reason,
                    shortfall_remedy=item.shortfall_remedy,
                )
            )
        rows.append(
            ReviewRow(
                report=report,
                checks=checks,
                has_evidence=bool(getattr(report, "has_evidence", False)),
                period_open=report.period_end > today,
            )
        )
    return rows


def reading_precision(number: Decimal | None) -> Decimal | None:
    """At most two decimal places, as a reviewer reads an expected value."""
    if number is None:
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return number.quantize(Decimal("0.01"))
    return number


def review_queue_ministries(queue: QuerySet[ProgressReport]) -> list[tuple[str, str, str]]:
    """(code, name, Korean name) of the ministries with reports in the queue, for its filter."""
    return list(
        queue.order_by()
        .values_list(
            "program__ministry__code", "program__ministry__name", "program__ministry__name_ko"
        )
        .distinct()
        .order_by("program__ministry__code")
    )
