"""Presentation helpers of the budget pages: words for reconciliation findings and the
server-rendered bar chart (inline SVG with a text alternative; no JavaScript).

``{% load budget_ui %}`` then ``{{ finding|finding_label }}``, ``{{ finding|finding_help }}`` and
``{% bar_chart rows chart_id title %}`` where ``rows`` have ``node``, ``amount_won`` and
``share_of_total`` (the :class:`budget.selectors.TreeRow` of the pillars).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from budget.formatting import format_share, format_won_short, localized_name
from budget.reconciliation import Finding, FindingKind

register = template.Library()

FINDING_LABELS = {
    FindingKind.OVER_ALLOCATED: _("Over-allocated"),
    FindingKind.UNALLOCATED: _("Unallocated"),
    FindingKind.CONFLICT: _("Conflicting amounts"),
}
FINDING_HELP = {
    FindingKind.OVER_ALLOCATED: _("Its parts add up to more than the amount stated for it."),
    FindingKind.UNALLOCATED: _("Its parts add up to less than the amount stated for it."),
    FindingKind.CONFLICT: _("The source states more than one amount for it."),
}

# Chart geometry, in SVG user units (the chart scales to its container).
CHART_WIDTH = 760
CHART_BAR_AREA = 500
CHART_ROW = 58
CHART_BAR_HEIGHT = 22
CHART_COLOURS = ("#1d4f91", "#0f7b6c", "#b35900", "#6b3fa0", "#8a1c3c", "#3d5a1e")


@register.filter
def finding_label(finding: Finding) -> str:
    return str(FINDING_LABELS.get(FindingKind(finding.kind), finding.kind))


@register.filter
def finding_help(finding: Finding) -> str:
    return str(FINDING_HELP.get(FindingKind(finding.kind), ""))


@register.inclusion_tag("budget/_bar_chart.html")
def bar_chart(rows: Sequence[Any], chart_id: str, title: str) -> dict[str, object]:
    """A horizontal bar chart of the rows' amounts, each bar labelled with the name, the amount
    and the share of the total; bars are scaled to the largest amount."""
    language = translation.get_language() or "ko"
    largest = max((row.amount_won for row in rows), default=0)
    bars = []
    for index, row in enumerate(rows):
        top = index * CHART_ROW
        width = round(CHART_BAR_AREA * row.amount_won / largest, 1) if largest else 0
        name = localized_name(row.node.name, row.node.name_ko, language)
        amount = format_won_short(row.amount_won, language)
        share = format_share(row.share_of_total, language)
        bars.append(
            {
                "name": name,
                "amount": amount,
                "share": share,
                "label_y": top + 16,
                "bar_y": top + 24,
                "width": f"{width:.1f}",
                "value_x": f"{width + 10:.1f}",
                "value_y": top + 24 + CHART_BAR_HEIGHT - 6,
                "colour": CHART_COLOURS[index % len(CHART_COLOURS)],
            }
        )
    description = "; ".join(f"{bar['name']}: {bar['amount']} ({bar['share']})" for bar in bars)
    return {
        "chart_id": chart_id,
        "title": title,
        "description": description,
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(CHART_ROW * len(bars), CHART_ROW),
        "bar_height": CHART_BAR_HEIGHT,
    }


@register.filter
def sections_of(tree: Any, root: Any) -> list[Any]:
    """``{% for section in tree|sections_of:root %}``: the pillars under a root with their
    items (see :meth:`budget.selectors.BudgetTree.sections`)."""
    return list(tree.sections(root))


@register.filter
def has_any_role(user: Any, roles: str) -> bool:
    """``{% if user|has_any_role:"auditor,administrator" %}``: accounts.roles decides (the roles
    are read once per request and cached on the user)."""
    from accounts.roles import Role, has_role

    wanted = [Role(name.strip()) for name in roles.split(",") if name.strip()]
    return bool(user) and has_role(user, *wanted)
