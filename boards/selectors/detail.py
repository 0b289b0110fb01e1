"""One programme's page: its KPIs with status, explanation, target in force and history, its
reports, its status changes and its budget execution."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from boards.selectors.common import SEVERITY, board_tree
from budget.models import BudgetNode, FiscalYear
from budget.selectors import program_allocations
from kpis.models import KPI
from kpis.selectors import kpi_target_as_of
from programs.models import Program
from reporting.selectors import ReportHistoryRow, program_report_history
from status import rules
from status.models import KPIStatus, ProgramStatus, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


@dataclass
class KPIView:
    kpi: KPI
    row: KPIStatus | None
    history: list[KPIStatus]
    version: rules.TargetVersion
    target_text: str


@dataclass
class StatusChange:
    row: ProgramStatus
    change: str  # "better" | "worse" | "same" | "first"


@dataclass
class ProgramDetail:
    program: Program
    row: ProgramStatus | None
    kpis: list[KPIView]
    reports: list[ReportHistoryRow]
    history: list[StatusChange]
    budget_history: list[ProgramStatus]
    pillar: BudgetNode | None
    area: BudgetNode | None
    # The programme's node in the fiscal year shown (None: that year does not fund it), and its
    # node in every year that funds it, the earliest first.
    node: BudgetNode | None = None
    allocations: list[BudgetNode] = field(default_factory=list)


def _changes(rows: Sequence[ProgramStatus]) -> list[StatusChange]:
    out: list[StatusChange] = []
    previous: ProgramStatus | None = None
    for row in rows:
        if previous is None:
            change = "first"
        else:
            before, after = SEVERITY.get(previous.status, 99), SEVERITY.get(row.status, 99)
            # not_started and no_kpi come last in display order but are not "better" than data
            if row.status == previous.status:
                change = "same"
            elif {Status.NOT_STARTED, Status.NO_KPI} & {row.status, previous.status}:
                change = "changed"
            else:
                change = "better" if after > before else "worse"
        out.append(StatusChange(row, change))
        previous = row
    return out


def program_detail(
    *, code: str, as_of: date, fiscal_year: FiscalYear, user: AnyUser
) -> ProgramDetail | None:
    """One programme as of a date (nine queries); its report history as ``user`` may see it
    (``reporting.selectors.program_report_history``: out of their ministry, approved figures
    only)."""
    program = Program.objects.select_related("ministry").filter(code=code).first()
    if program is None:
        return None
    allocations = program_allocations(program)
    node = next((n for n in allocations if n.fiscal_year_id == fiscal_year.pk), None)
    tree = board_tree(fiscal_year)
    history = list(
        ProgramStatus.objects.filter(program=program, as_of__lte=as_of).order_by("as_of")
    )
    row = next((h for h in history if h.as_of == as_of), None)
    kpis = list(
        KPI.objects.filter(program=program)
        .prefetch_related("milestones", "revisions")
        .order_by("position", "code")
    )
    kpi_history: dict[int, list[KPIStatus]] = defaultdict(list)
    for k in KPIStatus.objects.filter(kpi__program=program, as_of__lte=as_of).order_by("as_of"):
        kpi_history[k.kpi_id].append(k)
    views = []
    for kpi in kpis:
        in_force = kpi_target_as_of(kpi, as_of, revisions=list(kpi.revisions.all()))
        version = rules.TargetVersion(
            target=in_force.target,
            target_date=in_force.target_date,
            baseline=in_force.baseline,
            milestones=tuple(rules.Milestone(d, v) for d, v in in_force.milestones),
        )
        rows = kpi_history.get(kpi.pk, [])
        current = next((r for r in rows if r.as_of == as_of), None)
        views.append(KPIView(kpi, current, rows, version, kpi.target_text))
    reports = program_report_history(user, program)
    changes = [c for c in _changes(history) if c.change != "same"]
    if history and (not changes or changes[-1].row is not history[-1]):
        changes.append(StatusChange(history[-1], "same"))
    return ProgramDetail(
        program=program,
        row=row,
        kpis=views,
        reports=reports,
        history=list(reversed(changes)),
        budget_history=[h for h in history if h.budget_assessed_at is not None],
        pillar=tree.pillar_of(node.path) if node else None,
        area=tree.area_of(node.path) if node else None,
        node=node,
        allocations=allocations,
    )
