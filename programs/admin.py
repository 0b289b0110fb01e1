"""Programmes in the admin, with their KPIs inline (edit a KPI's targets from its own page, through
"Revise target", so that every revision keeps its reason)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from budget.formatting import format_won, localized_name
from budget.models import BudgetNode
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
        "local_name",
        "ministry",
        "owner_assumed",
        "start",
        "end",
        "frequency",
        "allocations_by_year",
        "kpi_count",
    )
    list_filter = ("allocations__fiscal_year", "ministry", "owner_assumed", "frequency")
    search_fields = ("code", "name", "name_ko", "ministry__code")
    list_select_related = ("ministry",)
    autocomplete_fields = ("ministry",)
    readonly_fields = ("allocations_by_year", "kpi_count")
    date_hierarchy = "start"
    ordering = ("code",)
    inlines = (KPIInline,)
    fields = (
        "code",
        "name",
        "name_ko",
        "allocations_by_year",
        "ministry",
        "owner_assumed",
        "start",
        "end",
        "frequency",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Program]:
        return (
            super()
            .get_queryset(request)
            .annotate(_kpi_count=Count("kpis", distinct=True))
            .prefetch_related(
                Prefetch(
                    "allocations",
                    queryset=BudgetNode.objects.select_related("fiscal_year").order_by(
                        "fiscal_year__year"
                    ),
                )
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A programme keeps its code: every year's budget node of that code funds it.
        if obj is not None:
            return (*self.readonly_fields, "code")
        return tuple(self.readonly_fields)

    @admin.display(description=_("name"), ordering="name")
    def local_name(self, obj: Program) -> str:
        return localized_name(obj.name, obj.name_ko, translation.get_language() or "ko")

    @admin.display(description=_("allocation by year"))
    def allocations_by_year(self, obj: Program) -> str:
        language = translation.get_language() or "ko"
        return ", ".join(
            f"{node.fiscal_year.year}: {format_won(node.amount_won, language)}"
            for node in obj.allocations.all()
        )

    @admin.display(description=_("KPIs"), ordering="_kpi_count")
    def kpi_count(self, obj: Program) -> int:
        return getattr(obj, "_kpi_count", 0)
