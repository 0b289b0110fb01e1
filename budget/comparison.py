"""Two fiscal years side by side: one row per node code found in either year (docs/formats.md,
``compare_budget``). Read-only; two queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from budget.models import BudgetNode, FiscalYear

# Ratios as decimals, six places (0.535 is 53.5 %).
_RATIO_PLACES = Decimal("0.000001")


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ComparisonRow:
    code: str
    name: str
    name_ko: str
    depth: int
    is_program: bool
    amount_year1_won: int | None
    amount_year2_won: int | None

    @property
    def change_won(self) -> int:
        """Year 2 less year 1 (an absent amount counts as 0)."""
        return (self.amount_year2_won or 0) - (self.amount_year1_won or 0)

    @property
    def change_ratio(self) -> Decimal | None:
        """The change as a share of year 1; ``None`` where year 1 is absent or 0."""
        if not self.amount_year1_won:
            return None
        return (Decimal(self.change_won) / Decimal(self.amount_year1_won)).quantize(_RATIO_PLACES)

    @property
    def change(self) -> Change:
        if self.amount_year1_won is None:
            return Change.ADDED
        if self.amount_year2_won is None:
            return Change.REMOVED
        if self.amount_year1_won != self.amount_year2_won:
            return Change.CHANGED
        return Change.UNCHANGED

    def as_dict(self) -> dict[str, Any]:
        """The row as the JSON of ``compare_budget`` writes it."""
        ratio = self.change_ratio
        return {
            "code": self.code,
            "name": self.name,
            "amount_year1_won": self.amount_year1_won,
            "amount_year2_won": self.amount_year2_won,
            "change_won": self.change_won,
            "change_ratio": float(ratio) if ratio is not None else None,
            "change": self.change.value,
        }


CSV_COLUMNS = [
    "code",
    "name",
    "amount_year1_won",
    "amount_year2_won",
    "change_won",
    "change_ratio",
    "change",
]


def compare_years(year1: FiscalYear, year2: FiscalYear) -> list[ComparisonRow]:
    """Every node code of either year: year 2's nodes in its tree order, then the nodes only
    year 1 has, in year 1's tree order. Names are year 2's where it has the node."""

    def nodes(year: FiscalYear) -> list[BudgetNode]:
        return list(
            BudgetNode.objects.filter(fiscal_year=year)
            .only("code", "name", "name_ko", "depth", "amount_won", "program_id", "path")
            .order_by("path", "pk")
        )

    first = {node.code: node for node in nodes(year1)}
    rows = []
    seen = set()
    for node in nodes(year2):
        before = first.get(node.code)
        seen.add(node.code)
        rows.append(
            ComparisonRow(
                code=node.code,
                name=node.name,
                name_ko=node.name_ko,
                depth=node.depth,
                is_program=node.program_id is not None,
                amount_year1_won=before.amount_won if before else None,
                amount_year2_won=node.amount_won,
            )
        )
    for code, node in first.items():
        if code not in seen:
            rows.append(
                ComparisonRow(
                    code=code,
                    name=node.name,
                    name_ko=node.name_ko,
                    depth=node.depth,
                    is_program=node.program_id is not None,
                    amount_year1_won=node.amount_won,
                    amount_year2_won=None,
                )
            )
    return rows


def comparison_data(year1: FiscalYear, year2: FiscalYear) -> dict[str, Any]:
    """The JSON of ``compare_budget``: ``{"year1", "year2", "rows": [...]}``."""
    return {
        "year1": year1.year,
        "year2": year2.year,
        "rows": [row.as_dict() for row in compare_years(year1, year2)],
    }


class ComparisonYearError(ValueError):
    """A year to compare is not a loaded fiscal year (the message says which and lists them);
    ``field``: the parameter at fault ("year1" or "year2")."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def comparison_years(
    years: list[FiscalYear], year1: str | int | None, year2: str | int | None
) -> tuple[FiscalYear, FiscalYear]:
    """The two fiscal years to compare among the loaded ``years`` (any order): those asked for,
    each defaulting to one of the two latest years (year 1 the earlier). Raises
    :class:`ComparisonYearError` when a year asked for is not loaded, or fewer than two years
    are loaded and one is missing."""
    by_year = {str(y.year): y for y in years}
    latest = sorted(years, key=lambda y: y.year)[-2:]
    loaded = ", ".join(str(y.year) for y in sorted(years, key=lambda y: y.year)) or "-"
    picked: list[FiscalYear] = []
    for key, raw, default_index in (("year1", year1, 0), ("year2", year2, 1)):
        text = "" if raw is None else str(raw).strip()
        if text:
            year = by_year.get(text)
            if year is None:
                raise ComparisonYearError(
                    _("%(field)s: fiscal year %(year)s is not loaded (loaded: %(loaded)s).")
                    % {"field": key, "year": text[:10], "loaded": loaded},
                    field=key,
                )
        elif len(latest) == 2:
            year = latest[default_index]
        else:
            raise ComparisonYearError(
                _("Two fiscal years are needed to compare (loaded: %(loaded)s).")
                % {"loaded": loaded},
                field=key,
            )
        picked.append(year)
    return picked[0], picked[1]
