"""Reads of programmes: who may see which, and each programme's reporting periods."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Max, Min, Prefetch, Q, QuerySet

from accounts.roles import Role, sees_all_ministries, user_roles
from programs.models import Program
from programs.periods import DEFAULT_GRACE_DAYS, Period, reporting_periods

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def programs_for_user(user: User | AnonymousUser) -> QuerySet[Program]:
    """The programmes a user may see: all for directors, auditors, administrators and reviewers
    with no ministry; their own ministry's for officers and ministry reviewers; none otherwise.

    Each row carries ``latest_target_date`` and ``min_grace_days`` (over its KPIs), which
    :func:`program_reporting_periods` and :func:`program_grace_days` use without another query.
    """
    qs = Program.objects.select_related("ministry").annotate(
        latest_target_date=Max("kpis__target_date"), min_grace_days=Min("kpis__grace_days")
    )
    return qs.filter(program_scope_q(user))


def programs_with_kpis_for_user(user: User | AnonymousUser) -> QuerySet[Program]:
    """:func:`programs_for_user` in tree order, with their KPIs (by position) and the KPIs'
    milestones (by date) prefetched: what the API lists."""
    from budget.models import BudgetNode
    from kpis.models import KPI, Milestone

    return (
        programs_for_user(user)
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=BudgetNode.objects.select_related("fiscal_year").order_by(
                    "fiscal_year__year"
                ),
            ),
            Prefetch(
                "kpis",
                queryset=KPI.objects.order_by("position", "id").prefetch_related(
                    Prefetch("milestones", queryset=Milestone.objects.order_by("date"))
                ),
            ),
        )
        .order_by("code", "pk")
    )


def program_by_code(code: str, *, queryset: QuerySet[Program] | None = None) -> Program | None:
    """The programme with this code (its budget node's in every year that funds it)."""
    if "\x00" in code:  # PostgreSQL text cannot hold NUL: no code has one (found by fuzzing)
        return None
    qs = queryset if queryset is not None else Program.objects.select_related("ministry")
    return qs.filter(code=code).first()


def program_reporting_periods(
    program: Program, *, latest_target_date: date | None = None
) -> list[Period]:
    """The programme's reporting periods (docs/status-rules.md): from the period containing its
    start to the one containing the later of its end and its latest KPI target date.

    The latest target date is taken from the argument, else from the ``latest_target_date``
    annotation of :func:`programs_for_user`, else from the database.
    """
    if latest_target_date is None:
        latest_target_date = getattr(program, "latest_target_date", None)
        if latest_target_date is None and not hasattr(program, "latest_target_date"):
            latest_target_date = program.kpis.aggregate(d=Max("target_date"))["d"]
    end = max(program.end, latest_target_date) if latest_target_date else program.end
    return reporting_periods(program.start, end, program.frequency)


def program_grace_days(program: Program) -> int:
    """Days after a period's end before it comes due: the smallest over the programme's KPIs
    (default 30 when it has none). Uses the ``min_grace_days`` annotation when present."""
    if hasattr(program, "min_grace_days"):
        grace = program.min_grace_days
    else:
        grace = program.kpis.aggregate(g=Min("grace_days"))["g"]
    return DEFAULT_GRACE_DAYS if grace is None else int(grace)


def program_scope_q(user: User | AnonymousUser, prefix: str = "") -> Q:
    """A filter on programmes (``prefix`` is the path to the programme, e.g. ``"program__"``)
    matching the ones :func:`programs_for_user` returns."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if sees_all_ministries(user):
        return Q()
    ministry_id = getattr(user, "ministry_id", None)
    if user_roles(user) & {Role.OFFICER, Role.REVIEWER} and ministry_id is not None:
        return Q(**{f"{prefix}ministry_id": ministry_id})
    return Q(pk__in=[])
