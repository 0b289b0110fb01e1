"""Progress reports in the admin: for looking, not for bypassing the workflow.

Reports are created, changed, submitted, approved and returned only through reporting/services.py
(the pages, the API, ``import_progress``), which check permissions and input and record every
transition. Here everything is read-only (a change here would bypass the transition record), and
approved reports cannot even be opened for change. Nothing can be added or deleted. (Target
revisions are in the KPI admin, kpis/admin.py.)
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from budget.formatting import format_won, format_won_exact
from kpis.admin import kpi_value_html
from reporting.models import (
    EvidenceFile,
    KPIValue,
    ProgressReport,
    ReportStatus,
    ReportTransition,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class KPIValueInline(_ReadOnlyInline):
    model = KPIValue
    fields = ("kpi", "value_shown", "shortfall_reason", "shortfall_remedy")
    readonly_fields = fields

    @admin.display(description=_("value"))
    def value_shown(self, obj: KPIValue) -> str:
        return kpi_value_html(obj.kpi, obj.value)


class EvidenceInline(_ReadOnlyInline):
    model = EvidenceFile
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields


class TransitionInline(_ReadOnlyInline):
    model = ReportTransition
    fields = ("at", "action", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = (
        "program",
        "period_end",
        "revision",
        "status",
        "is_current",
        "executed_amount",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
    )
    list_filter = ("status", "is_current", "program__ministry")
    search_fields = ("program__code", "program__name", "narrative")
    date_hierarchy = "period_end"
    list_select_related = ("program", "submitted_by", "reviewed_by")
    inlines = (KPIValueInline, EvidenceInline, TransitionInline)
    fields = (
        "program",
        "period_start",
        "period_end",
        "revision",
        "status",
        "is_current",
        "executed_amount",
        "over_execution_confirmed",
        "narrative",
        "review_comment",
        "version",
        "created_by",
        "created_at",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "approved_at",
        "updated_at",
    )

    readonly_fields = fields

    @admin.display(description=_("Executed"), ordering="executed_won")
    def executed_amount(self, obj: ProgressReport) -> str:
        """At reading precision, the exact amount as its tooltip."""
        if obj.executed_won is None:
            return "—"
        language = translation.get_language() or "ko"
        return format_html(
            '<span title="{}">{}</span>',
            format_won_exact(obj.executed_won, language),
            format_won(obj.executed_won, language),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status == ReportStatus.APPROVED:
            return False
        return super().has_change_permission(request, obj)


@admin.register(ReportTransition)
class ReportTransitionAdmin(admin.ModelAdmin):
    list_display = ("at", "report", "action", "from_status", "to_status", "actor")
    list_filter = ("action",)
    list_select_related = ("report__program", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
