"""The classification page: the AI budget by COFOG division, by AI component, and crossed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from budget.models import BudgetNode, FiscalYear
from status import rules
from status.models import Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


@dataclass
class Classification:
    cofog: list[tuple[str, int]]
    components: list[tuple[str, int]]
    matrix: list[tuple[str, list[int], int]]
    component_totals: list[int]
    classified_total: int
    budget_total: int


def classification(*, fiscal_year: FiscalYear) -> Classification:
    """The AI budget by COFOG division, by AI component, and crossed (one query).

    Money is counted where it is stated most specifically: each node's own money is its amount
    minus what its children state (``status.rules.program_own_amounts`` with every node counted),
    classified by the node's own division/component, else its nearest ancestor's ("" =
    unclassified). Where children state more than their parent (reconciliation reports it) the sum
    exceeds the budget total; both are shown."""
    from budget.models import COFOG, AIComponent

    nodes: list[dict[str, Any]] = [
        dict(n)
        for n in BudgetNode.objects.filter(fiscal_year=fiscal_year)
        .order_by("path")
        .values("id", "code", "parent_id", "amount_won", "cofog", "ai_component", "depth")
    ]
    by_id = {n["id"]: n for n in nodes}
    own = rules.program_own_amounts(
        [
            (
                n["code"],
                by_id[n["parent_id"]]["code"] if n["parent_id"] in by_id else None,
                n["amount_won"],
                Status.NOT_STARTED,
            )
            for n in nodes
        ]
    )

    def effective(n: dict[str, Any], key: str) -> str:
        while n is not None:
            if n[key]:
                return str(n[key])
            n = by_id.get(n["parent_id"])  # type: ignore[assignment]
        return ""

    cofog_keys = [c for c in COFOG.values] + [""]
    comp_keys = [c for c in AIComponent.values] + [""]
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for n in nodes:
        cells[(effective(n, "cofog"), effective(n, "ai_component"))] += own.get(n["code"], 0)
    matrix = [
        (c, [cells[(c, k)] for k in comp_keys], sum(cells[(c, k)] for k in comp_keys))
        for c in cofog_keys
    ]
    comp_totals = [sum(cells[(c, k)] for c in cofog_keys) for k in comp_keys]
    root_total = sum(n["amount_won"] for n in nodes if n["parent_id"] is None)
    return Classification(
        cofog=[(c, total) for c, _, total in matrix],
        components=list(zip(comp_keys, comp_totals, strict=True)),
        matrix=matrix,
        component_totals=comp_totals,
        classified_total=sum(comp_totals),
        budget_total=root_total,
    )
