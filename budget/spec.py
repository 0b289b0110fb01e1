"""A checked budget file as a typed tree: :func:`parse_budget` runs every check
(:func:`budget.checks.validate_budget`) and either raises :class:`BudgetFileError` with every error
found or returns a :class:`BudgetSpec` (dates as ``date``, numbers as exact ``Decimal``) for the
loader."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from budget.checks import _normalise, _to_decimal, validate_budget
from budget.schema import (
    PATH_WIDTH,
    BudgetFileError,
    PathParts,
    format_key_path,
)
from programs.periods import DEFAULT_GRACE_DAYS


@dataclass(frozen=True)
class MinistrySpec:
    code: str
    name: str
    name_ko: str
    key_path: str


@dataclass(frozen=True)
class ConflictSpec:
    amount_won: int
    source_text: str
    position: int


@dataclass(frozen=True)
class MilestoneSpec:
    date: datetime.date
    value: Decimal
    key_path: str


@dataclass(frozen=True)
class KPISpec:
    code: str
    name: str
    name_ko: str
    unit: str
    kind: str
    direction: str
    baseline: Decimal
    target: Decimal
    target_text: str
    target_date: datetime.date
    grace_days: int
    on_track_threshold: Decimal | None
    at_risk_threshold: Decimal | None
    source_text: str
    position: int
    milestones: tuple[MilestoneSpec, ...]
    key_path: str
    # ``revision: {reason, note}``: why a later file changes the target of a KPI with data.
    revision_reason: str = ""
    revision_note: str = ""


@dataclass(frozen=True)
class ProgramSpec:
    ministry: str
    owner_assumed: bool
    start: datetime.date
    end: datetime.date
    frequency: str
    kpis: tuple[KPISpec, ...]
    key_path: str


@dataclass(frozen=True)
class NodeSpec:
    code: str
    name: str
    name_ko: str
    amount_won: int
    source_text: str
    cofog: str
    ai_component: str
    conflicts: tuple[ConflictSpec, ...]
    program: ProgramSpec | None
    children: tuple[NodeSpec, ...]
    parent_code: str | None
    position: int
    depth: int
    path: str  # materialised path of zero-padded positions: "0000/0001/0003"
    key_path: str  # where it is in the file: "nodes[0].children[1]"


@dataclass(frozen=True)
class BudgetSpec:
    fiscal_year: int
    currency: str
    title: str
    title_ko: str
    ministries: tuple[MinistrySpec, ...]
    nodes: tuple[NodeSpec, ...] = field(default_factory=tuple)

    def walk(self) -> Iterator[NodeSpec]:
        """Every node, parents before children, in file (tree) order."""
        stack = list(reversed(self.nodes))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def node_path(parent_path: str | None, position: int) -> str:
    """The materialised path of a node: its ancestors' positions and its own, zero-padded, so that
    ordering by path gives tree order."""
    own = f"{position:0{PATH_WIDTH}d}"
    return f"{parent_path}/{own}" if parent_path else own


def parse_budget(data: object, *, source: str = "") -> BudgetSpec:
    """The budget file as a typed tree, or :class:`BudgetFileError` with every error found."""
    errors = validate_budget(data)
    if errors:
        raise BudgetFileError(errors, source=source)
    assert isinstance(data, Mapping)
    normalised = _normalise(data)
    return BudgetSpec(
        fiscal_year=normalised["fiscal_year"],
        currency=normalised["currency"],
        title=normalised["title"],
        title_ko=normalised.get("title_ko", ""),
        ministries=tuple(
            MinistrySpec(
                code=item["code"],
                name=item["name"],
                name_ko=item.get("name_ko", ""),
                key_path=format_key_path(("ministries", index)),
            )
            for index, item in enumerate(normalised["ministries"])
        ),
        nodes=tuple(
            _build_node(
                item,
                ("nodes", index),
                parent_code=None,
                parent_path=None,
                depth=0,
                position=index,
            )
            for index, item in enumerate(normalised["nodes"])
        ),
    )


def _build_node(
    item: Mapping[str, Any],
    parts: PathParts,
    *,
    parent_code: str | None,
    parent_path: str | None,
    depth: int,
    position: int,
) -> NodeSpec:
    path = node_path(parent_path, position)
    children = tuple(
        _build_node(
            child,
            (*parts, "children", index),
            parent_code=item["code"],
            parent_path=path,
            depth=depth + 1,
            position=index,
        )
        for index, child in enumerate(item.get("children", []))
    )
    return NodeSpec(
        code=item["code"],
        name=item["name"],
        name_ko=item.get("name_ko", ""),
        amount_won=item["amount_won"],
        source_text=item.get("source_text", ""),
        cofog=item.get("cofog", ""),
        ai_component=item.get("ai_component", ""),
        conflicts=tuple(
            ConflictSpec(
                amount_won=conflict["amount_won"],
                source_text=conflict.get("source_text", ""),
                position=index,
            )
            for index, conflict in enumerate(item.get("conflicts", []))
        ),
        program=(
            _build_program(item["program"], (*parts, "program")) if "program" in item else None
        ),
        children=children,
        parent_code=parent_code,
        position=position,
        depth=depth,
        path=path,
        key_path=format_key_path(parts),
    )


def _build_program(item: Mapping[str, Any], parts: PathParts) -> ProgramSpec:
    return ProgramSpec(
        ministry=item["ministry"],
        owner_assumed=item.get("owner_assumed", False),
        start=datetime.date.fromisoformat(item["start"]),
        end=datetime.date.fromisoformat(item["end"]),
        frequency=item["frequency"],
        kpis=tuple(
            _build_kpi(kpi, (*parts, "kpis", index), position=index)
            for index, kpi in enumerate(item.get("kpis", []))
        ),
        key_path=format_key_path(parts),
    )


def _build_kpi(item: Mapping[str, Any], parts: PathParts, *, position: int) -> KPISpec:
    thresholds = item.get("thresholds", {})
    return KPISpec(
        code=item["code"],
        name=item["name"],
        name_ko=item.get("name_ko", ""),
        unit=item["unit"],
        kind=item["kind"],
        direction=item["direction"],
        baseline=_to_decimal(item["baseline"]),
        target=_to_decimal(item["target"]),
        target_text=item.get("target_text", ""),
        target_date=datetime.date.fromisoformat(item["target_date"]),
        grace_days=item.get("grace_days", DEFAULT_GRACE_DAYS),
        on_track_threshold=(
            _to_decimal(thresholds["on_track"]) if "on_track" in thresholds else None
        ),
        at_risk_threshold=_to_decimal(thresholds["at_risk"]) if "at_risk" in thresholds else None,
        source_text=item.get("source_text", ""),
        position=position,
        milestones=tuple(
            MilestoneSpec(
                date=datetime.date.fromisoformat(milestone["date"]),
                value=_to_decimal(milestone["value"]),
                key_path=format_key_path((*parts, "milestones", index)),
            )
            for index, milestone in enumerate(item.get("milestones", []))
        ),
        key_path=format_key_path(parts),
        revision_reason=item.get("revision", {}).get("reason", ""),
        revision_note=item.get("revision", {}).get("note", ""),
    )
