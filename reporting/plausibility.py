"""Warnings, not refusals: a KPI value far from the last approved value of the same KPI (often a
percentage typed as 0.8 for 80 %, or an amount in the wrong unit). Shown by the report form and the
upload preview; the value is still saved when the officer means it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from budget.parsing import is_percent_unit
from reporting.models import KPIValue

if TYPE_CHECKING:
    from programs.models import Program

# A value at least this many times larger or smaller than the last approved one is implausible.
JUMP_FACTOR = Decimal(10)


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():,f}"
    return text


def last_approved_values(program: Program, period_end: date) -> dict[int, tuple[date, Decimal]]:
    """KPI id -> (period end, value) of the latest approved value before ``period_end`` (one
    query)."""
    rows = (
        KPIValue.objects.filter(
            report__program=program, report__is_current=True, report__period_end__lt=period_end
        )
        .order_by("kpi_id", "-report__period_end")
        .distinct("kpi_id")
        .values_list("kpi_id", "report__period_end", "value")
    )
    return {kpi_id: (day, value) for kpi_id, day, value in rows}


def jump_warnings(
    *,
    program: Program,
    period_end: date,
    values: Mapping[str, Decimal | None],
    last: Mapping[int, tuple[date, Decimal]] | None = None,
) -> dict[str, str]:
    """KPI code -> a warning, for each value at least :data:`JUMP_FACTOR` times larger or smaller
    than the KPI's last approved value, with the unit shown. ``last`` is
    :func:`last_approved_values` when the caller has it."""
    if not any(v is not None for v in values.values()):
        return {}
    kpis = {k.code: k for k in program.kpis.all()}
    if last is None:
        last = last_approved_values(program, period_end)
    out: dict[str, str] = {}
    for code, value in values.items():
        kpi = kpis.get(code)
        if kpi is None or value is None or kpi.pk not in last:
            continue
        day, previous = last[kpi.pk]
        if not value or not previous:
            continue
        ratio = abs(value) / abs(previous)
        if JUMP_FACTOR > ratio > 1 / JUMP_FACTOR:
            continue
        message = _(
            "%(code)s: %(value)s %(unit)s is far from the last approved value, %(previous)s "
            "%(unit)s for the period ending %(date)s; check the number and its unit."
        ) % {
            "code": code,
            "value": _plain(value),
            "previous": _plain(previous),
            "unit": kpi.unit,
            "date": day.isoformat(),
        }
        if is_percent_unit(kpi.unit):
            message += " " + _("A percentage is entered as 80 for 80%.")
        out[code] = message
    return out
