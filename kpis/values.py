"""Reading a KPI target, baseline or milestone value given to the KPI services: what people type
(budget/parsing.py: ``6,000``, ``0.45``, ``1.5만``, ``3,200명``...), within the limits of a KPI
value (:data:`kpis.models.VALUE_MAX`, :data:`kpis.models.VALUE_DECIMAL_PLACES`)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from budget.parsing import ParseError, exponent_of, read_number, show
from kpis.models import VALUE_DECIMAL_PLACES, VALUE_MAX


def kpi_value_parse(raw: object, *, unit: str = "") -> Decimal:
    """The number ``raw`` stands for; ``ValueError`` with a message for a person otherwise."""
    try:
        number = read_number(raw, unit=unit)
    except ParseError as exc:
        raise ValueError(exc.message) from None
    if abs(number) >= VALUE_MAX:
        raise ValueError(
            _("%(value)s is implausibly large (the limit is %(limit)s)")
            % {"value": show(raw), "limit": f"{VALUE_MAX:,.0f}"}
        )
    if exponent_of(number) < -VALUE_DECIMAL_PLACES:
        raise ValueError(
            _("%(value)s has more than %(places)d decimal places")
            % {"value": show(raw), "places": VALUE_DECIMAL_PLACES}
        )
    return number
