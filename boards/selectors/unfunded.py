"""The programmes a fiscal year does not fund though one of their KPIs is in force in it (target
date on or after 1 January of the year: ``kpis.selectors.programs_unfunded_in_force``): the board
of the year lists them apart from its tree, with their status of the date (their rows hold no node
and no budget status)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet

from boards.cache import cached
from budget.models import FiscalYear, Ministry
from kpis.selectors import programs_unfunded_in_force
from programs.selectors import program_scope_q
from status.models import ProgramStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def unfunded_rows(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    ministry: Ministry | None = None,
    user: AnyUser | None = None,
) -> list[ProgramStatus]:
    """The status rows of ``as_of`` of the programmes with a KPI in force in ``fiscal_year`` and
    no money in it, by code (one query, cached under its SQL: ``boards.cache``); of one ministry,
    or scoped to ``user``, when given."""
    qs = ProgramStatus.objects.filter(
        as_of=as_of,
        node__isnull=True,
        program__in=programs_unfunded_in_force(fiscal_year.year).values("pk"),
    )
    if ministry is not None:
        qs = qs.filter(program__ministry=ministry)
    if user is not None:
        qs = qs.filter(program_scope_q(user, prefix="program__"))
    qs = qs.select_related("program", "program__ministry").order_by("program__code")
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # provably empty (a user who may see no programme): no query at all
        return []
    return cached("unfunded", (sql, params), lambda: list(qs))
