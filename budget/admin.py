"""The budget in the admin: fiscal years, ministries, the tree of nodes and their conflicting
statements.

The tree's structure (parent, position, depth, path) comes from the budget file
(``manage.py load_budget``; edit a year by exporting it, editing and loading it again), so it is
read-only here and nodes are not added here. Names, amounts, statements and classifications can be
corrected; every change is audited (audit/signals.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from budget.formatting import format_share, format_won, share_of
from budget.models import BudgetConflict, BudgetNode, FiscalYear, Ministry


def _won(amount: int | None) -> str:
    if amount is None:
        return "—"
    return format_won(amount, translation.get_language() or "ko")


@admin.register(FiscalYear)
class FiscalYearAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "title_ko", "currency", "node_count", "total")
    search_fields = ("title", "title_ko")
    ordering = ("-year",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[FiscalYear]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _node_count=Count("nodes"),
                _total=Sum("nodes__amount_won", filter=Q(nodes__parent__isnull=True)),
            )
        )

    @admin.display(description=_("budget items"), ordering="_node_count")
    def node_count(self, obj: FiscalYear) -> int:
        return getattr(obj, "_node_count", 0)

    @admin.display(description=_("total"), ordering="_total")
    def total(self, obj: FiscalYear) -> str:
        return _won(getattr(obj, "_total", None))


@admin.register(Ministry)
class MinistryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_ko", "program_count")
    search_fields = ("code", "name", "name_ko")
    ordering = ("code",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ministry]:
        return super().get_queryset(request).annotate(_program_count=Count("programs"))

    @admin.display(description=_("programmes"), ordering="_program_count")
    def program_count(self, obj: Ministry) -> int:
        return getattr(obj, "_program_count", 0)


class BudgetConflictInline(admin.TabularInline):
    model = BudgetConflict
    extra = 0
    fields = ("amount_won", "amount_display", "source_text", "position")
    readonly_fields = ("amount_display",)
    ordering = ("position", "id")

    @admin.display(description=_("amount"))
    def amount_display(self, obj: BudgetConflict) -> str:
        return _won(obj.amount_won) if obj.pk else ""


class IsProgramFilter(admin.SimpleListFilter):
    title = _("tracked programme")
    parameter_name = "is_program"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", str(_("Yes"))), ("no", str(_("No")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(program__isnull=False)
        if self.value() == "no":
            return queryset.filter(program__isnull=True)
        return queryset


@admin.register(BudgetNode)
class BudgetNodeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "name_ko",
        "fiscal_year",
        "parent_code",
        "amount",
        "share_of_parent",
        "depth",
        "cofog",
        "ai_component",
        "is_program",
    )
    list_display_links = ("code", "name")
    list_filter = ("fiscal_year", "depth", IsProgramFilter, "cofog", "ai_component")
    search_fields = ("code", "name", "name_ko", "source_text")
    list_select_related = ("fiscal_year", "parent", "program")
    ordering = ("fiscal_year", "path")
    inlines = (BudgetConflictInline,)
    readonly_fields = (
        "fiscal_year",
        "parent",
        "position",
        "depth",
        "path",
        "amount",
        "share_of_parent",
        "children_sum",
        "program_link",
        "page_link",
    )
    fieldsets = (
        (None, {"fields": ("fiscal_year", "code", "name", "name_ko", "page_link")}),
        (
            _("Amount"),
            {"fields": ("amount_won", "amount", "share_of_parent", "children_sum", "source_text")},
        ),
        (_("Classification"), {"fields": ("cofog", "ai_component", "program_link")}),
        (_("Place in the tree"), {"fields": ("parent", "position", "depth", "path")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None:
            return (*self.readonly_fields, "code")
        return tuple(self.readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet[BudgetNode]:
        return (
            super()
            .get_queryset(request)
            .annotate(_children_sum=Sum("children__amount_won"), _children=Count("children"))
        )

    @admin.display(description=_("parent"), ordering="parent__code")
    def parent_code(self, obj: BudgetNode) -> str:
        return obj.parent.code if obj.parent else ""

    @admin.display(description=_("amount"), ordering="amount_won")
    def amount(self, obj: BudgetNode) -> str:
        return _won(obj.amount_won)

    @admin.display(description=_("share of parent"))
    def share_of_parent(self, obj: BudgetNode) -> str:
        if obj.parent is None:
            return "—"
        return format_share(
            share_of(obj.amount_won, obj.parent.amount_won), translation.get_language() or "ko"
        )

    @admin.display(description=_("sum of its parts"))
    def children_sum(self, obj: BudgetNode) -> str:
        if not getattr(obj, "_children", 0):
            return "—"
        return _won(getattr(obj, "_children_sum", None))

    @admin.display(description=_("tracked programme"), boolean=True)
    def is_program(self, obj: BudgetNode) -> bool:
        return obj.program_id is not None

    @admin.display(description=_("programme"))
    def program_link(self, obj: BudgetNode) -> str:
        if obj.program is None:
            return "—"
        url = reverse("admin:programs_program_change", args=[obj.program.pk])
        return format_html('<a href="{}">{}</a>', url, obj.program)

    @admin.display(description=_("page"))
    def page_link(self, obj: BudgetNode) -> str:
        if obj.pk is None:
            return ""
        url = reverse("budget:node", args=[obj.fiscal_year.year, obj.code])
        return format_html('<a href="{}">{}</a>', url, url)


@admin.register(BudgetConflict)
class BudgetConflictAdmin(admin.ModelAdmin):
    list_display = ("node", "amount", "stated_amount", "source_text", "position")
    list_filter = ("node__fiscal_year",)
    search_fields = ("node__code", "node__name", "node__name_ko", "source_text")
    list_select_related = ("node", "node__fiscal_year")
    autocomplete_fields = ("node",)
    readonly_fields = ("amount", "stated_amount")

    @admin.display(description=_("amount"), ordering="amount_won")
    def amount(self, obj: BudgetConflict) -> str:
        return _won(obj.amount_won)

    @admin.display(description=_("amount loaded for the item"))
    def stated_amount(self, obj: BudgetConflict) -> str:
        return _won(obj.node.amount_won) if obj.node_id else ""
