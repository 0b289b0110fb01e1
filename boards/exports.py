"""CSV and xlsx export of exactly the filtered programme rows (audit/exporting.py writes the
files, neutralising cells a spreadsheet would run as formulas)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from boards.selectors import Tree
from budget.models import COFOG, AIComponent
from status.models import ProgramStatus, Status

# The machine keys of the columns (``export_board`` and the API use keys like these).
EXPORT_COLUMNS = [
    "as_of",
    "code",
    "name",
    "name_ko",
    "pillar",
    "area",
    "ministry",
    "status",
    "allocated_won",
    "executed_won",
    "execution_rate",
    "expected_share",
    "budget_status",
    "over_executed",
    "overdue",
    "forecast_miss",
    "cofog",
    "ai_component",
    "explanation",
    "budget_explanation",
]
# What a person reads as each column's header, in the request's language.
COLUMN_LABELS = {
    "as_of": _("As of"),
    "code": _("Code"),
    "name": _("Name (English)"),
    "name_ko": _("Name (Korean)"),
    "pillar": _("Pillar"),
    "area": _("Area"),
    "ministry": _("Ministry"),
    "status": _("Status"),
    "allocated_won": _("Allocated (won)"),
    "executed_won": _("Executed (won)"),
    "execution_rate": _("Execution rate"),
    "expected_share": _("Expected share by now"),
    "budget_status": _("Budget status"),
    "over_executed": _("Over-executed"),
    "overdue": _("Overdue"),
    "forecast_miss": _("Forecast to miss"),
    "cofog": _("COFOG"),
    "ai_component": _("AI component"),
    "explanation": _("Why"),
    "budget_explanation": _("Budget execution"),
}
# xlsx number formats and widths (characters) per column.
COLUMN_FORMATS = {
    "allocated_won": "#,##0",
    "executed_won": "#,##0",
    "execution_rate": "0.0%",
    "expected_share": "0.0%",
}
COLUMN_WIDTHS = {"name": 40, "name_ko": 30, "explanation": 60, "budget_explanation": 60}


def export_header() -> list[str]:
    return [str(COLUMN_LABELS[key]) for key in EXPORT_COLUMNS]


def export_formats() -> list[str | None]:
    return [COLUMN_FORMATS.get(key) for key in EXPORT_COLUMNS]


def export_widths() -> list[int | None]:
    return [COLUMN_WIDTHS.get(key) for key in EXPORT_COLUMNS]


def _ratio(value: Any) -> float | None:
    return None if value is None else float(value)


def _status(code: str) -> str:
    try:
        return str(Status(code).label)
    except ValueError:
        return code


def _yes_no(flag: bool) -> str:
    return str(_("Yes") if flag else _("No"))


def export_rows(rows: Iterable[ProgramStatus], *, tree: Tree, language: str) -> Iterator[list[Any]]:
    """People's rows: status words and yes/no in the active language, amounts as exact numbers."""
    labels = {code: str(label) for code, label in COFOG.choices}
    components = {code: str(label) for code, label in AIComponent.choices}
    for r in rows:
        node = r.node
        assert node is not None  # the table lists the programmes the year funds
        pillar = getattr(r, "pillar_node", None)
        area = getattr(r, "area_node", None)
        explanation = r.explanation(language)
        cofog = getattr(r, "cofog_value", "") or ""
        component = getattr(r, "component_value", "") or ""
        yield [
            r.as_of.isoformat(),
            node.code,
            node.name,
            node.name_ko,
            pillar.code if pillar else "",
            area.code if area else "",
            r.program.ministry.code,
            _status(r.status),
            r.allocated_won,
            r.executed_won,
            _ratio(r.execution_rate),
            _ratio(r.expected_share),
            _status(r.budget_status) if r.budget_status else "",
            _yes_no(r.over_executed),
            _yes_no(getattr(r, "any_overdue", False) or r.status == "no_data"),
            _yes_no(getattr(r, "any_forecast_miss", False)),
            f"{cofog} {labels[cofog]}" if cofog in labels else cofog,
            components.get(component, component),
            explanation,
            r.budget_explanation(language),
        ]
