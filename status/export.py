"""The board export (docs/formats.md), from the stored rows.

JSON: ``{"as_of", "nodes": [...], "programs": [...]}``.

- ``nodes``: every budget node that is not itself a programme (total, pillars, areas), in tree
  order, with ``code``, ``name``, ``name_ko``, ``amount_won``, ``share_of_parent`` (null for a
  root), ``share_of_total`` (of its tree's root), ``status``, ``status_counts`` (every status ->
  number of programmes beneath) and ``amount_by_status`` (every status -> won).
- ``programs``: ``code``, ``name``, ``name_ko``, ``ministry`` (code), ``start``, ``end``,
  ``status``, ``budget`` {``allocated_won``, ``executed_won``, ``execution_rate``,
  ``expected_share``, ``status``, ``over_executed``} and ``kpis``: ``code``, ``name``, ``name_ko``,
  ``unit``, ``kind``, ``status``, ``actual``, ``expected``, ``ratio``, ``target``, ``target_date``,
  ``assessed_at``, ``overdue``, ``forecast_value``, ``forecast_date``, ``forecast_miss``.

Dates are ISO 8601, ratios and shares decimals (0.535, not 53.5; 6 places at most), statuses
the lower-case words of the status rules, amounts whole won, KPI numbers as numbers (integers when
whole); missing values are null. ``name`` is the English name; ``name_ko`` is the Korean one
(may be "").

CSV (UTF-8, header row, comma-separated): one row per KPI, its programme's columns repeated on
each; a programme with no KPI gets one row with empty KPI columns. Columns, in order:
``CSV_COLUMNS`` below. Booleans are ``true``/``false``; missing values are empty.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from typing import IO, Any

from ops.cells import neutralize_cell
from status.models import NodeStatus, Status
from status.selectors import Board

CSV_COLUMNS = [
    "as_of",
    "program_code",
    "program_name",
    "ministry",
    "program_start",
    "program_end",
    "program_status",
    "allocated_won",
    "executed_won",
    "execution_rate",
    "expected_share",
    "budget_status",
    "over_executed",
    "kpi_code",
    "kpi_name",
    "unit",
    "kind",
    "kpi_status",
    "actual",
    "expected",
    "ratio",
    "target",
    "target_date",
    "assessed_at",
    "overdue",
    "forecast_value",
    "forecast_date",
    "forecast_miss",
]

_SHARE_Q = Decimal("0.000001")


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(_SHARE_Q))


def _share(part: int, whole: int | None) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(_SHARE_Q))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _all_statuses(counts: dict[str, Any]) -> dict[str, Any]:
    return {s.value: counts.get(s.value, 0) for s in Status}


def board_export_data(board: Board) -> dict[str, Any]:
    node_rows: list[NodeStatus] = list(board.nodes)
    by_id = {row.node_id: row.node for row in node_rows}
    nodes = []
    for row in node_rows:
        node = row.node
        root = node
        while root.parent_id is not None and root.parent_id in by_id:
            root = by_id[root.parent_id]
        nodes.append(
            {
                "code": node.code,
                "name": node.name,
                "name_ko": node.name_ko,
                "amount_won": node.amount_won,
                "share_of_parent": _share(node.amount_won, node.parent.amount_won)
                if node.parent
                else None,
                "share_of_total": _share(node.amount_won, root.amount_won),
                "status": row.status,
                "status_counts": _all_statuses(row.status_counts),
                "amount_by_status": _all_statuses(row.amount_by_status),
            }
        )
    kpis = board.kpis_by_program()
    programs = []
    for prow in board.programs:
        program = prow.program
        programs.append(
            {
                "code": program.code,
                "name": program.name,
                "name_ko": program.name_ko,
                "ministry": program.ministry.code,
                "start": _iso(program.start),
                "end": _iso(program.end),
                "status": prow.status,
                "budget": None
                if prow.node_id is None
                else {
                    "allocated_won": prow.allocated_won,
                    "executed_won": prow.executed_won,
                    "execution_rate": _ratio(prow.execution_rate),
                    "expected_share": _ratio(prow.expected_share),
                    "status": prow.budget_status,
                    "over_executed": prow.over_executed,
                },
                "kpis": [
                    {
                        "code": k.kpi.code,
                        "name": k.kpi.name,
                        "name_ko": k.kpi.name_ko,
                        "unit": k.kpi.unit,
                        "kind": k.kpi.kind,
                        "status": k.status,
                        "actual": _number(k.actual),
                        "expected": _number(k.expected),
                        "ratio": _ratio(k.ratio),
                        "target": _number(k.target if k.target is not None else k.kpi.target),
                        "target_date": _iso(k.target_date or k.kpi.target_date),
                        "assessed_at": _iso(k.assessed_at),
                        "overdue": k.overdue,
                        "forecast_value": _number(k.forecast_value),
                        "forecast_date": _iso(k.forecast_date),
                        "forecast_miss": k.forecast_miss,
                    }
                    for k in kpis.get(program.id, [])
                ],
            }
        )
    out: dict[str, Any] = {"as_of": board.as_of.isoformat()}
    if board.fiscal_year is not None:
        out["fiscal_year"] = board.fiscal_year.year
    return {**out, "nodes": nodes, "programs": programs}


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralize_cell(value)  # no live formula in a CSV cell (ops/cells.py)


def board_export_csv(data: dict[str, Any], out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in data["programs"]:
        budget = p["budget"] or {}
        head = [
            data["as_of"],
            p["code"],
            p["name"],
            p["ministry"],
            p["start"],
            p["end"],
            p["status"],
            budget.get("allocated_won"),
            budget.get("executed_won"),
            budget.get("execution_rate"),
            budget.get("expected_share"),
            budget.get("status"),
            budget.get("over_executed"),
        ]
        if not p["kpis"]:
            writer.writerow([_cell(v) for v in head] + [""] * (len(CSV_COLUMNS) - len(head)))
        for k in p["kpis"]:
            tail = [
                k["code"],
                k["name"],
                k["unit"],
                k["kind"],
                k["status"],
                k["actual"],
                k["expected"],
                k["ratio"],
                k["target"],
                k["target_date"],
                k["assessed_at"],
                k["overdue"],
                k["forecast_value"],
                k["forecast_date"],
                k["forecast_miss"],
            ]
            writer.writerow([_cell(v) for v in head + tail])
