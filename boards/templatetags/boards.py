"""Template helpers for the boards: status word + icon + colour class, explanations rendered in
the active language (``status.rules.render_explanation``), dates, numbers and percentages in the
language's conventions (``status.rules`` formatting, ``budget.formatting`` for money)."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from budget.formatting import base_language, format_value
from budget.models import COFOG, AIComponent
from status import rules

register = template.Library()

ICONS = {
    "off_track": "✖",
    "at_risk": "▲",
    "no_data": "?",
    "on_track": "●",
    "achieved": "★",
    "not_started": "○",
    "no_kpi": "∅",
}


def _lang() -> str:
    return base_language(get_language())


@register.filter
def status_label(status: str | None) -> str:
    if not status:
        return ""
    try:
        return str(rules.STATUS_LABELS[rules.Status(status)])
    except ValueError:
        return str(status)


@register.filter
def status_icon(status: str | None) -> str:
    return ICONS.get(status or "", "")


@register.simple_tag
def status_badge(status: str | None) -> str:
    """The status as a word in a badge; app.css adds its shape and colour
    (``.status--<status>``)."""
    if not status:
        return ""
    return format_html('<span class="status status--{}">{}</span>', status, status_label(status))


@register.filter
def explain(row: Any) -> str:
    """A stored row's explanation in the active language (``StoredResult.explanation``)."""
    if row is None or not hasattr(row, "explanation"):
        return ""
    return str(row.explanation(_lang()))


@register.filter
def explain_budget(row: Any) -> str:
    """A stored programme row's budget execution explanation in the active language."""
    if row is None or not hasattr(row, "budget_explanation"):
        return ""
    return str(row.budget_explanation(_lang()))


@register.filter
def day(value: date | str | None) -> str:
    if not value:
        return ""
    return rules.format_date(value, _lang())


@register.filter
def num(value: Decimal | int | None) -> str:
    if value is None:
        return "-"
    return rules.format_number(value, _lang())


@register.filter
def pct(value: Decimal | float | None) -> str:
    if value is None:
        return "-"
    return rules.format_percent(value, _lang())


@register.filter
def count(value: int | None) -> str:
    return f"{int(value or 0):,}"


@register.filter
def forecast_sentence(row: Any) -> str:
    """What the stored forecast says, in a sentence."""
    if row is None or row.forecast_value is None:
        return ""
    lang = _lang()
    descriptor = getattr(type(row), "kpi", None)
    kpi = row.kpi if descriptor is not None and descriptor.is_cached(row) else None

    def value(number: Any) -> str:
        if kpi is not None:
            return format_value(number, lang, unit=kpi.unit, decimals=kpi.value_decimals)
        return rules.format_number(number, lang)

    params = {
        "value": value(row.forecast_value),
        "target": value(row.target) if row.target is not None else "-",
        "target_date": rules.format_date(row.target_date, lang) if row.target_date else "-",
    }
    if row.forecast_miss:
        text = _("Forecast %(value)s by %(target_date)s, short of the target %(target)s.")
    else:
        text = _("Forecast %(value)s by %(target_date)s: on course for the target %(target)s.")
    text = text % params
    if row.forecast_date:
        text += " " + _("Trend reaches the target on %(date)s.") % {
            "date": rules.format_date(row.forecast_date, lang)
        }
    return text


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def query_with(context: Any, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (``None`` removes one)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def css_pct(value: Decimal | float | None) -> str:
    """A ratio as a CSS percentage ("12.3456%"), locale-independent."""
    if value is None:
        return "0%"
    return f"{float(value) * 100:.4f}%"


@register.filter
def pct_class(value: Decimal | float | None) -> str:
    """A ratio as the width class of static/css/widths.css ("w-123" is 12.3%), clamped to
    0-100%: the Content-Security-Policy allows no style attributes."""
    if value is None:
        return "w-0"
    tenths = round(float(value) * 1000)
    return f"w-{min(1000, max(0, tenths))}"


COFOG_LABELS = dict(COFOG.choices)
COMPONENT_LABELS = dict(AIComponent.choices)


@register.simple_tag
def cofog_label(code: str) -> str:
    return f"{code} {COFOG_LABELS[code]}" if code in COFOG_LABELS else str(_("Unclassified"))


@register.simple_tag
def component_label(code: str) -> str:
    return str(COMPONENT_LABELS.get(code, _("Unclassified")))


def _escape(value: Any) -> str:
    """``conditional_escape`` without its lazy-string checks: safe strings as they are, anything
    else as text escaped by ``html.escape`` (what Django's ``escape`` does)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


@register.simple_tag
def filter_control(bound_field: Any) -> str:
    """A filter field's control, written directly (Django's widget templates render each option
    through the template engine, which would cost more than the whole table): a select for a
    field with choices (``multiple`` for a multiple choice), else a text input. The label is
    written by the template."""
    from django.forms import MultipleChoiceField

    field = bound_field.field
    name, widget_id = _escape(bound_field.html_name), _escape(bound_field.id_for_label)
    value = bound_field.value()
    described = f"{widget_id}-error" if bound_field.errors else ""
    aria = f' aria-describedby="{described}" aria-invalid="true"' if described else ""
    choices = getattr(field, "choices", None)
    if choices is None:
        return mark_safe(
            f'<input type="search" name="{name}" id="{widget_id}" value="{_escape(value or "")}"'
            f"{aria}>"
        )
    multiple = isinstance(field, MultipleChoiceField)
    selected = {str(v) for v in (value or [])} if multiple else {str(value or "")}
    options = "".join(
        f'<option value="{_escape(key)}"{" selected" if str(key) in selected else ""}>'
        f"{_escape(label)}</option>"
        for key, label in choices
        if not (multiple and key == "")
    )
    return mark_safe(
        f'<select name="{name}" id="{widget_id}"{" multiple" if multiple else ""}{aria}>'
        f"{options}</select>"
    )


@register.simple_tag
def program_table_rows(rows: list[Any], url_prefix: str, query: str) -> str:
    """The programmes table's body rows, written in Python: the same cells as a template loop
    would write, at a fraction of the cost per cell (the table is the bulk of the page). Text is
    escaped with ``html.escape``, which is what Django's ``escape`` does, without its per-call
    lazy-string checks; labels and the names of pillars and areas are escaped once per page."""
    from budget.formatting import format_won, format_won_exact, localized_name

    lang = _lang()
    esc = html.escape
    yes, no = esc(str(_("Yes"))), esc(str(_("No")))
    # Every label resolved once for the page, not once per cell.
    badges = {s.value: str(status_badge(s.value)) for s in rules.Status}
    unclassified = esc(str(_("Unclassified")))
    cofogs = {code: esc(f"{code} {label}") for code, label in COFOG_LABELS.items()}
    components = {code: esc(str(label)) for code, label in COMPONENT_LABELS.items()}
    overdue_yes = f'<span class="status status--overdue">{yes}</span>'
    forecast_yes = f'<span class="status status--forecast_miss">{yes}</span>'
    href_prefix, href_query = esc(url_prefix), esc(query)
    names: dict[int, str] = {}

    def node_name(node: Any) -> str:
        if node is None:
            return "—"
        name = names.get(node.pk)
        if name is None:
            name = names[node.pk] = esc(localized_name(node.name, node.name_ko, lang))
        return name

    out = []
    for r in rows:
        node = r.node
        overdue = r.any_overdue or r.status == "no_data"
        rate = r.execution_rate
        out.append(
            f'<tr><th scope="row"><a href="{href_prefix}{esc(quote(node.code, safe=""))}/'
            f'{href_query}">{esc(node.code)}</a></th>'
            f"<td>{esc(localized_name(node.name, node.name_ko, lang))}</td>"
            f"<td>{node_name(r.pillar_node)}</td><td>{node_name(r.area_node)}</td>"
            f"<td>{esc(r.program.ministry.code)}</td><td>{badges.get(r.status, '')}</td>"
            f'<td class="num"><span title="{esc(format_won_exact(r.allocated_won, lang))}">'
            f"{esc(format_won(r.allocated_won, lang))}</span></td>"
            f'<td class="num">'
            f"{esc(rules.format_percent(rate, lang)) if rate is not None else '-'}</td>"
            f"<td>{badges.get(r.budget_status, '')}</td>"
            f"<td>{overdue_yes if overdue else no}</td>"
            f"<td>{forecast_yes if r.any_forecast_miss else no}</td>"
            f"<td>{cofogs.get(r.cofog_value, unclassified)}</td>"
            f"<td>{components.get(r.component_value, unclassified)}</td></tr>"
        )
    return mark_safe("".join(out))
