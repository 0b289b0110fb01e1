"""Template filters for amounts, shares and names in the active language.

``{% load money %}`` then ``{{ node.amount_won|won }}``, ``{{ node.amount_won|won_short }}``,
``{{ row.share_of_total|share }}``, ``{{ kpi.target|quantity }}`` and ``{{ node|local_name }}``
(any object with ``name`` and ``name_ko``). The conventions live in :mod:`budget.formatting`; these
filters only pass the active language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import translation

from budget.formatting import (
    format_quantity,
    format_share,
    format_won,
    format_won_short,
    localized_name,
    share_of,
)

register = template.Library()


def _language() -> str:
    return translation.get_language() or "ko"


@register.filter
def won(amount_won: int | None) -> str:
    """The exact amount: "10조 1,000억 원" / "10.1 trillion won"."""
    if amount_won is None or amount_won == "":
        return ""
    return format_won(int(amount_won), _language())


@register.filter
def won_short(amount_won: int | None) -> str:
    """The rounded amount for labels: "10.1조 원" / "10.1 tn won"."""
    if amount_won is None or amount_won == "":
        return ""
    return format_won_short(int(amount_won), _language())


@register.filter
def won_difference(amount_won: int, base_won: int) -> str:
    """``amount - base`` as an exact signed amount: "+1,000억 원", "-100 billion won", "0원"."""
    difference = int(amount_won) - int(base_won)
    text = format_won(difference, _language())
    return f"+{text}" if difference > 0 else text


@register.filter
def ratio_of(amount_won: int, whole_won: int) -> Decimal | None:
    """``amount / whole`` for the ``share`` filter; ``None`` when the whole is zero."""
    return share_of(int(amount_won), int(whole_won))


@register.filter
def share(ratio: Decimal | float | None) -> str:
    """A ratio as a percentage: "53.5%"."""
    return format_share(ratio, _language())


@register.filter
def quantity(value: Decimal | int | None) -> str:
    """A KPI quantity: "10,000", "0.45"."""
    return format_quantity(value, _language())


@register.filter
def local_title(fiscal_year: Any) -> str:
    """A fiscal year's ``title_ko`` in Korean when present, else its ``title``."""
    if fiscal_year is None:
        return ""
    return localized_name(
        getattr(fiscal_year, "title", "") or "",
        getattr(fiscal_year, "title_ko", "") or "",
        _language(),
    )


@register.filter
def local_name(obj: Any) -> str:
    """``name_ko`` in Korean when present, else ``name``."""
    if obj is None:
        return ""
    return localized_name(
        getattr(obj, "name", "") or "", getattr(obj, "name_ko", "") or "", _language()
    )
