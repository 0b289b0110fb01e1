"""The audit trail in business language, for the pages and people's exports (display only: what is
recorded and how it is chained is audit/services.py and audit/chain.py).

- an object is named by what it is: "실적 보고서 · AICERT AI 자격 인증 · 2026년 1월 1일 ~ 3월 31일
  · 개정 1", not "reporting.progressreport #18" or "14 2026-09-30 r1";
- a field by its translated label ("현재 반영 여부", not ``is_current``), a user by name (not
  ``created_by 6``), a choice by its translated word, yes/no in words, an amount at reading
  precision, a time in Asia/Seoul like the list;
- a report's history includes its values, evidence and transitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from budget.formatting import (
    MONEY_UNITS,
    base_language,
    format_number,
    format_won,
    localized_name,
)

# Objects recorded with a report: shown in the report's own history.
REPORT_PARTS = ("reporting.kpivalue", "reporting.evidencefile", "reporting.reporttransition")
SOURCE_LABELS = {
    "web": "Web",
    "api": "API",
    "system": "System",
}


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def type_label(object_type: str) -> str:
    """The kind of object in words: "실적 보고서" / "Progress report"."""
    model = _model(object_type)
    if model is None:
        return object_type
    return str(model._meta.verbose_name).capitalize()


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)  # type: ignore[return-value]
    except FieldDoesNotExist:
        if name.endswith("_id"):
            return _field(model, name[:-3])
        return None


def field_label(object_type: str, name: str) -> str:
    found = _field(_model(object_type), name)
    label = getattr(found, "verbose_name", None)
    return str(label).capitalize() if label else name


def local_time(value: dt.datetime | str | None) -> str:
    """A time in the site's zone (Asia/Seoul), as the list writes it: "2026-12-06 08:47:50"."""
    if value is None or value == "":
        return ""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


# What naming an object reads besides the object itself (one query per model).
RELATED = {
    "reporting.progressreport": ("program",),
    "reporting.kpivalue": ("kpi", "report__program"),
    "reporting.evidencefile": ("report__program",),
    "reporting.reporttransition": ("report__program",),
    "budget.budgetconflict": ("node",),
}


class _Names:
    """Related objects named with one query per model for a whole page (:meth:`load`)."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[str]] = {}
        self.cache: dict[tuple[type[models.Model], str], str] = {}
        self.money_kpis: dict[str, bool] = {}

    def want(self, model: type[models.Model] | None, pk: Any) -> None:
        if model is not None and pk not in (None, "") and not isinstance(pk, (dict, list)):
            self.wanted.setdefault(model, set()).add(str(pk))

    def load(self, language: str) -> None:
        for model, pks in self.wanted.items():
            keys = [pk for pk in pks if (model, pk) not in self.cache]
            if not keys:
                continue
            try:
                keys_typed: list[Any] = [model._meta.pk.to_python(pk) for pk in keys]
            except Exception:
                continue
            manager = model._default_manager.select_related(
                *RELATED.get(model._meta.label_lower, ())
            )
            for obj in manager.filter(pk__in=keys_typed):
                self.cache[(model, str(obj.pk))] = object_name(obj, language)
                if model._meta.label_lower == "kpis.kpi":
                    self.money_kpis[str(obj.pk)] = bool(getattr(obj, "is_money", False))
            for pk in keys:
                self.cache.setdefault((model, pk), f"#{pk}")
        self.wanted.clear()

    def name(self, model: type[models.Model], pk: Any, language: str) -> str:
        key = (model, str(pk))
        if key not in self.cache:
            self.want(model, pk)
            self.load(language)
        return self.cache[key]


def object_name(obj: models.Model, language: str) -> str:
    """What a person calls the object, without database ids."""
    label = obj._meta.label_lower
    if label == "accounts.user":
        return obj.get_username()  # type: ignore[attr-defined]
    if label == "reporting.progressreport":
        node = obj.program  # type: ignore[attr-defined]
        from status.rules import format_date

        return " · ".join(
            [
                f"{node.code} {localized_name(node.name, node.name_ko, language)}",
                f"{format_date(obj.period_start, language)} ~ "  # type: ignore[attr-defined]
                f"{format_date(obj.period_end, language)}",  # type: ignore[attr-defined]
                _("revision %(n)s") % {"n": obj.revision},  # type: ignore[attr-defined]
            ]
        )
    if label in ("reporting.kpivalue", "reporting.evidencefile", "reporting.reporttransition"):
        report = obj.report  # type: ignore[attr-defined]
        own = ""
        if label == "reporting.kpivalue":
            kpi = obj.kpi  # type: ignore[attr-defined]
            own = f"{kpi.code} {localized_name(kpi.name, kpi.name_ko, language)}"
        elif label == "reporting.evidencefile":
            own = str(getattr(obj, "original_name", "") or "")
        else:
            own = str(obj.get_action_display())  # type: ignore[attr-defined]
        return f"{own} · {object_name(report, language)}" if own else object_name(report, language)
    if label in ("kpis.kpi", "budget.budgetnode", "budget.ministry", "programs.program"):
        code = getattr(obj, "code", "")
        return f"{code} {localized_name(obj.name, obj.name_ko, language)}"  # type: ignore[attr-defined]
    if label == "budget.budgetconflict":
        node = obj.node  # type: ignore[attr-defined]
        return f"{node.code}: {format_won(obj.amount_won, language)}"  # type: ignore[attr-defined]
    if label == "budget.fiscalyear":
        title = localized_name(obj.title, getattr(obj, "title_ko", ""), language)  # type: ignore[attr-defined]
        return f"{obj.year} {title}"  # type: ignore[attr-defined]
    return str(obj)


def value_text(
    object_type: str, name: str, value: Any, language: str, names: _Names, money: bool = False
) -> str:
    """A recorded value as a person reads it (``money``: a figure of a KPI measured in won)."""
    if value is None or value == "":
        return "—"
    found = _field(_model(object_type), name)
    if isinstance(found, models.ForeignKey) and not isinstance(value, (dict, list)):
        return names.name(found.related_model, value, language)  # type: ignore[arg-type]
    if found is not None and found.choices:
        return str(dict(found.flatchoices).get(value, value))
    if name.endswith("status") and isinstance(value, str):
        return str(_status_words().get(value, value))
    if isinstance(value, bool) or isinstance(found, models.BooleanField):
        return _("Yes") if value in (True, "true", "True") else _("No")
    if isinstance(found, models.DateTimeField):
        return local_time(value)
    if name.endswith("_won") and not isinstance(value, bool):
        try:
            return format_won(int(value), language)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(found, models.DecimalField):
        try:
            if money:
                return format_won(int(Decimal(str(value))), language)
            return format_number(Decimal(str(value)), language)
        except InvalidOperation:
            return str(value)
    if isinstance(value, (dict, list)):
        return ", ".join(str(v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value)


def _status_words() -> dict[str, Any]:
    """Every status word the product records (reports and computed statuses)."""
    words: dict[str, Any] = {}
    for object_type in ("status.programstatus", "reporting.progressreport"):
        found = _field(_model(object_type), "status")
        if found is not None and found.choices:
            words.update(dict(found.flatchoices))
    return words


def source_html(source: str) -> str:
    """:func:`source_label` for a page: a command's name as code."""
    if source.startswith("command:"):
        return format_html("{} <code>{}</code>", _("command"), source.split(":", 1)[1])
    return source_label(source)


def source_label(source: str) -> str:
    """Where a change came from: "웹", "명령: seed_demo"."""
    if source.startswith("command:"):
        return _("command %(name)s") % {"name": source.split(":", 1)[1]}
    return _(SOURCE_LABELS.get(source, source))


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class EntryView:
    entry: AuditEntry
    type_label: str
    object_label: str
    source: str
    at: str
    changes: list[Change] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)


HIDDEN_FIELDS = frozenset({"id", "version"})


def describe(entries: Iterable[AuditEntry], language: str) -> list[EntryView]:
    """Entries in business language (related objects named with one query each)."""
    lang = base_language(language)
    names = _Names()
    entries = list(entries)
    for entry in entries:  # first every object to name, then one query per model
        model = _model(entry.object_type) if entry.object_type else None
        if model is not None and entry.object_id:
            names.want(model, entry.object_id)
        for snapshot in (entry.before or {}, entry.after or {}):
            for key, value in snapshot.items():
                found = _field(model, key)
                if isinstance(found, models.ForeignKey):
                    names.want(found.related_model, value)  # type: ignore[arg-type]
        if entry.object_type == "kpis.kpi" and model is not None:
            names.want(model, entry.object_id)
    names.load(lang)
    views = []
    for entry in entries:
        model = _model(entry.object_type) if entry.object_type else None
        label = entry.object_repr
        if model is not None and entry.object_id:
            named = names.name(model, entry.object_id, lang)
            label = named if not named.startswith("#") else entry.object_repr
        before = entry.before or {}
        after = entry.after or {}
        keys = [k for k in dict.fromkeys([*after, *before]) if k not in HIDDEN_FIELDS]
        unit = str(after.get("unit") or before.get("unit") or "").strip().lower()
        kpi_id = after.get("kpi") or before.get("kpi")
        if entry.object_type == "kpis.kpi":
            kpi_id = entry.object_id
        money = unit in MONEY_UNITS or names.money_kpis.get(str(kpi_id), False)
        changes = [
            Change(
                field_label(entry.object_type, key),
                value_text(entry.object_type, key, before.get(key), lang, names, money)
                if key in before
                else "—",
                value_text(entry.object_type, key, after.get(key), lang, names, money)
                if key in after
                else "—",
            )
            for key in keys
        ]
        # The extra of a change repeats its fields; shown only for events without changes.
        extra = [] if changes else [(str(k), str(v)) for k, v in (entry.extra or {}).items()]
        views.append(
            EntryView(
                entry=entry,
                type_label=type_label(entry.object_type) if entry.object_type else "",
                object_label=label,
                source=source_html(entry.source),
                at=local_time(entry.at),
                changes=changes,
                extra=extra,
            )
        )
    return views


def report_history_q(object_type: str, object_id: str) -> Q:
    """The entries of an object; for a progress report, also those of its values, evidence and
    transitions (the report's whole history)."""
    own = Q(object_type=object_type, object_id=object_id)
    if object_type != "reporting.progressreport" or not object_id.isdigit():
        return own
    report = int(object_id)
    return own | Q(object_type__in=REPORT_PARTS) & (
        Q(after__report=report) | Q(before__report=report)
    )


def label_report_states(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replayed report states with their status in words (``status_label``)."""
    model = _model("reporting.progressreport")
    status = _field(model, "status")
    choices = dict(status.flatchoices) if status is not None and status.choices else {}
    for report in reports:
        report["status_label"] = str(choices.get(report.get("status"), report.get("status", "")))
    return reports
