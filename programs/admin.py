"""Programmes in the admin, with their KPIs inline (edit a KPI's targets from its own page, through
"Revise target", so that every revision keeps its reason)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from budget.formatting import format_won, localized_name
from kpis.admin import kpi_value_html
from kpis.models import KPI
from programs.models import Program


class KPIInline(admin.TabularInline):
    model = KPI
    extra = 0
    fields = (
        "code",
        "name",
        "unit",
        "kind",
        "direction",
        "baseline_shown",
        "target_shown",
        "target_date",
    )
    readonly_fields = fields

    @admin.display(description=_("baseline"))
    def baseline_shown(self, obj: Any) -> str:
        return kpi_value_html(obj, obj.baseline)

    @admin.display(description=_("target"))
    def target_shown(self, obj: Any) -> str:
        return kpi_value_html(obj, obj.target)

    show_change_link = True
    ordering = ("position", "code")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "fiscal_year",
        "ministry",
        "owner_assumed",
        "start",
        "end",
        "frequency",
        "amount",
        "kpi_count",
    )
    list_filter = ("node__fiscal_year", "ministry", "owner_assumed", "frequency")
    search_fields = ("node__code", "node__name", "node__name_ko", "ministry__code")
    list_select_related = ("node", "node__fiscal_year", "ministry")
    autocomplete_fields = ("node", "ministry")
    readonly_fields = ("amount", "kpi_count")
    date_hierarchy = "start"
    ordering = ("node__fiscal_year", "node__path")
    inlines = (KPIInline,)
    fields = ("node", "amount", "ministry", "owner_assumed", "start", "end", "frequency")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Program]:
        return super().get_queryset(request).annotate(_kpi_count=Count("kpis"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A programme stays on the node it was created for.
        if obj is not None:
            return (*self.readonly_fields, "node")
        return tuple(self.readonly_fields)

    @admin.display(description=_("code"), ordering="node__code")
    def code(self, obj: Program) -> str:
        return obj.node.code

    @admin.display(description=_("name"), ordering="node__name")
    def name(self, obj: Program) -> str:
        return localized_name(obj.node.name, obj.node.name_ko, translation.get_language() or "ko")

    @admin.display(description=_("fiscal year"), ordering="node__fiscal_year__year")
    def fiscal_year(self, obj: Program) -> int:
        return obj.node.fiscal_year.year

    @admin.display(description=_("amount"), ordering="node__amount_won")
    def amount(self, obj: Program) -> str:
        if not obj.node_id:
            return ""
        return format_won(obj.node.amount_won, translation.get_language() or "ko")

    @admin.display(description=_("KPIs"), ordering="_kpi_count")
    def kpi_count(self, obj: Program) -> int:
        return getattr(obj, "_kpi_count", 0)
