"""Reconciliation (docs/formats.md): where the stated figures do not agree with each other.

One finding per node whose children's amounts do not add up to its own amount (``over_allocated``
when they exceed it, ``unallocated`` when they fall short), and one per node that carries
conflicting statements (``conflict``). Nothing is corrected: the findings only report.

The rule itself is :func:`reconcile`, a pure function over plain facts, so it serves any loaded
budget, the command, the pages and the exports alike. :func:`reconcile_fiscal_year` feeds it from
the database in two queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from budget.models import FiscalYear


class FindingKind(StrEnum):
    OVER_ALLOCATED = "over_allocated"
    UNALLOCATED = "unallocated"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class NodeFacts:
    code: str
    parent_code: str | None
    amount_won: int
    source_text: str = ""
    conflicts: tuple[tuple[int, str], ...] = ()  # (amount_won, source_text)


@dataclass(frozen=True)
class Finding:
    code: str
    kind: FindingKind
    amount_won: int
    children_sum_won: int | None
    difference_won: int
    statements: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "kind": str(self.kind),
            "amount_won": self.amount_won,
            "children_sum_won": self.children_sum_won,
            "difference_won": self.difference_won,
            "statements": list(self.statements),
        }


def reconcile(nodes: Iterable[NodeFacts]) -> list[Finding]:
    """Every mismatch and every conflict, in the order the nodes were given.

    ``difference_won`` is children's sum minus the node's amount for the sum findings (positive
    when over-allocated) and, for a conflict, the largest other stated amount minus the node's
    amount.
    """
    ordered = list(nodes)
    sums: dict[str, int] = defaultdict(int)
    has_children: set[str] = set()
    child_statements: dict[str, list[str]] = defaultdict(list)
    for node in ordered:
        if node.parent_code is not None:
            sums[node.parent_code] += node.amount_won
            has_children.add(node.parent_code)
            if node.source_text:
                child_statements[node.parent_code].append(node.source_text)

    findings: list[Finding] = []
    for node in ordered:
        if node.code in has_children and sums[node.code] != node.amount_won:
            total = sums[node.code]
            kind = (
                FindingKind.OVER_ALLOCATED if total > node.amount_won else FindingKind.UNALLOCATED
            )
            statements = [node.source_text] if node.source_text else []
            findings.append(
                Finding(
                    code=node.code,
                    kind=kind,
                    amount_won=node.amount_won,
                    children_sum_won=total,
                    difference_won=total - node.amount_won,
                    statements=statements + child_statements[node.code],
                )
            )
        if node.conflicts:
            others = [amount for amount, _ in node.conflicts]
            furthest = max(others, key=lambda amount: abs(amount - node.amount_won))
            findings.append(
                Finding(
                    code=node.code,
                    kind=FindingKind.CONFLICT,
                    amount_won=node.amount_won,
                    children_sum_won=sums[node.code] if node.code in has_children else None,
                    difference_won=furthest - node.amount_won,
                    statements=([node.source_text] if node.source_text else [])
                    + [text for _, text in node.conflicts if text],
                )
            )
    return findings


def node_facts_for(fiscal_year: FiscalYear) -> list[NodeFacts]:
    """The facts of every node of a fiscal year, in tree order (two queries)."""
    from budget.models import BudgetConflict, BudgetNode

    conflicts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for conflict in BudgetConflict.objects.filter(node__fiscal_year=fiscal_year).order_by(
        "node_id", "position", "id"
    ):
        conflicts[conflict.node_id].append((conflict.amount_won, conflict.source_text))
    rows = (
        BudgetNode.objects.filter(fiscal_year=fiscal_year)
        .order_by("path")
        .values_list("id", "code", "parent__code", "amount_won", "source_text")
    )
    return [
        NodeFacts(
            code=code,
            parent_code=parent_code,
            amount_won=amount,
            source_text=source_text,
            conflicts=tuple(conflicts.get(pk, ())),
        )
        for pk, code, parent_code, amount, source_text in rows
    ]


def reconcile_fiscal_year(fiscal_year: FiscalYear) -> list[Finding]:
    """Every finding of a loaded fiscal year."""
    return reconcile(node_facts_for(fiscal_year))


@dataclass(frozen=True)
class Coverage:
    """How the money the programmes carry compares with a node's stated amount.

    ``programme_won`` (the sum of the programmes' own amounts at or beneath the node, a programme
    within another not counted twice) = ``stated_won`` + the sum of ``over`` - the sum of
    ``outside``. ``over``: ``(code, won)`` where the lines within a node state more than it;
    ``outside``: ``(code, won)`` of money a line states that no programme carries (a line with no
    programme, or the part its children leave unallocated)."""

    code: str
    stated_won: int
    programme_won: int
    over: tuple[tuple[str, int], ...] = ()
    outside: tuple[tuple[str, int], ...] = ()


# (code, parent code, amount in won, is a programme)
CoverageFact = tuple[str, str | None, int, bool]


def programme_coverage(nodes: Iterable[CoverageFact], scope: str) -> Coverage:
    """:class:`Coverage` of the node ``scope``: within a programme, the money of the programmes
    nested in it counts as theirs and the rest as its own (more nested than it states: ``over``);
    outside every programme, a line's money goes to its children (more: ``over``; less, or no
    children: ``outside``)."""
    rows = list(nodes)
    by_code = {code: (amount, is_programme) for code, _parent, amount, is_programme in rows}
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent, _amount, _is_programme in rows:
        if parent is not None:
            children[parent].append(code)
    over: list[tuple[str, int]] = []
    outside: list[tuple[str, int]] = []

    def nested_programmes(code: str) -> list[str]:
        found: list[str] = []
        stack = list(reversed(children[code]))
        while stack:
            child = stack.pop()
            if by_code[child][1]:
                found.append(child)
            else:
                stack.extend(reversed(children[child]))
        return found

    stack = [scope]
    while stack:
        code = stack.pop()
        amount, is_programme = by_code[code]
        if is_programme:
            nested = nested_programmes(code)
            excess = sum(by_code[n][0] for n in nested) - amount
            if excess > 0:
                over.append((code, excess))
            stack.extend(reversed(nested))
            continue
        kids = children[code]
        gap = amount - sum(by_code[k][0] for k in kids)
        if gap > 0:
            outside.append((code, gap))
        elif gap < 0:
            over.append((code, -gap))
        stack.extend(reversed(kids))
    stated = by_code[scope][0]
    return Coverage(
        code=scope,
        stated_won=stated,
        programme_won=stated + sum(w for _, w in over) - sum(w for _, w in outside),
        over=tuple(over),
        outside=tuple(outside),
    )
