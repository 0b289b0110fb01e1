"""Reading the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditAction, AuditEntry


def audit_entry_list() -> QuerySet[AuditEntry]:
    """Entries newest first, with what the list and the exports show."""
    return AuditEntry.objects.select_related("ministry", "actor_ministry").order_by("-seq")


def audit_object_history(*, object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    return audit_entry_list().filter(object_type=object_type, object_id=object_id).order_by("seq")


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start of ``day`` and of the next day, in the current time zone (Asia/Seoul)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def audit_entries_on(day: dt.date) -> QuerySet[AuditEntry]:
    start, end = day_bounds(day)
    return audit_entry_list().filter(at__gte=start, at__lt=end).order_by("seq")


@dataclass
class StateAsOf:
    """Objects as they stood at the end of a day, rebuilt from the audit trail alone."""

    day: dt.date
    nodes: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)


REPLAYED_TYPES = ("budget.budgetnode", "programs.program", "reporting.progressreport")


def replay_state(*, day: dt.date) -> StateAsOf:
    """Budget nodes and progress reports as they stood at the end of ``day``, rebuilt by replaying
    their create/update/delete entries (one query). The status board itself is stored by the
    status app; this is the audit trail's own account of the same day."""
    _start, end = day_bounds(day)
    rows = (
        AuditEntry.objects.filter(object_type__in=REPLAYED_TYPES, at__lt=end)
        .filter(action__in=[AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE])
        .order_by("seq")
        .values_list("object_type", "object_id", "action", "after")
    )
    state: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in REPLAYED_TYPES}
    for otype, oid, action, after in rows.iterator():
        objects = state[otype]
        if action == AuditAction.DELETE:
            objects.pop(oid, None)
        elif action == AuditAction.CREATE:
            objects[oid] = dict(after or {})
        else:
            objects.setdefault(oid, {}).update(after or {})
    nodes = state["budget.budgetnode"]
    programs = state["programs.program"]
    node_list = sorted(
        ({"id": k, **v} for k, v in nodes.items()), key=lambda n: str(n.get("path") or "")
    )
    reports = []
    for rid, rep in state["reporting.progressreport"].items():
        program = programs.get(str(rep.get("program")), {})
        # Programmes recorded before they outlived a year named their node, not a code.
        code = program.get("code") or nodes.get(str(program.get("node")), {}).get("code", "")
        reports.append({"id": rid, "program_code": code, **rep})
    reports.sort(key=lambda r: (r["program_code"], str(r.get("period_end")), r.get("revision", 0)))
    return StateAsOf(day=day, nodes=node_list, reports=reports)
