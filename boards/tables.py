"""The programmes table (django-tables2): every column sortable, in the database."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from boards.selectors import Tree
from boards.templatetags.boards import status_icon, status_label
from budget.formatting import base_language, format_won, localized_name
from budget.models import COFOG, AIComponent
from kpis import rules
from status.models import ProgramStatus

COFOG_LABELS = dict(COFOG.choices)
COMPONENT_LABELS = dict(AIComponent.choices)


def _lang() -> str:
    return base_language(get_language())


def _th_attrs(**extra: Any) -> dict[str, Any]:
    def aria_sort(bound_column: Any) -> str | None:
        if not bound_column.is_ordered:
            return None
        return "descending" if bound_column.order_by_alias.is_descending else "ascending"

    return {"th": {"scope": "col", "aria-sort": aria_sort, **extra}}


def status_html(status: str) -> str:
    return render_to_string(
        "boards/_status.html",
        {"status": status, "label": status_label(status), "icon": status_icon(status)},
    )


def yes_no(value: bool) -> str:
    return str(_("Yes")) if value else str(_("No"))


class ProgramTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"), accessor="program__node__code", attrs=_th_attrs())
    name = tables.Column(
        verbose_name=_("Programme"), accessor="program__node__name", attrs=_th_attrs()
    )
    pillar = tables.Column(
        verbose_name=_("Pillar"),
        accessor="program__node__path",
        order_by=("program__node__path",),
        attrs=_th_attrs(),
    )
    area = tables.Column(
        verbose_name=_("Area"),
        accessor="program__node__path",
        order_by=("program__node__path",),
        attrs=_th_attrs(),
    )
    ministry = tables.Column(
        verbose_name=_("Ministry"), accessor="program__ministry__code", attrs=_th_attrs()
    )
    status = tables.Column(
        verbose_name=_("Status"), order_by=("severity", "program__node__path"), attrs=_th_attrs()
    )
    allocated_won = tables.Column(
        verbose_name=_("Budget"), attrs={**_th_attrs(), "td": {"class": "num"}}
    )
    execution_rate = tables.Column(
        verbose_name=_("Executed"), attrs={**_th_attrs(), "td": {"class": "num"}}
    )
    budget_status = tables.Column(verbose_name=_("Budget status"), attrs=_th_attrs())
    any_overdue = tables.Column(verbose_name=_("Overdue"), attrs=_th_attrs())
    any_forecast_miss = tables.Column(verbose_name=_("Forecast to miss"), attrs=_th_attrs())
    eff_cofog = tables.Column(verbose_name=_("COFOG"), attrs=_th_attrs())
    eff_component = tables.Column(verbose_name=_("AI component"), attrs=_th_attrs())

    class Meta:
        model = ProgramStatus
        fields: tuple[str, ...] = ()
        sequence = (
            "code",
            "name",
            "pillar",
            "area",
            "ministry",
            "status",
            "allocated_won",
            "execution_rate",
            "budget_status",
            "any_overdue",
            "any_forecast_miss",
            "eff_cofog",
            "eff_component",
        )
        template_name = "boards/_table.html"
        attrs = {"class": "data-table", "id": "programs-table"}
        empty_text = _("No programme matches these filters.")
        orderable = True

    def __init__(self, *args: Any, tree: Tree, as_of_query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.as_of_query = as_of_query

    def render_code(self, record: ProgramStatus) -> str:
        url = reverse("boards:program", args=[record.program.node.code]) + self.as_of_query
        return format_html('<a href="{}">{}</a>', url, record.program.node.code)

    def render_name(self, record: ProgramStatus) -> str:
        node = record.program.node
        return localized_name(node.name, node.name_ko, _lang())

    def _node_name(self, node: Any) -> str:
        return localized_name(node.name, node.name_ko, _lang()) if node else "—"

    def render_pillar(self, record: ProgramStatus) -> str:
        return self._node_name(self.tree.pillar_of(record.program.node.path))

    def render_area(self, record: ProgramStatus) -> str:
        return self._node_name(self.tree.area_of(record.program.node.path))

    def render_status(self, value: str) -> str:
        return format_html("{}", status_html(value).strip()) if value else ""

    def render_budget_status(self, value: str) -> str:
        return format_html("{}", status_html(value).strip()) if value else ""

    def render_allocated_won(self, value: int) -> str:
        return format_won(value, _lang())

    def render_execution_rate(self, value: Any) -> str:
        return rules.format_percent(value, _lang())

    def render_any_overdue(self, value: bool) -> str:
        return yes_no(value)

    def render_any_forecast_miss(self, value: bool) -> str:
        return yes_no(value)

    def render_eff_cofog(self, value: str) -> str:
        return f"{value} {COFOG_LABELS[value]}" if value in COFOG_LABELS else str(_("Unclassified"))

    def render_eff_component(self, value: str) -> str:
        return str(COMPONENT_LABELS.get(value, _("Unclassified")))
