"""Reads of the stored statuses, for the boards and the export. Nothing here computes a rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from budget.models import FiscalYear
from kpis.selectors import programs_unfunded_in_force
from status.models import KPIStatus, NodeStatus, ProgramState, ProgramStatus


@dataclass
class Board:
    """Everything stored for one as-of date: three querysets with the joins they need (three
    queries in all when evaluated)."""

    as_of: date
    fiscal_year: FiscalYear | None
    nodes: QuerySet[NodeStatus]
    programs: QuerySet[ProgramStatus]
    kpis: QuerySet[KPIStatus]

    def is_empty(self) -> bool:
        return not self.programs.exists() and not self.nodes.exists()

    def kpis_by_program(self) -> dict[int, list[KPIStatus]]:
        out: dict[int, list[KPIStatus]] = defaultdict(list)
        for row in self.kpis:
            out[row.kpi.program_id].append(row)
        return out


def board_for(as_of: date, fiscal_year: FiscalYear | None = None) -> Board:
    """The stored board for ``as_of``: node rows (tree order) with their node and parent, programme
    rows with node and ministry, KPI rows with their KPI. With ``fiscal_year`` (whose budget the
    rows must hold): its tree, the programmes it funds and those with a KPI in force in it
    without money in it."""
    nodes = NodeStatus.objects.filter(as_of=as_of)
    programs = ProgramStatus.objects.filter(as_of=as_of)
    if fiscal_year is not None:
        nodes = nodes.filter(node__fiscal_year=fiscal_year)
        programs = programs.filter(
            Q(node__fiscal_year=fiscal_year)
            | Q(program__in=programs_unfunded_in_force(fiscal_year.year))
        )
    return Board(
        as_of=as_of,
        fiscal_year=fiscal_year,
        nodes=nodes.select_related("node", "node__parent", "node__fiscal_year").order_by(
            "node__fiscal_year__year", "node__path"
        ),
        programs=programs.select_related("program", "node", "program__ministry").order_by(
            "node__path", "program__code"
        ),
        kpis=KPIStatus.objects.filter(as_of=as_of)
        .select_related("kpi")
        .order_by("kpi__program_id", "kpi__position", "kpi__code"),
    )


def board_exists(as_of: date) -> bool:
    return (
        ProgramStatus.objects.filter(as_of=as_of).exists()
        or NodeStatus.objects.filter(as_of=as_of).exists()
    )


def status_dates() -> list[date]:
    """Every as-of date with stored results, newest first."""
    return list(ProgramStatus.objects.order_by("-as_of").values_list("as_of", flat=True).distinct())


def kpi_status_history(kpi_id: int) -> QuerySet[KPIStatus]:
    return KPIStatus.objects.filter(kpi_id=kpi_id).order_by("as_of")


def stale_programs() -> QuerySet[ProgramState]:
    return ProgramState.objects.filter(stale=True).select_related("program")
