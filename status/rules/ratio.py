"""The progress ratio ``r = (A - b) / (E - b)`` and the thresholds that turn it into
on_track / at_risk / off_track."""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

from status.rules.arithmetic import Number, _dec, _frac, _pair, _reached_pair, _to_decimal
from status.rules.inputs import DEFAULT_THRESHOLDS, KPIFacts, Status, Thresholds


def _ratio(actual: Fraction, expected: Fraction, baseline: Fraction, direction: str) -> Fraction:
    return Fraction(
        *_ratio_pair(
            (actual.numerator, actual.denominator),
            (expected.numerator, expected.denominator),
            (baseline.numerator, baseline.denominator),
            direction,
        )
    )


def _ratio_pair(
    actual: tuple[int, int], expected: tuple[int, int], baseline: tuple[int, int], direction: str
) -> tuple[int, int]:
    """``r = (A - b) / (E - b)`` over exact (numerator, positive denominator) pairs; when
    ``E == b``, 1 if ``A`` is at or past ``b``, else 0. The result's denominator is positive."""
    a_num, a_den = actual
    e_num, e_den = expected
    b_num, b_den = baseline
    gap = e_num * b_den - b_num * e_den  # (E - b) * e_den * b_den
    if gap == 0:
        return (1, 1) if _reached_pair(a_num, a_den, b_num, b_den, direction) else (0, 1)
    progress = a_num * b_den - b_num * a_den  # (A - b) * a_den * b_den
    num, den = progress * e_den, gap * a_den
    return (-num, -den) if den < 0 else (num, den)


def progress_ratio(actual: Number, expected: Number, baseline: Number, direction: str) -> Decimal:
    """``r = (A - b) / (E - b)``; when ``E == b``, 1 if ``A`` is at or past ``b``, else 0."""
    return _dec(_ratio(_frac(actual), _frac(expected), _frac(baseline), direction))


def kpi_thresholds(kpi: KPIFacts, global_thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Thresholds:
    """The KPI's thresholds: its own where set, else the global ones."""
    if kpi.on_track_threshold is None and kpi.at_risk_threshold is None:
        return global_thresholds
    return Thresholds(
        on_track=(
            global_thresholds.on_track
            if kpi.on_track_threshold is None
            else _to_decimal(kpi.on_track_threshold)
        ),
        at_risk=(
            global_thresholds.at_risk
            if kpi.at_risk_threshold is None
            else _to_decimal(kpi.at_risk_threshold)
        ),
    )


def status_for_ratio(ratio: Number, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Status:
    """on_track, at_risk or off_track for a progress ratio."""
    return _status_for_pair(*_pair(ratio), thresholds)


def _status_for_pair(num: int, den: int, thresholds: Thresholds) -> Status:
    """:func:`status_for_ratio` of ``num / den`` (``den > 0``)."""
    (on_num, on_den), (risk_num, risk_den) = _threshold_pairs(
        thresholds.on_track, thresholds.at_risk
    )
    if num * on_den >= on_num * den:
        return Status.ON_TRACK
    if num * risk_den >= risk_num * den:
        return Status.AT_RISK
    return Status.OFF_TRACK


@functools.lru_cache(maxsize=256)
def _threshold_pairs(on_track: Decimal, at_risk: Decimal) -> tuple[tuple[int, int], ...]:
    return _pair(on_track), _pair(at_risk)
