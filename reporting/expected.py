"""The expected value shown next to each KPI in the report form: one helper, delegating to the
status engine's rule (status/rules/, docs/status-rules.md), so the form and the board agree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from status import rules

if TYPE_CHECKING:
    from kpis.models import KPI


def expected_value(kpi: KPI, on: date, *, start: date) -> Decimal | None:
    """What the KPI is expected to be at the end of day ``on`` for a programme starting
    ``start``, with the KPI's current target, baseline and milestones (uses
    ``kpi.milestones.all()``: prefetch it for lists). ``None`` when the KPI's targets are
    inconsistent (the status engine reports those)."""
    version = rules.TargetVersion(
        target=kpi.target,
        target_date=kpi.target_date,
        baseline=kpi.baseline,
        milestones=tuple(rules.Milestone(m.date, m.value) for m in kpi.milestones.all()),
    )
    try:
        return rules.expected_value(kpi.kind, version, start, on)
    except ValueError:
        return None
