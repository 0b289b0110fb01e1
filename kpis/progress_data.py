"""Whether programmes and KPIs carry progress data.

The budget loader and the KPI services ask this before they remove or redefine a programme or a
KPI. Progress reports live in a higher layer (``reporting``), which the layers below it never
import: it answers by registering its :class:`ProgressDataSource` when the apps are ready
(``reporting/apps.py``). Asking before a source is registered is a configuration error, never a
silent "no data".
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from kpis.models import KPI, TargetRevision


class ProgressDataSource(Protocol):
    def programs_with_reports(self, program_ids: Collection[int]) -> set[int]:
        """Of these programmes, those with any progress report, whatever its state."""
        ...

    def kpis_with_values(self, kpi_ids: Collection[int], *, counted_only: bool) -> set[int]:
        """Of these KPIs, those with a reported value; with ``counted_only``, only values of
        submitted or approved reports."""
        ...


_source: ProgressDataSource | None = None


def progress_data_register(source: ProgressDataSource) -> None:
    """Called once by the app that holds progress reports, when the apps are ready."""
    global _source
    _source = source


def _registered() -> ProgressDataSource:
    if _source is None:
        raise ImproperlyConfigured(
            "No progress data source is registered: is the reporting app installed?"
        )
    return _source


def kpi_has_data(kpi: KPI) -> bool:
    """Whether a submitted or approved report gives a value for this KPI."""
    return kpi.pk in _registered().kpis_with_values([kpi.pk], counted_only=True)


def kpi_has_any_value(kpi: KPI) -> bool:
    """Whether any report, even a draft, gives a value for this KPI."""
    return kpi.pk in _registered().kpis_with_values([kpi.pk], counted_only=False)


def objects_with_progress_data(
    *, program_ids: Collection[int], kpi_ids: Collection[int]
) -> tuple[set[int], set[int]]:
    """Of the programmes and KPIs given, those that carry progress data, which a budget file may
    neither remove nor redefine: a programme with any progress report (whatever its status); a
    KPI with any reported value or any target revision. Returns ``(program_ids, kpi_ids)``."""
    source = _registered()
    programs = source.programs_with_reports(program_ids) if program_ids else set()
    kpis: set[int] = set()
    if kpi_ids:
        kpis = source.kpis_with_values(kpi_ids, counted_only=False) | set(
            TargetRevision.objects.filter(kpi_id__in=kpi_ids)
            .values_list("kpi_id", flat=True)
            .distinct()
        )
    return programs, kpis
