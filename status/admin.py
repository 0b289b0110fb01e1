"""Admin: the stored statuses, the stale marks and the task runs, all read-only (they are written
only by the status engine). Values read at reading precision by the one formatting rule
(``budget.formatting``): a KPI's values at its decimals (``kpis.admin.kpi_value_html``), ratios
and shares as percentages, amounts in 조/억 or trillion/billion won; the exact figure in a
tooltip."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from budget.formatting import format_share, format_won, format_won_exact
from kpis.admin import kpi_value_html
from status.models import (
    KPIStatus,
    NodeStatus,
    ProgramState,
    ProgramStatus,
    TaskRun,
)
from status.rules import STATUS_LABELS, Status


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TaskRun)
class TaskRunAdmin(ReadOnlyAdmin):
    list_display = ["task_name", "state", "attempt", "started_at", "finished_at", "task_id"]
    list_filter = ["state", "task_name"]
    search_fields = ["task_name", "task_id", "error"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "task_name",
        "task_id",
        "args",
        "kwargs",
        "attempt",
        "state",
        "started_at",
        "finished_at",
        "result",
        "error",
        "traceback",
    ]


def _language() -> str:
    return translation.get_language() or "ko"


def _share(value: Any) -> str:
    if value is None:
        return "-"
    return format_html('<span title="{}">{}</span>', value, format_share(value, _language()))


def _won(value: int | None) -> str:
    if value is None:
        return "-"
    language = _language()
    return format_html(
        '<span title="{}">{}</span>',
        format_won_exact(value, language),
        format_won(value, language),
    )


class _Explained:
    @admin.display(description=_("explanation"))
    def explanation_shown(self, obj: Any) -> str:
        return str(obj.explanation())


@admin.register(KPIStatus)
class KPIStatusAdmin(_Explained, ReadOnlyAdmin):
    list_display = [
        "kpi",
        "as_of",
        "status",
        "actual_shown",
        "expected_shown",
        "ratio_shown",
        "overdue",
    ]
    list_filter = ["status", "as_of", "overdue"]
    search_fields = ["kpi__code"]
    list_select_related = ["kpi"]
    fields = [
        "kpi",
        "as_of",
        "status",
        "explanation_shown",
        "actual_shown",
        "expected_shown",
        "ratio_shown",
        "target_shown",
        "target_date",
        "assessed_at",
        "overdue",
        "forecast_shown",
        "forecast_date",
        "forecast_miss",
        "computed_at",
    ]
    readonly_fields = [str(f) for f in fields]

    @admin.display(description=_("actual"), ordering="actual")
    def actual_shown(self, obj: KPIStatus) -> str:
        return kpi_value_html(obj.kpi, obj.actual)

    @admin.display(description=_("expected"), ordering="expected")
    def expected_shown(self, obj: KPIStatus) -> str:
        return kpi_value_html(obj.kpi, obj.expected)

    @admin.display(description=_("progress ratio"), ordering="ratio")
    def ratio_shown(self, obj: KPIStatus) -> str:
        return _share(obj.ratio)

    @admin.display(description=_("target in force"), ordering="target")
    def target_shown(self, obj: KPIStatus) -> str:
        return kpi_value_html(obj.kpi, obj.target)

    @admin.display(description=_("forecast value"), ordering="forecast_value")
    def forecast_shown(self, obj: KPIStatus) -> str:
        return kpi_value_html(obj.kpi, obj.forecast_value)


@admin.register(ProgramStatus)
class ProgramStatusAdmin(_Explained, ReadOnlyAdmin):
    list_display = ["program", "as_of", "status", "budget_status", "execution_rate_shown"]
    list_filter = ["status", "budget_status", "as_of"]
    search_fields = ["program__code"]
    list_select_related = ["program"]
    fields = [
        "program",
        "as_of",
        "status",
        "explanation_shown",
        "allocated_shown",
        "executed_shown",
        "execution_rate_shown",
        "expected_share_shown",
        "budget_ratio_shown",
        "budget_status",
        "budget_assessed_at",
        "over_executed",
        "computed_at",
    ]
    readonly_fields = [str(f) for f in fields]

    @admin.display(description=_("allocated (won)"), ordering="allocated_won")
    def allocated_shown(self, obj: ProgramStatus) -> str:
        return _won(obj.allocated_won)

    @admin.display(description=_("executed (won)"), ordering="executed_won")
    def executed_shown(self, obj: ProgramStatus) -> str:
        return _won(obj.executed_won)

    @admin.display(description=_("execution rate"), ordering="execution_rate")
    def execution_rate_shown(self, obj: ProgramStatus) -> str:
        return _share(obj.execution_rate)

    @admin.display(description=_("expected share"), ordering="expected_share")
    def expected_share_shown(self, obj: ProgramStatus) -> str:
        return _share(obj.expected_share)

    @admin.display(description=_("budget ratio"), ordering="budget_ratio")
    def budget_ratio_shown(self, obj: ProgramStatus) -> str:
        return _share(obj.budget_ratio)


@admin.register(NodeStatus)
class NodeStatusAdmin(_Explained, ReadOnlyAdmin):
    list_display = ["node", "as_of", "status"]
    list_filter = ["status", "as_of"]
    search_fields = ["node__code"]
    list_select_related = ["node"]
    fields = [
        "node",
        "as_of",
        "status",
        "explanation_shown",
        "counts_shown",
        "amounts_shown",
        "computed_at",
    ]
    readonly_fields = [str(f) for f in fields]

    @admin.display(description=_("programmes per status"))
    def counts_shown(self, obj: NodeStatus) -> str:
        return format_html_join(
            ", ", "{}: {}", ((STATUS_LABELS[Status(k)], v) for k, v in obj.status_counts.items())
        )

    @admin.display(description=_("money per status"))
    def amounts_shown(self, obj: NodeStatus) -> str:
        return format_html_join(
            ", ",
            "{}: {}",
            ((STATUS_LABELS[Status(k)], _won(int(v))) for k, v in obj.amount_by_status.items()),
        )


@admin.register(ProgramState)
class ProgramStateAdmin(ReadOnlyAdmin):
    list_display = ["program", "stale", "reason", "marked_at", "recomputed_at"]
    list_filter = ["stale"]
    list_select_related = ["program"]
