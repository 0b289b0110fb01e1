"""Which models the audit trail records, and how. Wired once in AuditConfig.ready().

For each model: the fields recorded (all concrete fields unless ``fields`` is given, minus
``exclude``; ``masked`` fields are recorded as changed without their value), the lookup from the
row to its ministry, and optional hooks naming the action of a create and extra data to keep.
Adding a model to the trail is one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

MASK = "********"


@dataclass(frozen=True)
class AuditedModel:
    label: str  # "app_label.ModelName"
    fields: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()
    # How to find the row's ministry: "pk" (it is a ministry), the name of a ministry foreign key
    # on the row, or a lookup path from the row ("program__ministry").
    ministry: str | None = None
    # The action recorded when a row is created (default "create").
    create_action: Callable[[Any], str] | None = None
    # Extra data kept with every entry for the row (e.g. a target revision's reason).
    extra: Callable[[Any], dict[str, Any]] | None = None
    m2m: tuple[str, ...] = ()

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    def recorded_fields(self) -> list[models.Field[Any, Any]]:
        out = []
        for f in self.model._meta.concrete_fields:
            if self.fields is not None and f.name not in self.fields:
                continue
            if f.name in self.exclude or getattr(f, "auto_now", False):
                continue
            out.append(f)
        return out


_TRANSITION_ACTIONS = {
    "submitted": "submit",
    "approved": "approve",
    "returned": "return",
    "correction": "correction",
}


def _transition_action(obj: Any) -> str:
    return _TRANSITION_ACTIONS.get(obj.action, "create")


def _transition_extra(obj: Any) -> dict[str, Any]:
    return {
        "report": obj.report_id,
        "from": obj.from_status,
        "to": obj.to_status,
        "comment": obj.comment,
    }


def _revision_extra(obj: Any) -> dict[str, Any]:
    return {"kpi": obj.kpi_id, "reason": obj.reason, "reason_text": obj.reason_text}


AUDITED: tuple[AuditedModel, ...] = (
    AuditedModel("budget.FiscalYear"),
    AuditedModel("budget.Ministry", ministry="pk"),
    AuditedModel(
        "accounts.User",
        fields=(
            "username",
            "first_name",
            "last_name",
            "email",
            "ministry",
            "is_active",
            "is_staff",
            "is_superuser",
            "password",
        ),
        masked=("password",),
        ministry="ministry",
        m2m=("groups", "user_permissions"),
    ),
    AuditedModel("budget.BudgetNode", ministry="program__ministry"),
    AuditedModel("budget.BudgetConflict", ministry="node__program__ministry"),
    AuditedModel("programs.Program", ministry="ministry"),
    AuditedModel("kpis.KPI", ministry="program__ministry"),
    AuditedModel("kpis.Milestone", ministry="kpi__program__ministry"),
    AuditedModel(
        "kpis.TargetRevision",
        ministry="kpi__program__ministry",
        create_action=lambda obj: "revise_target",
        extra=_revision_extra,
    ),
    AuditedModel("reporting.ProgressReport", ministry="program__ministry"),
    AuditedModel("reporting.KPIValue", ministry="report__program__ministry"),
    AuditedModel("reporting.EvidenceFile", ministry="report__program__ministry"),
    AuditedModel(
        "reporting.ReportTransition",
        ministry="report__program__ministry",
        create_action=_transition_action,
        extra=_transition_extra,
    ),
)

_by_model: dict[type[models.Model], AuditedModel] = {}


def config_for(model: type[models.Model]) -> AuditedModel | None:
    return _by_model.get(model)


def register_all() -> list[AuditedModel]:
    """Resolve the registry against the app registry (AuditConfig.ready())."""
    _by_model.clear()
    for cfg in AUDITED:
        _by_model[cfg.model] = cfg
    return list(AUDITED)


def object_type(model: type[models.Model]) -> str:
    return model._meta.label_lower


def object_type_choices() -> list[tuple[str, str]]:
    out = []
    for cfg in AUDITED:
        model = cfg.model
        out.append((model._meta.label_lower, str(model._meta.verbose_name)))
    return out


__all__ = ["AUDITED", "MASK", "AuditedModel", "config_for", "register_all"]
