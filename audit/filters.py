from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction, AuditEntry
from audit.registry import object_type_choices
from audit.selectors import day_bounds
from budget.models import Ministry
from ops.dates import DayFormField


class DayFilter(django_filters.DateFilter):
    field_class = DayFormField


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label=_("Actor (username)")
    )
    ministry = django_filters.ModelChoiceFilter(
        queryset=Ministry.objects.all(), method="filter_ministry", label=_("Ministry")
    )
    object_type = django_filters.ChoiceFilter(choices=object_type_choices, label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    date_from = DayFilter(method="filter_from", label=_("From (date)"))
    date_to = DayFilter(method="filter_to", label=_("To (date, inclusive)"))

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_ministry(self, qs: QuerySet[AuditEntry], name: str, value: Any) -> QuerySet[Any]:
        """The object's ministry, or the acting user's."""
        return qs.filter(Q(ministry=value) | Q(actor_ministry=value)) if value else qs

    def filter_from(self, qs: QuerySet[AuditEntry], name: str, value: dt.date) -> QuerySet[Any]:
        return qs.filter(at__gte=day_bounds(value)[0]) if value else qs

    def filter_to(self, qs: QuerySet[AuditEntry], name: str, value: dt.date) -> QuerySet[Any]:
        return qs.filter(at__lt=day_bounds(value)[1]) if value else qs

    def applied(self) -> dict[str, str]:
        """The filters in use, for the export's own audit entry."""
        return {k: str(v) for k, v in self.form.cleaned_data.items() if v not in (None, "")}
