"""The API lists' query parameters (django-filter), read by ``DjangoFilterBackend``: a bad value
is a 400 naming the parameter, and the OpenAPI schema lists each parameter from here."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from kpis.models import KPI
from reporting.models import ProgressReport, ReportStatus


class KPIFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(field_name="program__code", label=_("A programme code"))

    class Meta:
        model = KPI
        fields: list[str] = []


class ReportFilter(django_filters.FilterSet):
    program = django_filters.CharFilter(field_name="program__code", label=_("A programme code"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))
    period_end = django_filters.DateFilter(label=_("Period end (YYYY-MM-DD)"))

    class Meta:
        model = ProgressReport
        fields: list[str] = []
