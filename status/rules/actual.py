"""The actual so far ``A`` of a KPI from its approved period values, by the kind's rule
(``kpis.kinds.Actual``): a running total from the baseline, the latest value, or the total of one
calendar year. The status rules and the report form both read it here."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from kpis.kinds import Actual, kind_of
from status.rules.arithmetic import Number, _dec_pair, _pair, _values_over

_SECOND = operator.itemgetter(1)


def _actual_line(
    actual_rule: str,
    counted: Sequence[tuple[date, Number]],
    baseline: tuple[int, int],
    year: int | None,
    denominator: int | None = None,
) -> tuple[list[int], int, tuple[int, int]]:
    """For values ``counted`` (sorted by period end, at least one for a running total or the
    latest value; with ``denominator``, integer numerators over it): the actual after each value
    (the forecast's points) as numerators over one common denominator ``scale`` (a multiple of
    the baseline's), ``scale``, and ``A`` as an exact (numerator, denominator) pair. A year total
    reads the values of ``year`` alone (its line too).

    Only the values the rule reads are converted (a bad one raises as the plain rule would):
    a running total, every value; the latest value, that one first, then all for the forecast;
    a year total, those of the year."""
    base_num, base_den = baseline
    if actual_rule == Actual.YEAR_TOTAL:
        in_year = [value for end, value in counted if end.year == year]
        ys, scale = _values_over(in_year, denominator, base_den)
        return ys, scale, (sum(ys), scale)
    if actual_rule == Actual.LATEST and denominator is None:
        _pair(counted[-1][1])
    ys, scale = _values_over(list(map(_SECOND, counted)), denominator, base_den)
    if actual_rule == Actual.RUNNING_TOTAL:
        line = list(itertools.accumulate(ys, initial=base_num * (scale // base_den)))[1:]
        return line, scale, (line[-1], scale)
    return ys, scale, (ys[-1], scale)


def actual_so_far(
    kind: str,
    baseline: Number,
    values: Iterable[tuple[date, Number]],
    *,
    year: int | None = None,
) -> Decimal | None:
    """``A`` from approved ``(period_end, value)`` pairs, as the status rules compute it: a
    running total (baseline + the sum), the latest value (``None`` without any), or the total of
    the calendar year ``year`` (default: the year of the latest value; 0 without any; the
    baseline does not count)."""
    rule = kind_of(kind).actual
    counted = sorted(values, key=operator.itemgetter(0))
    if rule == Actual.YEAR_TOTAL:
        if year is None:
            if not counted:
                return Decimal(0)
            year = counted[-1][0].year
        return _dec_pair(*_actual_line(rule, counted, (0, 1), year)[2])
    if not counted:
        return None if rule == Actual.LATEST else _dec_pair(*_pair(baseline))
    return _dec_pair(*_actual_line(rule, counted, _pair(baseline), year)[2])
