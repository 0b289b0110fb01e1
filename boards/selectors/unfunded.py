"""The programmes a fiscal year does not fund though one of their KPIs is in force in it (target
date on or after 1 January of the year: ``kpis.selectors.programs_unfunded_in_force``): the board
of the year lists them apart from its tree, with their status of the date (their rows hold no node
and no budget status)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Q

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
    no money in it, by code (one query, cached: ``boards.cache``); of one ministry, or scoped to
    ``user``, when given."""
    scope = program_scope_q(user, prefix="program__") if user is not None else Q()

    def compute() -> list[ProgramStatus]:
        qs = ProgramStatus.objects.filter(
            scope,
            as_of=as_of,
            node__isnull=True,
            program__in=programs_unfunded_in_force(fiscal_year.year).values("pk"),
        )
        if ministry is not None:
            qs = qs.filter(program__ministry=ministry)
        # a scope that allows no programme makes no query at all
        return list(qs.select_related("program", "program__ministry").order_by("program__code"))

    parts = (as_of, fiscal_year.year, ministry.pk if ministry else None, repr(scope))
    return cached("unfunded", parts, compute)
