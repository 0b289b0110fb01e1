"""KPI kinds: one table of everything that differs between a cumulative, a level and an annual KPI.

Every caller that behaves differently by kind reads it here (the status rules, the report form
and its validation, the spreadsheet, the charts, the budget file's checks) instead of testing the
kind itself. Adding a kind means: a row in :data:`KIND_TABLE` (and its choice on
``kpis.models.KPIKind``, which takes its label from here), its rules in ``status.rules`` where
the table's columns do not already say enough, and a migration for the model field's choices.

The table lives in ``kpis`` because it is the lowest layer that needs it: ``kpis`` imports no
``reporting``, ``status`` or ``boards``, and they all import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CUMULATIVE, LEVEL, ANNUAL = "cumulative", "level", "annual"
INCREASE, DECREASE = "increase", "decrease"
DIRECTIONS = (INCREASE, DECREASE)


class Actual:
    """How the actual so far ``A`` is computed from the approved period values."""

    RUNNING_TOTAL = "running_total"  # baseline + the sum of the period amounts
    LATEST = "latest"  # the latest value
    YEAR_TOTAL = "year_total"  # the sum of the period amounts of one calendar year (baseline 0)


class Chart:
    """How a chart draws the expected trajectory."""

    TRAJECTORY = "trajectory"  # one piecewise-linear line: baseline, milestones, target
    YEARLY = "yearly"  # a rising line each calendar year, back to zero at each new year


@dataclass(frozen=True)
class Kind:
    """What one KPI kind means for every part of the product."""

    code: str
    label: Promise  # the kind's name ("Cumulative")
    actual: str  # Actual.*: how the actual so far is computed
    # Each report gives the amount achieved in its period (rather than the value at its end):
    # such an amount cannot be negative; an earlier period is corrected by its own report.
    period_amounts: bool
    # The target repeats every calendar year: expected T * day of year / days in year, baseline
    # 0, no milestones, direction increase only, achieved per year, no forecast.
    yearly: bool
    form_label: Promise  # what the report form asks for
    sheet_help: Promise  # what the spreadsheet's "What to enter" column says
    expected_note: Promise  # what the expected value shown beside the form's field is
    chart: str  # Chart.*: how the charts draw the expected trajectory

    @property
    def forecast(self) -> bool:
        """Whether the rules forecast this kind (the least-squares line of the actual)."""
        return not self.yearly

    @property
    def takes_milestones(self) -> bool:
        return not self.yearly

    @property
    def directions(self) -> tuple[str, ...]:
        """The directions a KPI of this kind may have."""
        return (INCREASE,) if self.yearly else DIRECTIONS


KIND_TABLE: dict[str, Kind] = {
    CUMULATIVE: Kind(
        code=CUMULATIVE,
        label=_("Cumulative"),
        actual=Actual.RUNNING_TOTAL,
        period_amounts=True,
        yearly=False,
        form_label=_("Amount achieved this period"),
        sheet_help=_("amount achieved this period"),
        expected_note=_("cumulative total, baseline included"),
        chart=Chart.TRAJECTORY,
    ),
    LEVEL: Kind(
        code=LEVEL,
        label=_("Level"),
        actual=Actual.LATEST,
        period_amounts=False,
        yearly=False,
        form_label=_("Value at period end"),
        sheet_help=_("value at period end"),
        expected_note=_("value at period end"),
        chart=Chart.TRAJECTORY,
    ),
    ANNUAL: Kind(
        code=ANNUAL,
        label=_("Annual"),
        actual=Actual.YEAR_TOTAL,
        period_amounts=True,
        yearly=True,
        form_label=_("Amount achieved this period"),
        sheet_help=_("amount achieved this period (counts toward the calendar year)"),
        expected_note=_("total for the year so far"),
        chart=Chart.YEARLY,
    ),
}

KINDS: tuple[str, ...] = tuple(KIND_TABLE)


def kind_of(code: str) -> Kind:
    """The table's row for a kind; a ``ValueError`` names an unknown kind."""
    try:
        return KIND_TABLE[code]
    except (KeyError, TypeError):
        raise ValueError(f"kind {code!r} is not one of {', '.join(KINDS)}") from None
