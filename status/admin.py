"""Admin: the stored statuses, the stale marks and the task runs, all read-only (they are written
only by the status engine)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from status.models import (
    KPIStatus,
    NodeStatus,
    ProgramState,
    ProgramStatus,
    TaskRun,
)


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


@admin.register(KPIStatus)
class KPIStatusAdmin(ReadOnlyAdmin):
    list_display = ["kpi", "as_of", "status", "actual", "expected", "ratio", "overdue"]
    list_filter = ["status", "as_of", "overdue"]
    search_fields = ["kpi__code"]
    list_select_related = ["kpi"]


@admin.register(ProgramStatus)
class ProgramStatusAdmin(ReadOnlyAdmin):
    list_display = ["program", "as_of", "status", "budget_status", "execution_rate"]
    list_filter = ["status", "budget_status", "as_of"]
    search_fields = ["program__code"]
    list_select_related = ["program"]


@admin.register(NodeStatus)
class NodeStatusAdmin(ReadOnlyAdmin):
    list_display = ["node", "as_of", "status"]
    list_filter = ["status", "as_of"]
    search_fields = ["node__code"]
    list_select_related = ["node"]


@admin.register(ProgramState)
class ProgramStateAdmin(ReadOnlyAdmin):
    list_display = ["program", "stale", "reason", "marked_at", "recomputed_at"]
    list_filter = ["stale"]
    list_select_related = ["program"]
