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
from django.utils.html import format_html
from django.utils.safestring import SafeString

from budget.formatting import (
    format_quantity,
    format_share,
    format_value,
    format_won,
    format_won_exact,
    localized_name,
    share_of,
    unit_label,
)

register = template.Library()


def _language() -> str:
    return translation.get_language() or "ko"


def _with_tooltip(reading: str, exact: str) -> SafeString:
    if reading == exact:
        return format_html('<span class="amount">{}</span>', reading)
    return format_html('<span class="amount" title="{}">{}</span>', exact, reading)


@register.filter
def won(amount_won: int | None) -> str:
    """The amount at reading precision with the exact figure as its tooltip:
    ``<span title="1조 1,667억 9,452만 547원">1조 1,668억 원</span>``."""
    if amount_won is None or amount_won == "":
        return ""
    language = _language()
    return _with_tooltip(
        format_won(int(amount_won), language), format_won_exact(int(amount_won), language)
    )


@register.filter
def won_text(amount_won: int | None) -> str:
    """The amount at reading precision as plain text (for attributes, SVG titles, sentences)."""
    if amount_won is None or amount_won == "":
        return ""
    return format_won(int(amount_won), _language())


@register.filter
def won_exact(amount_won: int | None) -> str:
    """The exact amount: "1조 1,667억 9,452만 547원"."""
    if amount_won is None or amount_won == "":
        return ""
    return format_won_exact(int(amount_won), _language())


@register.filter
def won_short(amount_won: int | None) -> str:
    """The same as ``won`` (one rule on every screen)."""
    return won(amount_won)


@register.filter
def won_difference(amount_won: int, base_won: int) -> str:
    """``amount - base`` as a signed amount: "+1,000억 원", "-100 billion won", "0원"."""
    difference = int(amount_won) - int(base_won)
    language = _language()
    sign = "+" if difference > 0 else ""
    return _with_tooltip(
        sign + format_won(difference, language), sign + format_won_exact(difference, language)
    )


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
def kpi_value(value: Decimal | int | None, kpi: Any) -> str:
    """A value of ``kpi`` at its precision (``kpi.value_decimals``), money as an amount."""
    if value is None or value == "":
        return "-"
    return format_value(
        value,
        _language(),
        unit=getattr(kpi, "unit", "") or "",
        decimals=getattr(kpi, "value_decimals", None),
    )


@register.filter
def unit(text: str | None) -> str:
    """A KPI unit in the active language: "persons" -> "명"."""
    return unit_label(text or "", _language())


@register.filter
def kpi_unit(kpi: Any) -> str:
    """The unit to write after a value of ``kpi``: none for a KPI measured in won, whose values
    ``kpi_value`` already writes as amounts ("2.1 trillion won", not "2.1 trillion won won")."""
    if getattr(kpi, "is_money", False):
        return ""
    return unit(getattr(kpi, "unit", "") or "")


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
