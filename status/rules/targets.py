"""Target versions and the expected value: the version in force at a date, versions from
target revisions, the checks on a version, and ``E`` at a day."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kpis.kinds import KIND_TABLE, kind_of
from status.rules.arithmetic import _dec, _pair, day_of_year, days_in_year, tau
from status.rules.inputs import TargetVersion


def target_in_force(versions: Sequence[TargetVersion], as_of: date) -> TargetVersion:
    """The version with the latest ``effective_from`` on or before ``as_of`` (``None`` counts as the
    beginning; among versions taking effect on the same date, the one given last, i.e. the latest
    recorded, wins); before every ``effective_from``, the earliest version."""
    if len(versions) == 1:
        return versions[0]
    if not versions:
        raise ValueError("at least one target version is needed")
    # sorted() is stable: equal dates keep the order given.
    ordered = sorted(versions, key=lambda v: v.effective_from or date.min)
    in_force = ordered[0]
    for version in ordered:
        if (version.effective_from or date.min) <= as_of:
            in_force = version
    return in_force


def versions_from_revisions(
    current: TargetVersion,
    revisions: Sequence[tuple[date, Mapping[str, Any], Mapping[str, Any]]],
) -> tuple[TargetVersion, ...]:
    """The versions of a KPI from its revisions ``(effective_from, previous, revised)`` in the
    order they were recorded (snapshots as kpis.selectors.kpi_target_snapshot writes them): the
    first revision's ``previous`` values from the beginning, then each revision's ``revised``
    values from its ``effective_from``. Without revisions, ``current`` alone."""
    if not revisions:
        return (current,)
    first = TargetVersion.from_snapshot(revisions[0][1])
    return (first, *(TargetVersion.from_snapshot(new, eff) for eff, _, new in revisions))


def _check_version(version: TargetVersion, kind: str, start: date, where: str) -> None:
    if version.target_date < start:
        raise ValueError(
            f"{where}: target date {version.target_date} is before the programme start {start}"
        )
    if version.milestones and not kind_of(kind).takes_milestones:
        raise ValueError(f"{where}: an {kind} KPI takes no milestones")
    seen: set[date] = set()
    for milestone in version.milestones:
        if not start <= milestone.date < version.target_date:
            raise ValueError(
                f"{where}: milestone {milestone.date} must lie on or after the programme start "
                f"{start} and before the target date {version.target_date}"
            )
        if milestone.date in seen:
            raise ValueError(f"{where}: two milestones on {milestone.date}")
        seen.add(milestone.date)


def _expected(kind: str, version: TargetVersion, start: date, day: date) -> Fraction:
    return Fraction(*_expected_pair(kind, version, start, day))


def _expected_pair(kind: str, version: TargetVersion, start: date, day: date) -> tuple[int, int]:
    """``E`` at ``day`` as an exact (numerator, positive denominator) pair."""
    target_num, target_den = _pair(version.target)
    if KIND_TABLE[kind].yearly:
        return target_num * day_of_year(day), target_den * days_in_year(day)
    x = tau(day, start)
    if x <= 0:
        return _pair(version.baseline)
    target_x = tau(version.target_date, start)
    if x >= target_x:
        return target_num, target_den
    points = [(0, _pair(version.baseline))]
    points += [(tau(m.date, start), _pair(m.value)) for m in version.milestones]
    points.append((target_x, (target_num, target_den)))
    for (x0, (n0, d0)), (x1, (n1, d1)) in itertools.pairwise(points):
        if x <= x1:
            # y0 + (y1 - y0) * (x - x0) / (x1 - x0), over the denominator d0 * d1 * (x1 - x0)
            run = x1 - x0
            return (
                n0 * d1 * run + (n1 * d0 - n0 * d1) * (x - x0),
                d0 * d1 * run,
            )
    raise AssertionError("unreachable")  # pragma: no cover


def expected_value(kind: str, version: TargetVersion, start: date, day: date) -> Decimal:
    """``E`` at ``day`` (docs/status-rules.md, one KPI)."""
    _check_version(version, kind, start, "KPI")
    return _dec(_expected(kind, version, start, day))
