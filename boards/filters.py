"""The programmes table's filters (django-filter) on the stored programme results."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from boards.selectors import (
    Tree,
    attention_q,
    effective_classification_q,
    forecast_miss_q,
    overdue_q,
    subtree_q,
)
from budget.formatting import base_language, localized_name
from budget.models import COFOG, AIComponent, Ministry
from status.models import ProgramStatus
from status.rules import STATUS_LABELS, Status

YES_NO = (("true", _("Yes")), ("false", _("No")))
UNCLASSIFIED = "none"


def _name(node: Any) -> str:
    return f"{node.code} · {localized_name(node.name, node.name_ko, base_language(get_language()))}"


class ProgramFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    pillar = django_filters.ChoiceFilter(label=_("Pillar"), method="filter_node")
    area = django_filters.ChoiceFilter(label=_("Area"), method="filter_node")
    ministry = django_filters.ChoiceFilter(
        label=_("Ministry"), field_name="program__ministry__code"
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=[(s.value, STATUS_LABELS[s]) for s in Status], distinct=False
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"), choices=YES_NO, method="filter_overdue"
    )
    forecast_miss = django_filters.ChoiceFilter(
        label=_("Forecast to miss"), choices=YES_NO, method="filter_forecast_miss"
    )
    cofog = django_filters.ChoiceFilter(label=_("COFOG division"), method="filter_class")
    component = django_filters.ChoiceFilter(label=_("AI component"), method="filter_class")
    attention = django_filters.ChoiceFilter(
        label=_("Needs attention"), choices=YES_NO, method="filter_attention"
    )

    class Meta:
        model = ProgramStatus
        fields: list[str] = []

    def __init__(
        self, *args: Any, tree: Tree, ministries: list[Ministry], as_of: date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.as_of = as_of
        self.filters["pillar"].extra["choices"] = [(n.code, _name(n)) for n in tree.pillars]
        self.filters["area"].extra["choices"] = [(n.code, _name(n)) for n in tree.areas]
        self.filters["ministry"].extra["choices"] = [
            (
                m.code,
                f"{m.code} · {localized_name(m.name, m.name_ko, base_language(get_language()))}",
            )
            for m in ministries
        ]
        self.filters["cofog"].extra["choices"] = [
            (c.value, f"{c.value} {c.label}") for c in COFOG
        ] + [(UNCLASSIFIED, _("Unclassified"))]
        self.filters["component"].extra["choices"] = [(c.value, c.label) for c in AIComponent] + [
            (UNCLASSIFIED, _("Unclassified"))
        ]

    def filter_q(
        self, qs: QuerySet[ProgramStatus], name: str, value: str
    ) -> QuerySet[ProgramStatus]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(program__code__icontains=value)
            | Q(node__name__icontains=value)
            | Q(program__name_ko__icontains=value)
        )

    def filter_node(
        self, qs: QuerySet[ProgramStatus], name: str, value: str
    ) -> QuerySet[ProgramStatus]:
        nodes = self.tree.pillars if name == "pillar" else self.tree.areas
        node = next((n for n in nodes if n.code == value), None)
        return qs.filter(subtree_q(node)) if node else qs.none()

    def filter_class(
        self, qs: QuerySet[ProgramStatus], name: str, value: str
    ) -> QuerySet[ProgramStatus]:
        field_name = "cofog" if name == "cofog" else "ai_component"
        value = "" if value == UNCLASSIFIED else value
        return qs.filter(effective_classification_q(field_name, value, prefix="node__"))

    def filter_overdue(
        self, qs: QuerySet[ProgramStatus], name: str, value: str
    ) -> QuerySet[ProgramStatus]:
        q = overdue_q(self.as_of)
        return qs.filter(q) if value == "true" else qs.exclude(q)

    def filter_forecast_miss(
        self, qs: QuerySet[ProgramStatus], name: str, value: str
    ) -> QuerySet[ProgramStatus]:
        q = forecast_miss_q(self.as_of)
        return qs.filter(q) if value == "true" else qs.exclude(q)

    def filter_attention(
        self, qs: QuerySet[ProgramStatus], name: str, value: str
    ) -> QuerySet[ProgramStatus]:
        q = attention_q(self.as_of)
        return qs.filter(q) if value == "true" else qs.exclude(q)
