"""Reading a loaded fiscal year back as a budget file (docs/formats.md): the structure
``load_budget`` reads, leaving out optional keys whose value is the loader's default, so load ->
export -> load changes nothing. :func:`budget.io.dump_budget` writes it as YAML or JSON."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from budget.models import BudgetConflict, BudgetNode, FiscalYear, Ministry
from kpis.models import KPI, Milestone
from programs.models import Program
from programs.periods import DEFAULT_GRACE_DAYS


def by_key(items: Iterable[Any], key: str) -> dict[Any, list[Any]]:
    """Items grouped by an attribute."""
    result: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        result[getattr(item, key)].append(item)
    return result


def exact_number(value: Decimal) -> int | Decimal:
    """A stored decimal as the file writes it: ``10000.0000`` -> ``10000``, ``0.9000`` ->
    ``Decimal("0.9")``."""
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def budget_export(*, fiscal_year: FiscalYear) -> dict[str, Any]:
    """The fiscal year as the budget file of docs/formats.md (6 queries).

    Optional keys are left out where they hold what the loader assumes when they are missing
    (empty text, no conflicts / children / milestones, ``owner_assumed: false``,
    ``grace_days: 30``, no thresholds); a programme's ``kpis`` list is always written, even
    empty. Dates are ``date`` objects; numbers are ``int`` where
    whole, else exact ``Decimal``. Ministries are every ministry known, in the order they were
    first loaded (ministries are shared between years). :func:`budget.io.dump_budget` writes
    the result as YAML or JSON.
    """
    ministries = [
        _compact({"code": m.code, "name": m.name, "name_ko": m.name_ko})
        for m in Ministry.objects.order_by("pk")
    ]
    nodes = list(BudgetNode.objects.filter(fiscal_year=fiscal_year).order_by("position", "pk"))
    children: dict[int | None, list[BudgetNode]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    conflicts = by_key(
        BudgetConflict.objects.filter(node__fiscal_year=fiscal_year).order_by("position", "pk"),
        "node_id",
    )
    program_ids = [node.program_id for node in nodes if node.program_id]
    programs = Program.objects.select_related("ministry").in_bulk(program_ids)
    kpis = by_key(
        KPI.objects.filter(program_id__in=program_ids).order_by("position", "pk"),
        "program_id",
    )
    milestones = by_key(
        Milestone.objects.filter(kpi__program_id__in=program_ids).order_by("date", "pk"),
        "kpi_id",
    )

    def export_kpi(kpi: KPI) -> dict[str, Any]:
        thresholds = _compact(
            {
                "on_track": _optional_number(kpi.on_track_threshold),
                "at_risk": _optional_number(kpi.at_risk_threshold),
            }
        )
        return _compact(
            {
                "code": kpi.code,
                "name": kpi.name,
                "name_ko": kpi.name_ko,
                "unit": kpi.unit,
                "kind": kpi.kind,
                "direction": kpi.direction,
                "baseline": exact_number(kpi.baseline),
                "target": exact_number(kpi.target),
                "target_text": kpi.target_text,
                "target_date": kpi.target_date,
                "grace_days": None if kpi.grace_days == DEFAULT_GRACE_DAYS else kpi.grace_days,
                "thresholds": thresholds,
                "milestones": [
                    {"date": m.date, "value": exact_number(m.value)}
                    for m in milestones.get(kpi.pk, [])
                ],
                "source_text": kpi.source_text,
            },
            keep=("baseline", "target"),
        )

    def export_program(program: Program) -> dict[str, Any]:
        return _compact(
            {
                "ministry": program.ministry.code,
                "owner_assumed": program.owner_assumed or None,
                "start": program.start,
                "end": program.end,
                "frequency": program.frequency,
                "kpis": [export_kpi(kpi) for kpi in kpis.get(program.pk, [])],
            },
            keep=("kpis",),
        )

    def export_node(node: BudgetNode) -> dict[str, Any]:
        program = programs.get(node.program_id) if node.program_id else None
        return _compact(
            {
                "code": node.code,
                "name": node.name,
                "name_ko": node.name_ko,
                "amount_won": node.amount_won,
                "source_text": node.source_text,
                "conflicts": [
                    _compact({"amount_won": c.amount_won, "source_text": c.source_text})
                    for c in conflicts.get(node.pk, [])
                ],
                "cofog": node.cofog,
                "ai_component": node.ai_component,
                "children": [export_node(child) for child in children.get(node.pk, [])],
                "program": export_program(program) if program else None,
            },
            keep=("amount_won",),
        )

    return _compact(
        {
            "fiscal_year": fiscal_year.year,
            "currency": fiscal_year.currency,
            "title": fiscal_year.title,
            "title_ko": fiscal_year.title_ko,
            "ministries": ministries,
            "nodes": [export_node(node) for node in children.get(None, [])],
        },
        keep=("ministries", "nodes"),
    )


def _optional_number(value: Decimal | None) -> int | Decimal | None:
    return None if value is None else exact_number(value)


def _compact(values: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """``values`` without the keys whose value is empty (``""``, ``None``, ``[]``, ``{}``)."""
    kept = set(keep)
    return {
        key: value
        for key, value in values.items()
        if key in kept or value not in ("", None, [], {})
    }
