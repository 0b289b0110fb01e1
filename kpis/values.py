"""Reading a KPI target, baseline or milestone value given to the KPI services: a number
(``Decimal``, ``int``, or text such as ``"6,000"`` or ``"0.45"``) within the limits of
:data:`kpis.models.VALUE_MAX` and :data:`kpis.models.VALUE_DECIMAL_PLACES`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kpis.models import VALUE_DECIMAL_PLACES, VALUE_MAX

# Digits with optional thousands separators in groups of three, optional decimals.
_NUMBER_RE = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$|^[+-]?\.\d+$")


def _show(raw: object, limit: int = 40) -> str:
    text = str(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kpi_value_parse(raw: object) -> Decimal:
    """The number ``raw`` stands for; ``ValueError`` with a message for a person otherwise."""
    if isinstance(raw, bool):
        raise ValueError(_("%(value)s is a yes/no value, not a number") % {"value": raw})
    if isinstance(raw, int | Decimal):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            raise ValueError(_("a number is required"))
        if not _NUMBER_RE.match(text):
            raise ValueError(_('"%(value)s" is not a number') % {"value": _show(raw)})
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError(_('"%(value)s" is not a number') % {"value": _show(raw)}) from None
    else:
        raise ValueError(_('"%(value)s" is not a number') % {"value": _show(raw)})
    if not number.is_finite():
        raise ValueError(_('"%(value)s" is not a number') % {"value": _show(raw)})
    if abs(number) >= VALUE_MAX:
        raise ValueError(
            _("%(value)s is implausibly large (the limit is %(limit)s)")
            % {"value": _show(raw), "limit": f"{VALUE_MAX:,.0f}"}
        )
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -VALUE_DECIMAL_PLACES:
        raise ValueError(
            _("%(value)s has more than %(places)d decimal places")
            % {"value": _show(raw), "places": VALUE_DECIMAL_PLACES}
        )
    return number
