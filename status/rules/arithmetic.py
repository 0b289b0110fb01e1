"""Exact arithmetic of the status rules: Decimal in, exact rationals inside, Decimal out.

Inputs are Decimal (int, str and float are accepted and converted exactly; a float through its
shortest ``repr``); inside, Fractions or integer (numerator, denominator) pairs; outputs rounded
once, half up, to ``OUTPUT_PRECISION`` significant digits. Also the calendar counts (``tau``,
day of year) and "reached in the KPI's direction"."""

from __future__ import annotations

import calendar
import functools
import math
import operator
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from kpis.kinds import INCREASE

OUTPUT_PRECISION = 28


Number = Decimal | int | str | float | Fraction


def _frac(value: Number) -> Fraction:
    if type(value) is Fraction:
        return value
    if isinstance(value, bool):
        raise TypeError("a number is expected, not a bool")
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def _pair(value: Number) -> tuple[int, int]:
    """``value`` as an exact (numerator, denominator) pair, denominator > 0 (not always in lowest
    terms): the integer arithmetic of the hot paths, with the same conversions as :func:`_frac`."""
    kind = type(value)
    if kind is int:
        return value, 1  # type: ignore[return-value]
    if kind is Decimal:
        return value.as_integer_ratio()  # type: ignore[union-attr]
    exact = _frac(value)
    return exact.numerator, exact.denominator


# Outputs are rounded once, half up, to OUTPUT_PRECISION significant digits.
_OUTPUT_CONTEXT = Context(prec=OUTPUT_PRECISION, rounding=ROUND_HALF_UP)


def _dec(value: Fraction) -> Decimal:
    """A rational as a Decimal: exact when it terminates within 28 digits, else rounded."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    return _OUTPUT_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _to_decimal(value: Number) -> Decimal:
    if type(value) is Decimal:
        return _decimal_of_decimal(value)
    return _dec(_frac(value))


@functools.lru_cache(maxsize=4096)
def _decimal_of_decimal(value: Decimal) -> Decimal:
    # Equal Decimals ("500" and "500.0000") have the same output, so one cache entry serves both.
    return _dec(_frac(value))


def _dec_pair(numerator: int, denominator: int) -> Decimal:
    """:func:`_dec` of ``numerator / denominator`` (``denominator > 0``, not necessarily in lowest
    terms), without building the Fraction: the same Decimal, as a correctly rounded quotient does
    not depend on the terms."""
    if denominator == 1:
        return Decimal(numerator)
    if numerator % denominator == 0:
        return Decimal(numerator // denominator)
    return _OUTPUT_CONTEXT.divide(Decimal(numerator), Decimal(denominator))


def tau(day: date, start: date) -> int:
    """Days elapsed from the programme start through the end of ``day``: ``(day - s).days + 1``."""
    return (day - start).days + 1


def day_of_year(day: date) -> int:
    return day.timetuple().tm_yday


def days_in_year(day: date) -> int:
    return 366 if calendar.isleap(day.year) else 365


def _reached(value: Fraction, target: Fraction, direction: str) -> bool:
    """Whether ``value`` is at or past ``target`` in the direction."""
    return _reached_pair(
        value.numerator, value.denominator, target.numerator, target.denominator, direction
    )


def _reached_pair(num: int, den: int, target_num: int, target_den: int, direction: str) -> bool:
    """:func:`_reached` of ``num / den`` and ``target_num / target_den`` (positive denominators)."""
    if direction == INCREASE:
        return num * target_den >= target_num * den
    return num * target_den <= target_num * den


_DECIMAL_RATIO = Decimal.as_integer_ratio
_NUMERATOR = operator.itemgetter(0)
_DENOMINATOR = operator.itemgetter(1)


def _pairs(values: list[Any]) -> list[tuple[int, int]]:
    """:func:`_pair` of each value, in order; Decimals (what the engine passes) converted in C."""
    try:
        return list(map(_DECIMAL_RATIO, values))
    except TypeError:  # not all Decimals
        return [_pair(v) for v in values]


def _values_over(
    values: list[Any], denominator: int | None, scale: int = 1
) -> tuple[list[int], int]:
    """Values over one common denominator, a multiple of ``scale``: (the numerators, the
    denominator), as :func:`_scaled`. The values are numbers, or with ``denominator`` integer
    numerators over it (the engine's form: no Decimal per value)."""
    if denominator is None:
        return _scaled(_pairs(values), scale)
    common = math.lcm(denominator, scale)
    if common == denominator:
        return values, common
    factor = common // denominator
    return [n * factor for n in values], common


def _scaled(pairs: Sequence[tuple[int, int]], scale: int = 1) -> tuple[list[int], int]:
    """Exact rationals ``(numerator, denominator)`` over one common denominator: (the
    numerators, the denominator), the denominator a multiple of ``scale``."""
    if not pairs:
        return [], scale
    scale = math.lcm(scale, *set(map(_DENOMINATOR, pairs)))  # few distinct denominators
    if scale == 1:
        return list(map(_NUMERATOR, pairs)), 1
    return [n * (scale // d) for n, d in pairs], scale
