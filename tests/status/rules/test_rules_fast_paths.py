"""Entry points the status engine uses for speed (status/rules/): same results as the plain ones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from status.rules import (
    KPIFacts,
    NodeInput,
    PeriodValue,
    ProgramFacts,
    TargetVersion,
    assess_kpi,
    rollup_nodes,
)

NODES = [
    NodeInput("TOTAL", None, 1000, None),
    NodeInput("P1", "TOTAL", 600, None),
    NodeInput("A1", "P1", 600, None),
    NodeInput("X1", "A1", 400, "on_track"),
    NodeInput("X2", "A1", 200, "off_track"),
    NodeInput("P2", "TOTAL", 400, None),
    NodeInput("X3", "P2", 400, "achieved"),
]


def test_rollup_of_some_nodes_equals_the_full_rollup_of_those_nodes() -> None:
    full = rollup_nodes(NODES)
    some = rollup_nodes(NODES, only=["TOTAL", "A1"])
    assert set(some) == {"TOTAL", "A1"}
    assert some["TOTAL"] == full["TOTAL"] and some["A1"] == full["A1"]
    assert some["TOTAL"].amount_by_status["off_track"] == 200


def test_rollup_of_some_nodes_still_checks_the_whole_tree() -> None:
    with pytest.raises(ValueError, match="parent 'NOPE'"):
        rollup_nodes([*NODES, NodeInput("X9", "NOPE", 1, "on_track")], only=["TOTAL"])


def test_plain_tuples_and_period_values_give_the_same_assessment() -> None:
    program = ProgramFacts(start=date(2026, 1, 1), end=date(2026, 12, 31), frequency="quarterly")
    kpi = KPIFacts(
        kind="cumulative",
        direction="increase",
        versions=(TargetVersion(target=Decimal(1000), target_date=date(2026, 12, 31)),),
        code="K",
    )
    pairs = [(date(2026, 6, 30), Decimal("260.5")), (date(2026, 3, 31), Decimal("240.0000"))]
    as_of = date(2026, 8, 1)
    plain = assess_kpi(kpi, program, pairs, as_of)
    named = assess_kpi(kpi, program, [PeriodValue(d, v) for d, v in pairs], as_of)
    assert plain == named
    assert plain.actual == Decimal("500.5") and plain.forecast_date is not None
