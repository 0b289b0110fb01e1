"""The expected value shown next to each KPI in the report form: one helper, to be replaced by the
status engine's expected value (domain.md 3) when it lands.

For now: piecewise-linear from ``(programme start, baseline)`` through the milestones to
``(target date, target)``, constant after the target date; ``annual`` KPIs expect
``target * day_of_year / days_in_year``.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpis.models import KPI


def expected_value(kpi: KPI, on: date, *, start: date) -> Decimal:
    """What the KPI is expected to be at the end of day ``on`` for a programme starting ``start``
    (uses ``kpi.milestones.all()``: prefetch it for lists)."""
    if kpi.kind == "annual":
        days = 366 if calendar.isleap(on.year) else 365
        return (kpi.target * on.timetuple().tm_yday / days).quantize(Decimal("0.01"))
    points = [(start, kpi.baseline)]
    points += [(m.date, m.value) for m in kpi.milestones.all() if start < m.date < kpi.target_date]
    points.append((kpi.target_date, kpi.target))

    def tau(day: date) -> int:
        return (day - start).days + 1

    x = tau(on)
    if x <= 0:
        return kpi.baseline
    previous_x, previous_y = 0, kpi.baseline
    for day, value in points[1:]:
        px = tau(day)
        if x <= px:
            if px == previous_x:
                return value
            share = Decimal(x - previous_x) / Decimal(px - previous_x)
            return (previous_y + (value - previous_y) * share).quantize(Decimal("0.01"))
        previous_x, previous_y = px, value
    return kpi.target
