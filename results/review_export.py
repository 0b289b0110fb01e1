"""The budget review's lists as one table for CSV and xlsx (audit/exporting.py writes the files,
neutralising cells a spreadsheet would run as formulas): one row per programme or KPI of each
list, the list named in the first column, every figure exact (won, rates as ratios)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.formatting import localized_name
from results.review import ProgramPoint, Review

# The lists, in the order the page shows them, with their names.
LISTS = {
    "review_first": gettext_lazy("Low execution, low performance (review first)"),
    "high_low": gettext_lazy("High execution, low performance"),
    "without_kpi": gettext_lazy("Programmes without a KPI"),
    "no_values": gettext_lazy("KPIs without any approved value"),
    "under_target": gettext_lazy("Targets at or below last year's actual"),
    "unexecuted": gettext_lazy("Largest unexecuted balances"),
    "unit_cost": gettext_lazy("Cost per unit of result"),
}

COLUMNS = [
    "list",
    "program",
    "program_name",
    "ministry",
    "kpi",
    "kpi_name",
    "unit",
    "allocated_won",
    "executed_won",
    "execution_rate",
    "achievement",
    "unexecuted_won",
    "year_target",
    "previous_actual",
    "previous_result",
    "previous_won_per_unit",
    "result",
    "won_per_unit",
    "won_per_unit_change",
]
FORMATS = {
    "allocated_won": "#,##0",
    "executed_won": "#,##0",
    "unexecuted_won": "#,##0",
    "previous_won_per_unit": "#,##0",
    "won_per_unit": "#,##0",
    "execution_rate": "0.0%",
    "achievement": "0.0%",
    "won_per_unit_change": "0.0%",
}
WIDTHS = {"list": 36, "program_name": 40, "kpi_name": 40}


def header(year: int) -> list[str]:
    labels = {
        "list": _("List"),
        "program": _("Programme code"),
        "program_name": _("Programme"),
        "ministry": _("Ministry"),
        "kpi": _("KPI code"),
        "kpi_name": _("KPI"),
        "unit": _("Unit"),
        "allocated_won": _("Allocated (won)"),
        "executed_won": _("Executed (won)"),
        "execution_rate": _("Execution rate"),
        "achievement": _("Mean achievement rate"),
        "unexecuted_won": _("Unexecuted (won)"),
        "year_target": _("Year target"),
        "previous_actual": _("Actual %(year)s") % {"year": year - 1},
        "previous_result": _("Result %(year)s") % {"year": year - 1},
        "previous_won_per_unit": _("Won per unit %(year)s") % {"year": year - 1},
        "result": _("Result %(year)s") % {"year": year},
        "won_per_unit": _("Won per unit %(year)s") % {"year": year},
        "won_per_unit_change": _("Change in won per unit"),
    }
    return [str(labels[c]) for c in COLUMNS]


def formats() -> list[str | None]:
    return [FORMATS.get(c) for c in COLUMNS]


def widths() -> list[int | None]:
    return [WIDTHS.get(c) for c in COLUMNS]


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _row(list_key: str, **cells: Any) -> list[Any]:
    cells["list"] = str(LISTS[list_key])
    return [cells.get(c) for c in COLUMNS]


def _program_cells(p: ProgramPoint, language: str) -> dict[str, Any]:
    return {
        "program": p.program.code,
        "program_name": localized_name(p.program.name, p.program.name_ko, language),
        "ministry": p.program.ministry.code,
        "allocated_won": p.allocated_won,
        "executed_won": p.executed_won,
        "execution_rate": _number(p.execution_rate),
        "achievement": _number(p.achievement),
        "unexecuted_won": p.unexecuted_won,
    }


def rows(review: Review, *, language: str) -> Iterator[list[Any]]:
    """Every list's rows, in the page's order."""

    def kpi_cells(program: Any, kpi: Any) -> dict[str, Any]:
        return {
            "program": program.code,
            "program_name": localized_name(program.name, program.name_ko, language),
            "ministry": program.ministry.code,
            "kpi": kpi.code,
            "kpi_name": localized_name(kpi.name, kpi.name_ko, language),
            "unit": kpi.unit,
        }

    programme_lists = (
        ("review_first", review.review_first),
        ("high_low", review.high_execution_low_performance),
        ("without_kpi", review.without_kpi),
    )
    for key, points in programme_lists:
        for p in points:
            yield _row(key, **_program_cells(p, language))
    for k in review.kpis_without_values:
        yield _row(
            "no_values",
            **kpi_cells(k.program, k.kpi),
            year_target=_number(k.year.year_target),
        )
    for u in review.targets_under_last_actual:
        yield _row(
            "under_target",
            **kpi_cells(u.program, u.kpi),
            year_target=_number(u.year_target),
            previous_actual=_number(u.previous_actual),
        )
    for p in review.unexecuted:
        yield _row("unexecuted", **_program_cells(p, language))
    for c in review.unit_costs:
        yield _row(
            "unit_cost",
            **kpi_cells(c.program, c.kpi),
            previous_result=_number(c.previous.result),
            previous_won_per_unit=_number(c.previous.won_per_unit),
            executed_won=c.current.executed_won,
            result=_number(c.current.result),
            won_per_unit=_number(c.current.won_per_unit),
            won_per_unit_change=_number(c.change_share),
        )
