"""Entry points the status engine uses for speed (status/rules/): same results as the plain ones."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpis.kinds import KIND_TABLE, KINDS
from status.rules import (
    KPIAssessment,
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


def test_an_assessment_built_field_by_field_equals_the_constructed_one() -> None:
    program = ProgramFacts(start=date(2026, 1, 1), end=date(2026, 12, 31), frequency="quarterly")
    kpi = KPIFacts(
        kind="level",
        direction="increase",
        versions=(TargetVersion(target=Decimal(100), target_date=date(2026, 12, 31)),),
    )
    fast = assess_kpi(
        kpi, program, [(date(2026, 3, 31), 30), (date(2026, 6, 30), 40)], date(2026, 8, 1)
    )
    state = {f.name: getattr(fast, f.name) for f in fields(KPIAssessment)}
    plain = KPIAssessment(**state)
    assert fast == plain and repr(fast) == repr(plain) and vars(fast) == vars(plain)
    assert list(vars(fast)) == list(vars(plain))  # the same fields, in the same order
    with pytest.raises(TypeError, match="fields in order"):
        KPIAssessment._of(dict(reversed(state.items())))


QUARTER_ENDS = [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
FOUR_PLACES = st.decimals(
    min_value=-(10**6), max_value=10**6, places=4, allow_nan=False, allow_infinity=False
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    direction=st.sampled_from(["increase", "decrease"]),
    baseline=FOUR_PLACES,
    target=FOUR_PLACES,
    values=st.lists(FOUR_PLACES, min_size=0, max_size=4),
    as_of=st.sampled_from([date(2026, 2, 1), date(2026, 8, 1), date(2027, 1, 31)]),
)
def test_values_as_numerators_over_one_denominator_give_the_same_assessment(
    kind, direction, baseline, target, values, as_of
) -> None:
    """The engine passes each value as its integer numerator over 10^4 (a stored value's
    places): the same assessment, to the text of every figure, as from the Decimals."""
    assume(direction in KIND_TABLE[kind].directions)
    program = ProgramFacts(start=date(2026, 1, 1), end=date(2026, 12, 31), frequency="quarterly")
    kpi = KPIFacts(
        kind=kind,
        direction=direction,
        versions=(
            TargetVersion(
                target=target,
                target_date=date(2026, 12, 31),
                baseline=Decimal(0) if kind == "annual" else baseline,
            ),
        ),
        code="K",
    )
    pairs = list(zip(QUARTER_ENDS, values, strict=False))
    try:
        plain = assess_kpi(kpi, program, pairs, as_of)
    except ValueError as exc:  # inputs the rules refuse are refused the same way
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            assess_kpi(kpi, program, _numerators(pairs), as_of, value_denominator=10_000)
        return
    scaled = assess_kpi(kpi, program, _numerators(pairs), as_of, value_denominator=10_000)
    assert scaled == plain and repr(scaled) == repr(plain)
    assert json.dumps(scaled.as_dict(), default=str) == json.dumps(plain.as_dict(), default=str)


def _numerators(pairs: list[tuple[date, Decimal]]) -> list[tuple[date, int]]:
    return [(end, int(value.scaleb(4))) for end, value in pairs]
