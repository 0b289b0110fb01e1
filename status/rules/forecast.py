"""Forecast (cumulative and level, at least two counted values): the least-squares line of ``A``
against ``tau(period end)`` (cumulative: ``A`` at each period end is the running total; level: the
value), computed exactly over integer sums. ``forecast_value`` = the line at ``tau(d)``;
``forecast_miss`` when it falls short of ``T`` in the KPI's direction; ``forecast_date`` = the
first day on which the line reaches ``T`` and stays there, read from the first counted period end
onward: ``None`` when the line runs flat short of ``T`` or moves away from it, or the day lies
beyond the calendar; the first counted period end itself when the line is already at or past
``T`` there."""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kpis.kinds import INCREASE
from status.rules.arithmetic import Number, _dec_pair, _pair, _reached_pair, _scaled, tau
from status.rules.explanations import _AsDict


@dataclass(frozen=True)
class Forecast(_AsDict):
    """The least-squares line ``A = intercept + slope * tau`` and what it says about the target."""

    slope: Decimal
    intercept: Decimal
    value: Decimal
    date: date | None
    miss: bool


@functools.lru_cache(maxsize=4096)
def _x_sums(start: date, days: tuple[date, ...]) -> tuple[tuple[int, ...], int, int]:
    """For points on ``days`` (distinct, increasing): ``x = tau(day)`` for each, ``sum x`` and
    ``K = n * sum(x^2) - sum(x)^2``; the KPIs of a programme share them."""
    xs = tuple((day - start).days + 1 for day in days)  # tau
    sum_x = sum(xs)
    return xs, sum_x, len(xs) * sum(map(operator.mul, xs, xs)) - sum_x * sum_x


def _least_squares(
    x_sums: tuple[tuple[int, ...], int, int], ys: Sequence[int], scale: int
) -> tuple[int, int, int]:
    """The least-squares line through the points ``(xs[i], ys[i] / scale)`` (``x_sums`` from
    :func:`_x_sums`: distinct ``xs`` in increasing order, at least two), computed exactly over
    integer sums (n, sum x, sum y, sum xy, sum x squared): ``(N, I, D)`` with slope
    ``N / (scale * K)`` and intercept ``I / D``, where ``K = n * sum(x^2) - sum(x)^2``,
    ``N = n * sum(xy) - sum(x) * sum(y)``, ``I = sum(y) * K - N * sum(x)``, ``D = n * scale * K``.
    """
    xs, sum_x, k = x_sums
    n = len(xs)
    sum_y = sum(ys)
    num = n * sum(map(operator.mul, xs, ys)) - sum_x * sum_y
    return num, sum_y * k - num * sum_x, n * scale * k


def _forecast_at_target(
    x_sums: tuple[tuple[int, ...], int, int],
    line: tuple[int, int, int],
    *,
    start: date,
    goal: tuple[int, int],
    target_x: int,
    direction: str,
) -> tuple[Decimal, date | None, bool]:
    """What the line (from :func:`_least_squares`) says about the target: its value at the target
    date, the day it reaches the target (see the module docstring), and whether it misses."""
    xs = x_sums[0]
    n = len(xs)
    num, inter, den = line
    value = inter + num * n * target_x  # the line at the target date: value / den
    goal_num, goal_den = goal
    first_x = xs[0]
    towards = num > 0 if direction == INCREASE else num < 0
    reach_x: int | None
    if towards:
        # ceil((goal - intercept) / slope) = ceil((goal * den - inter) / (n * num)), in integers
        above = goal_num * den - goal_den * inter
        below = goal_den * n * num
        reach_x = max(-(-above // below), first_x)
    elif num == 0 and _reached_pair(inter, den, goal_num, goal_den, direction):
        reach_x = first_x
    else:
        reach_x = None
    reach_date: date | None = None
    if reach_x is not None:
        try:
            reach_date = date.fromordinal(start.toordinal() + reach_x - 1)
        except (OverflowError, ValueError):  # beyond the calendar
            reach_date = None
    reached = _reached_pair(value, den, goal_num, goal_den, direction)
    return _dec_pair(value, den), reach_date, not reached


def _forecast(
    x_sums: tuple[tuple[int, ...], int, int],
    ys: Sequence[int],
    scale: int,
    *,
    start: date,
    goal: tuple[int, int],
    target_x: int,
    direction: str,
) -> Forecast:
    """The forecast from the points ``(xs[i], ys[i] / scale)``: the line of
    :func:`_least_squares`, each result divided once at the end."""
    line = _least_squares(x_sums, ys, scale)
    value, reach_date, miss = _forecast_at_target(
        x_sums, line, start=start, goal=goal, target_x=target_x, direction=direction
    )
    num, inter, den = line
    return Forecast(
        slope=_dec_pair(num, scale * x_sums[2]),
        intercept=_dec_pair(inter, den),
        value=value,
        date=reach_date,
        miss=miss,
    )


def linear_forecast(
    points: Sequence[tuple[date, Number]],
    *,
    start: date,
    target: Number,
    target_date: date,
    direction: str,
) -> Forecast | None:
    """The forecast from ``(period end, A)`` points (see the module docstring); ``None`` with
    fewer than two points."""
    if len(points) < 2:
        return None
    ordered = sorted(points, key=lambda p: p[0])
    if len({day for day, _ in ordered}) != len(ordered):
        raise ValueError("forecast: two points on the same day")
    ys, scale = _scaled([_pair(value) for _, value in ordered])
    return _forecast(
        _x_sums(start, tuple(day for day, _ in ordered)),
        ys,
        scale,
        start=start,
        goal=_pair(target),
        target_x=tau(target_date, start),
        direction=direction,
    )
