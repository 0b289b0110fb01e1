"""Reads of the budget: fiscal years, the tree of a year, one node with everything about it.

Every selector runs a fixed number of queries, whatever the size of the tree:

- :func:`budget_tree`: 3 (the nodes with their programme, ministry and KPI count; and the two of
  :func:`budget.reconciliation.reconcile_fiscal_year`).
- :func:`budget_node_detail`: 8 (the node with its programme and ministry; the year's nodes, light,
  for the breadcrumb and the total; the children; the conflicts; the KPIs; their milestones; and
  reconciliation's two); 7 for a node with no KPIs, as there are no milestones to fetch.

Shares are computed here, never stored: share of parent = amount / parent's amount, share of total =
amount / the year's total (the sum of its root nodes, normally the one root). A share of a zero
amount is ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from budget.formatting import share_of
from budget.models import BudgetConflict, BudgetNode, FiscalYear
from budget.reconciliation import Finding, reconcile_fiscal_year
from kpis.models import KPI, Milestone
from programs.models import Program


def fiscal_year_list() -> QuerySet[FiscalYear]:
    """Every fiscal year, the latest first."""
    return FiscalYear.objects.order_by("-year")


def fiscal_years_with_totals() -> QuerySet[FiscalYear]:
    """Every fiscal year, the latest first, each with ``total_won``: the amount of its tree's
    root (None for a year without nodes). One query."""
    root = BudgetNode.objects.filter(fiscal_year=OuterRef("pk"), depth=0).order_by("path")
    return FiscalYear.objects.annotate(total_won=Subquery(root.values("amount_won")[:1])).order_by(
        "-year"
    )


def fiscal_year_latest() -> FiscalYear | None:
    """The latest fiscal year loaded, or ``None`` when none is."""
    return fiscal_year_list().first()


def fiscal_year_get(year: int) -> FiscalYear | None:
    return FiscalYear.objects.filter(year=year).first()


def pick_fiscal_year(years: Sequence[FiscalYear], day: date) -> FiscalYear | None:
    """The budget year a date is read in: the fiscal year of ``day`` when it is loaded, else the
    latest loaded year before it, else the earliest loaded year; ``None`` when none is. Boards,
    exports and stored statuses default to it."""
    before = [y for y in years if y.year <= day.year]
    if before:
        return max(before, key=lambda y: y.year)
    return min(years, key=lambda y: y.year, default=None)


def fiscal_year_of(day: date) -> FiscalYear | None:
    """:func:`pick_fiscal_year` among the loaded years (one query)."""
    return pick_fiscal_year(list(FiscalYear.objects.all()), day)


def program_allocations(program: Program) -> list[BudgetNode]:
    """The programme's node in every fiscal year that funds it, the earliest year first (one
    query)."""
    return list(
        BudgetNode.objects.filter(program=program)
        .select_related("fiscal_year")
        .order_by("fiscal_year__year")
    )


def program_allocation(program: Program, year: int) -> int | None:
    """The programme's allocation in ``year`` (won), or ``None`` when that year does not fund it
    (one query)."""
    return (
        BudgetNode.objects.filter(program=program, fiscal_year__year=year)
        .values_list("amount_won", flat=True)
        .first()
    )


def _program_of(node: BudgetNode) -> Program | None:
    """The node's programme, or ``None``."""
    return node.program if node.program_id else None


@dataclass
class TreeRow:
    """One node of the tree with what the pages show about it."""

    node: BudgetNode
    level: int
    parent: BudgetNode | None
    program: Program | None
    kpi_count: int
    children_count: int
    share_of_parent: Decimal | None
    share_of_total: Decimal | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def amount_won(self) -> int:
        return self.node.amount_won


@dataclass
class FindingRow:
    """A reconciliation finding with the node it concerns (for names and links)."""

    finding: Finding
    node: BudgetNode


@dataclass
class TreeSection:
    """A child of a root (a pillar) and every node beneath it, in tree order."""

    head: TreeRow
    rows: list[TreeRow]


@dataclass
class BudgetTree:
    """The nodes of a fiscal year in tree order (depth first, siblings by position then code)."""

    fiscal_year: FiscalYear
    rows: list[TreeRow]
    findings: list[Finding]
    total_won: int

    def __iter__(self) -> Iterator[TreeRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def roots(self) -> list[TreeRow]:
        return [row for row in self.rows if row.parent is None]

    @property
    def pillars(self) -> list[TreeRow]:
        """The children of the roots: what the pillar chart shows."""
        root_ids = {row.node.pk for row in self.roots}
        return [row for row in self.rows if row.parent is not None and row.parent.pk in root_ids]

    def sections(self, root: TreeRow) -> list[TreeSection]:
        """Each child of ``root`` with its descendants (rows in tree order)."""
        result: list[TreeSection] = []
        current: TreeSection | None = None
        start = self.rows.index(root)
        for row in self.rows[start + 1 :]:
            if row.level <= root.level:
                break
            if row.level == root.level + 1:
                current = TreeSection(head=row, rows=[])
                result.append(current)
            elif current is not None:
                current.rows.append(row)
        return result

    @property
    def finding_rows(self) -> list[FindingRow]:
        """Every finding of the year, in tree order, with its node."""
        return [FindingRow(finding, row.node) for row in self.rows for finding in row.findings]

    @property
    def program_count(self) -> int:
        return sum(1 for row in self.rows if row.program is not None)


def _tree_order(nodes: Sequence[BudgetNode]) -> list[tuple[BudgetNode, int]]:
    """Depth-first order with levels, siblings by (position, code); orphans of a broken parent
    link are appended as roots rather than lost."""
    children: dict[int | None, list[BudgetNode]] = defaultdict(list)
    ids = {node.pk for node in nodes}
    for node in nodes:
        parent_id = node.parent_id if node.parent_id in ids else None
        children[parent_id].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.position, n.code))
    ordered: list[tuple[BudgetNode, int]] = []
    stack: list[tuple[BudgetNode, int]] = [(n, 0) for n in reversed(children[None])]
    while stack:
        node, level = stack.pop()
        ordered.append((node, level))
        stack.extend((child, level + 1) for child in reversed(children[node.pk]))
    return ordered


def budget_tree(fiscal_year: FiscalYear) -> BudgetTree:
    """Every node of the year in tree order, with programme, ministry, KPI count, shares and
    reconciliation findings. Three queries."""
    nodes: list[BudgetNode] = list(
        BudgetNode.objects.filter(fiscal_year=fiscal_year)
        .select_related("program__ministry")
        .annotate(kpi_count=Count("program__kpis"))
    )
    by_id = {node.pk: node for node in nodes}
    child_counts: dict[int, int] = defaultdict(int)
    for node in nodes:
        if node.parent_id is not None:
            child_counts[node.parent_id] += 1
    total = sum(node.amount_won for node in nodes if node.parent_id not in by_id)

    findings = reconcile_fiscal_year(fiscal_year)
    findings_by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        findings_by_code[finding.code].append(finding)

    rows: list[TreeRow] = []
    for node, level in _tree_order(nodes):
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        rows.append(
            TreeRow(
                node=node,
                level=level,
                parent=parent,
                program=_program_of(node),
                kpi_count=getattr(node, "kpi_count", 0),
                children_count=child_counts[node.pk],
                share_of_parent=share_of(node.amount_won, parent.amount_won) if parent else None,
                share_of_total=share_of(node.amount_won, total),
                findings=findings_by_code.get(node.code, []),
            )
        )
    return BudgetTree(fiscal_year=fiscal_year, rows=rows, findings=findings, total_won=total)


@dataclass
class Crumb:
    code: str
    name: str
    name_ko: str


@dataclass
class ChildRow:
    node: BudgetNode
    program: Program | None
    share_of_parent: Decimal | None
    share_of_total: Decimal | None
    findings: list[Finding]


@dataclass
class NodeDetail:
    """One node and everything the node page shows about it."""

    fiscal_year: FiscalYear
    node: BudgetNode
    parent: BudgetNode | None
    ancestors: list[Crumb]  # root first, the node itself excluded
    program: Program | None
    conflicts: list[BudgetConflict]
    children: list[ChildRow]
    kpis: list[KPI]
    findings: list[Finding]
    share_of_parent: Decimal | None
    share_of_total: Decimal | None
    total_won: int

    @property
    def finding_rows(self) -> list[FindingRow]:
        return [FindingRow(finding, self.node) for finding in self.findings]

    @property
    def children_sum_won(self) -> int:
        return sum(child.node.amount_won for child in self.children)


def budget_node_detail(fiscal_year: FiscalYear, code: str) -> NodeDetail | None:
    """The node of the year with this code, or ``None``. Eight queries (seven without KPIs)."""
    node = (
        BudgetNode.objects.filter(fiscal_year=fiscal_year, code=code)
        .select_related("parent", "program__ministry")
        .prefetch_related(
            Prefetch("conflicts", queryset=BudgetConflict.objects.order_by("position", "id")),
        )
        .first()
    )
    if node is None:
        return None

    light = {
        row["id"]: row
        for row in BudgetNode.objects.filter(fiscal_year=fiscal_year).values(
            "id", "parent_id", "code", "name", "name_ko", "amount_won"
        )
    }
    total = sum(row["amount_won"] for row in light.values() if row["parent_id"] not in light)
    ancestors: list[Crumb] = []
    seen: set[int] = {node.pk}
    parent_id = node.parent_id
    while parent_id is not None and parent_id in light and parent_id not in seen:
        seen.add(parent_id)
        row = light[parent_id]
        ancestors.append(Crumb(code=row["code"], name=row["name"], name_ko=row["name_ko"]))
        parent_id = row["parent_id"]
    ancestors.reverse()

    program = _program_of(node)
    kpis = list(
        KPI.objects.filter(program=program)
        .order_by("position", "code")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("date")))
    )

    findings = reconcile_fiscal_year(fiscal_year)
    findings_by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        findings_by_code[finding.code].append(finding)

    children = [
        ChildRow(
            node=child,
            program=_program_of(child),
            share_of_parent=share_of(child.amount_won, node.amount_won),
            share_of_total=share_of(child.amount_won, total),
            findings=findings_by_code.get(child.code, []),
        )
        for child in BudgetNode.objects.filter(parent=node)
        .select_related("program__ministry")
        .order_by("position", "code")
    ]
    parent = node.parent
    return NodeDetail(
        fiscal_year=fiscal_year,
        node=node,
        parent=parent,
        ancestors=ancestors,
        program=program,
        conflicts=list(node.conflicts.all()),
        children=children,
        kpis=kpis,
        findings=findings_by_code.get(node.code, []),
        share_of_parent=share_of(node.amount_won, parent.amount_won) if parent else None,
        share_of_total=share_of(node.amount_won, total),
        total_won=total,
    )
