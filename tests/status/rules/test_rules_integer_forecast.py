"""The forecast's integer least squares (status/rules/) against the textbook formula in Fractions.

The rules compute the least-squares line from exact integer sums with one division per result; the
reference below is the mean-centred formula over Fractions (what the rules computed before). Both
are exact, so every output must be identical: slope, intercept, value at the target date (28
digits), the forecast date to the day, and the miss flag, for increasing and decreasing KPIs, values
with and without decimals, flat lines and lines moving away from the target.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from status.rules import linear_forecast, tau

START = date(2024, 1, 1)
QUARTER_ENDS = [
    date(y, m, d) for y in range(2024, 2028) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))
]


def _dec(value: Fraction) -> Decimal:
    from decimal import ROUND_HALF_UP, localcontext

    if value.denominator == 1:
        return Decimal(value.numerator)
    with localcontext(prec=28, rounding=ROUND_HALF_UP):
        return Decimal(value.numerator) / Decimal(value.denominator)


def _reference(points, target, target_date, direction):
    xy = [(tau(day, START), Fraction(value)) for day, value in points]
    n = len(xy)
    mean_x = Fraction(sum(x for x, _ in xy), n)
    mean_y = sum((y for _, y in xy), Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x, _ in xy), Fraction(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in xy), Fraction(0))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    goal = Fraction(target)
    value = intercept + slope * tau(target_date, START)
    first_x = xy[0][0]

    def reached(v):
        return v >= goal if direction == "increase" else v <= goal

    towards = slope > 0 if direction == "increase" else slope < 0
    if towards:
        reach_x = max(math.ceil((goal - intercept) / slope), first_x)
    elif slope == 0 and reached(intercept):
        reach_x = first_x
    else:
        reach_x = None
    reach = START + timedelta(days=reach_x - 1) if reach_x is not None else None
    return _dec(slope), _dec(intercept), _dec(value), reach, not reached(value)


def _random_value(rng: random.Random) -> Decimal:
    kind = rng.random()
    if kind < 0.4:
        return Decimal(rng.randrange(-500, 5000))
    if kind < 0.8:
        return Decimal(rng.randrange(-50000, 500000)).scaleb(-rng.randrange(1, 5))
    return Decimal(rng.randrange(0, 10**9)).scaleb(-4)


@pytest.mark.parametrize("seed", range(6))
def test_integer_least_squares_equals_the_fraction_formula(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        days = sorted(rng.sample(QUARTER_ENDS, rng.randrange(2, len(QUARTER_ENDS))))
        direction = rng.choice(["increase", "decrease"])
        if rng.random() < 0.1:  # flat line
            flat = _random_value(rng)
            points = [(day, flat) for day in days]
        else:
            points = [(day, _random_value(rng)) for day in days]
        target = _random_value(rng)
        target_date = rng.choice(QUARTER_ENDS)
        forecast = linear_forecast(
            points, start=START, target=target, target_date=target_date, direction=direction
        )
        assert forecast is not None
        got = (forecast.slope, forecast.intercept, forecast.value, forecast.date, forecast.miss)
        expected = _reference(points, target, target_date, direction)
        assert got == expected, (points, target, target_date, direction)
        assert [str(v) for v in got[:3]] == [str(v) for v in expected[:3]]


def test_a_target_reached_exactly_on_a_day_is_that_day() -> None:
    # 0 at tau 91 (31 Mar 2024, leap year), 91 at tau 182: slope 1, intercept -91; target 9 is
    # on tau 100 exactly: 9 Apr 2024, not a day later.
    forecast = linear_forecast(
        [(date(2024, 3, 31), Decimal(0)), (date(2024, 6, 30), Decimal(91))],
        start=START,
        target=Decimal(9),
        target_date=date(2024, 12, 31),
        direction="increase",
    )
    assert forecast is not None
    assert forecast.date == date(2024, 4, 9)
