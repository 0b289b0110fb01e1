"""A small crafted portfolio for the status tests, built straight with the ORM.

Fiscal year 2026, TOTAL (2,000,000,000 won) -> P1 (1,400,000,000) -> programmes A (1,000,000,000)
and B (400,000,000); TOTAL -> P2 (600,000,000) -> programme C (600,000,000), which starts on
2026-07-01. All quarterly, from 2026-01-01 to 2026-12-31.

- A: A-CUM cumulative, baseline 0, target 1000 at 2026-12-31; A-LVL level, target 100.
- B: B-ANN annual, target 365.
- C: C-CUM cumulative, target 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from budget.models import BudgetNode, FiscalYear, Ministry
from kpis.models import KPI
from programs.models import Program
from reporting.models import KPIValue, ProgressReport, ReportStatus
from status.models import KPIStatus, NodeStatus, ProgramStatus
from tests.factories import program_for_node


@dataclass
class Portfolio:
    year: FiscalYear
    ministry: Ministry
    total: BudgetNode
    p1: BudgetNode
    p2: BudgetNode
    a: Program
    b: Program
    c: Program
    kpis: dict[str, KPI]
    user: User


def _node(year, parent, code, amount, position=0):
    path = f"{parent.path}/{code}" if parent else code
    return BudgetNode.objects.create(
        fiscal_year=year,
        parent=parent,
        code=code,
        name=f"Node {code}",
        name_ko=f"노드 {code}",
        amount_won=amount,
        position=position,
        depth=(parent.depth + 1) if parent else 0,
        path=path,
    )


def _program(node, ministry, start=date(2026, 1, 1), end=date(2026, 12, 31)):
    return program_for_node(node, ministry=ministry, start=start, end=end, frequency="quarterly")


def _kpi(program, code, kind, target, position=0, baseline=0):
    return KPI.objects.create(
        program=program,
        code=code,
        name=f"KPI {code}",
        unit="units",
        kind=kind,
        baseline=Decimal(baseline),
        target=Decimal(target),
        target_date=date(2026, 12, 31),
        position=position,
    )


def build_portfolio() -> Portfolio:
    year = FiscalYear.objects.create(year=2026, title="Test budget")
    ministry = Ministry.objects.create(code="MSIT", name="Ministry of Science and ICT")
    total = _node(year, None, "TOTAL", 2_000_000_000)
    p1 = _node(year, total, "P1", 1_400_000_000, 0)
    p2 = _node(year, total, "P2", 600_000_000, 1)
    a = _program(_node(year, p1, "A", 1_000_000_000, 0), ministry)
    b = _program(_node(year, p1, "B", 400_000_000, 1), ministry)
    c = _program(_node(year, p2, "C", 600_000_000, 0), ministry, start=date(2026, 7, 1))
    kpis = {
        "A-CUM": _kpi(a, "A-CUM", "cumulative", 1000, 0),
        "A-LVL": _kpi(a, "A-LVL", "level", 100, 1),
        "B-ANN": _kpi(b, "B-ANN", "annual", 365, 0),
        "C-CUM": _kpi(c, "C-CUM", "cumulative", 10, 0),
    }
    user = User.objects.create_user(username="status-officer", password="x")
    return Portfolio(year, ministry, total, p1, p2, a, b, c, kpis, user)


def approve(
    portfolio: Portfolio,
    program: Program,
    period_end: date,
    values: dict[str, object],
    executed_won: int | None = None,
) -> ProgressReport:
    """An approved, current report (previous revision of the period, if any, stops counting)."""
    previous = ProgressReport.objects.filter(
        program=program, period_end=period_end, is_current=True
    ).first()
    revision = 1
    if previous:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
        revision = previous.revision + 1
    start = date(period_end.year, period_end.month - 2, 1)
    now = timezone.now()
    report = ProgressReport.objects.create(
        program=program,
        period_start=start,
        period_end=period_end,
        revision=revision,
        status=ReportStatus.APPROVED,
        is_current=True,
        executed_won=executed_won,
        created_by=portfolio.user,
        approved_at=now,
    )
    for code, value in values.items():
        KPIValue.objects.create(report=report, kpi=portfolio.kpis[code], value=Decimal(str(value)))
    return report


def role_user(username: str, role: str, ministry: Ministry | None, email: str = "") -> User:
    user = User.objects.create_user(
        username=username, password="x", email=email or f"{username}@example.go.kr"
    )
    user.ministry = ministry
    user.save(update_fields=["ministry"])
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


MODELS = {KPIStatus: "kpi_id", ProgramStatus: "program_id", NodeStatus: "node_id"}
# Everything a row holds but its own id, the time it was written and the fingerprint.
IGNORED = {"id", "computed_at", "fingerprint"}


def stored_rows(day: date, ignored: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    out = {}
    for model, key in MODELS.items():
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in IGNORED and f.attname not in ignored
        ]
        out[model.__name__] = sorted(
            model.objects.filter(as_of=day).order_by(key).values_list(*names)
        )
    return out


def clear_results() -> None:
    for model in MODELS:
        model.objects.all().delete()
