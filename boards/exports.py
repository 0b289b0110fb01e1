"""CSV and xlsx export of exactly the filtered programme rows (audit/exporting.py writes the
files, neutralising cells a spreadsheet would run as formulas)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from boards.selectors import Tree
from status.models import ProgramStatus

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


def _ratio(value: Any) -> float | None:
    return None if value is None else float(value)


def export_rows(rows: Iterable[ProgramStatus], *, tree: Tree, language: str) -> Iterator[list[Any]]:
    for r in rows:
        node = r.program.node
        pillar = getattr(r, "pillar_node", None)
        area = getattr(r, "area_node", None)
        explanation = r.explanation(language)
        yield [
            r.as_of.isoformat(),
            node.code,
            node.name,
            node.name_ko,
            pillar.code if pillar else "",
            area.code if area else "",
            r.program.ministry.code,
            r.status,
            r.allocated_won,
            r.executed_won,
            _ratio(r.execution_rate),
            _ratio(r.expected_share),
            r.budget_status,
            "true" if r.over_executed else "false",
            "true" if getattr(r, "any_overdue", False) or r.status == "no_data" else "false",
            "true" if getattr(r, "any_forecast_miss", False) else "false",
            getattr(r, "cofog_value", ""),
            getattr(r, "component_value", ""),
            explanation,
            r.budget_explanation(language),
        ]
