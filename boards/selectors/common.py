"""What every board page reads: the display order of statuses, the budget tree above the
programmes, the fiscal years, the ministries, the stored as-of dates, and the subtree and
classification filters. What does not change from request to request is cached under a version
of the data that every write moves on (``boards.cache``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from boards.cache import cached
from budget.models import BudgetNode, FiscalYear, Ministry
from budget.reconciliation import Coverage, CoverageFact, programme_coverage
from status.models import ProgramStatus, Status
from status.rules import program_own_amounts
from status.selectors_board import board_dates

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


# Display order: the worst first. A presentation order, not a rule.
STATUS_ORDER: tuple[str, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.NO_DATA,
    Status.ON_TRACK,
    Status.ACHIEVED,
    Status.NOT_STARTED,
    Status.NO_KPI,
)
SEVERITY = {status: rank for rank, status in enumerate(STATUS_ORDER)}
ATTENTION_STATUSES = (Status.OFF_TRACK, Status.AT_RISK, Status.NO_DATA)
GOOD_STATUSES = (Status.ON_TRACK, Status.ACHIEVED)
ATTENTION_LIMIT = 20


@dataclass
class Tree:
    """The nodes of a fiscal year above the programmes (depth 0-2), by path."""

    root: BudgetNode | None
    pillars: list[BudgetNode]
    areas: list[BudgetNode]
    by_path: dict[str, BudgetNode]

    def ancestor(self, path: str, depth: int) -> BudgetNode | None:
        parts = path.split("/")
        if len(parts) <= depth:
            return None
        return self.by_path.get("/".join(parts[: depth + 1]))

    def pillar_of(self, path: str) -> BudgetNode | None:
        return self.ancestor(path, 1)

    def add_ancestors(self, nodes: Iterable[BudgetNode]) -> None:
        """Load the ancestors below depth 2 of these nodes that are not loaded yet (one query,
        none when every node hangs from an area)."""
        missing: set[str] = set()
        fiscal_year_id = None
        for node in nodes:
            fiscal_year_id = node.fiscal_year_id
            parts = node.path.split("/")
            for end in range(4, len(parts)):
                prefix = "/".join(parts[:end])
                if prefix not in self.by_path:
                    missing.add(prefix)
        if missing:
            for ancestor in BudgetNode.objects.filter(
                fiscal_year_id=fiscal_year_id, path__in=sorted(missing)
            ):
                self.by_path[ancestor.path] = ancestor

    def classification(self, node: BudgetNode, field_name: str) -> str:
        """The node's ``cofog`` / ``ai_component``, else its nearest classified ancestor's
        ("" when none is): as :func:`effective_classification` does in SQL."""
        value = getattr(node, field_name, "")
        parts = node.path.split("/")
        while not value and len(parts) > 1:
            parts.pop()
            ancestor = self.by_path.get("/".join(parts))
            value = getattr(ancestor, field_name, "") if ancestor else ""
        return str(value or "")

    def area_of(self, path: str) -> BudgetNode | None:
        return self.ancestor(path, 2)


# The nodes of depth 0-2 of a fiscal year (a node's depth is its number of ancestors): the root,
# its children and theirs, found down the parent links (index scans on ``parent_id``) rather than
# by reading every node of the year for its depth.
TREE_SQL = """
SELECT n.* FROM budget_budgetnode n
 WHERE n.fiscal_year_id = %(year)s AND n.parent_id IS NULL AND n.depth <= 2
UNION ALL
SELECT c.* FROM budget_budgetnode r JOIN budget_budgetnode c ON c.parent_id = r.id
 WHERE r.fiscal_year_id = %(year)s AND r.parent_id IS NULL AND c.depth <= 2
UNION ALL
SELECT g.* FROM budget_budgetnode r JOIN budget_budgetnode c ON c.parent_id = r.id
  JOIN budget_budgetnode g ON g.parent_id = c.id
 WHERE r.fiscal_year_id = %(year)s AND r.parent_id IS NULL AND g.depth <= 2
ORDER BY path
"""


def board_tree(fiscal_year: FiscalYear) -> Tree:
    """Root, pillars and areas (depth 0-2), in one query, cached (``boards.cache``: each read
    gets its own copy, which :meth:`Tree.add_ancestors` may extend). Deeper ancestors (of
    programmes nested in programmes) are added by :meth:`Tree.add_ancestors` for the rows
    shown."""

    def compute() -> Tree:
        nodes = list(BudgetNode.objects.raw(TREE_SQL, {"year": fiscal_year.pk}))
        return Tree(
            root=next((n for n in nodes if n.depth == 0), None),
            pillars=[n for n in nodes if n.depth == 1],
            areas=[n for n in nodes if n.depth == 2],
            by_path={n.path: n for n in nodes},
        )

    return cached("tree", fiscal_year.pk, compute)


def fiscal_years() -> list[FiscalYear]:
    """Every fiscal year, the latest first (one query, cached: ``boards.cache``)."""
    return cached("fiscal_years", None, lambda: list(FiscalYear.objects.order_by("-year")))


def ministries() -> list[Ministry]:
    """Every ministry, by code (one query, cached: ``boards.cache``)."""
    return cached("ministries", None, lambda: list(Ministry.objects.order_by("code")))


def as_of_dates(limit: int = 60) -> list[date]:
    """The as-of dates with stored results, newest first (``status.selectors_board.board_dates``,
    cached: ``boards.cache``)."""
    return cached("dates", limit, lambda: board_dates(limit))


def approvals_known_by(as_of: date, computed_at: datetime | None) -> date:
    """The date whose approvals the results of ``as_of`` counted: the statuses of a date count
    the approvals made by the time they were computed (on that day for the nightly results; today
    for a past date computed today), so the reporting figures beside them count the same ones."""
    if computed_at is None:
        return as_of
    return max(as_of, timezone.localdate(computed_at))


def own_amounts(fiscal_year: FiscalYear) -> dict[int, int]:
    """Programme id -> its own money: its allocation less that of the programmes within it
    (``status.rules.program_own_amounts``, the rule the node rollups count money by), so that a
    sum over programmes never counts a programme's money twice (one query, cached:
    ``boards.cache``)."""

    def compute() -> dict[int, int]:
        rows = list(
            BudgetNode.objects.filter(fiscal_year=fiscal_year, program__isnull=False).values_list(
                "program_id", "path", "amount_won"
            )
        )
        by_path = {path: pk for pk, path, _amount in rows}

        def parent(path: str) -> str | None:
            parts = path.split("/")[:-1]
            while parts:
                if "/".join(parts) in by_path:
                    return "/".join(parts)
                parts.pop()
            return None

        own = program_own_amounts(
            [(path, parent(path), amount, Status.NO_KPI) for _pk, path, amount in rows]
        )
        return {by_path[path]: won for path, won in own.items()}

    return cached("own_amounts", fiscal_year.pk, compute)


def coverage(fiscal_year: FiscalYear, node: BudgetNode) -> Coverage:
    """How the programmes' money at or beneath ``node`` compares with its stated amount
    (``budget.reconciliation.programme_coverage``, from the year's nodes in one query; the result
    cached: ``boards.cache``)."""

    def compute() -> Coverage:
        facts: list[CoverageFact] = [
            (code, parent, amount, program_id is not None)
            for code, parent, amount, program_id in BudgetNode.objects.filter(
                fiscal_year=fiscal_year
            )
            .order_by("path")
            .values_list("code", "parent__code", "amount_won", "program__id")
        ]
        return programme_coverage(facts, node.code)

    return cached("coverage", (fiscal_year.pk, node.code), compute)


def program_count(rows: QuerySet[ProgramStatus]) -> int:
    """How many rows ``rows`` has (one query, cached under its SQL: ``boards.cache``)."""
    counted = rows.order_by()
    try:
        sql, params = counted.query.sql_with_params()
    except EmptyResultSet:  # provably empty (a user who may see no programme): no query at all
        return 0
    return cached("count", (sql, params), counted.count)


def subtree_q(node: BudgetNode, prefix: str = "node__") -> Q:
    """Programmes at or beneath ``node`` (by materialised path)."""
    return Q(**{f"{prefix}path": node.path}) | Q(**{f"{prefix}path__startswith": node.path + "/"})


# Effective classification: the node's own, else its nearest ancestor's (up to four levels up).
CLASSIFICATION_LEVELS = 5


def effective_classification_q(field_name: str, value: str, prefix: str = "node__") -> Q:
    """Programmes whose node, or else its nearest classified ancestor, has ``field_name == value``
    (``value == ""``: unclassified at every level)."""
    if value == "":
        q = Q()
        for level in range(CLASSIFICATION_LEVELS):
            q &= Q(**{f"{prefix}{'parent__' * level}{field_name}": ""}) | Q(
                **{f"{prefix}{'parent__' * level}isnull": True}
            )
        return q
    q = Q(pk__in=[])
    blank = Q()
    for level in range(CLASSIFICATION_LEVELS):
        path = f"{prefix}{'parent__' * level}{field_name}"
        q |= blank & Q(**{path: value})
        blank &= Q(**{path: ""})
    return q


def effective_classification(field_name: str, prefix: str = "node__") -> Coalesce:
    return Coalesce(
        *[
            NullIf(F(f"{prefix}{'parent__' * level}{field_name}"), Value(""))
            for level in range(CLASSIFICATION_LEVELS)
        ],
        Value(""),
    )
