"""The reporting app's answer to "does this programme or KPI carry progress data?", which the
budget loader and the KPI services ask through :mod:`kpis.progress_data` (they sit below
reporting and never import it). Registered in :class:`reporting.apps.ReportingConfig.ready`."""

from __future__ import annotations

from collections.abc import Collection

from reporting.models import KPIValue, ProgressReport, ReportStatus


class ReportingProgressData:
    def programs_with_reports(self, program_ids: Collection[int]) -> set[int]:
        return set(
            ProgressReport.objects.filter(program_id__in=program_ids)
            .values_list("program_id", flat=True)
            .distinct()
        )

    def kpis_with_values(self, kpi_ids: Collection[int], *, counted_only: bool) -> set[int]:
        values = KPIValue.objects.filter(kpi_id__in=kpi_ids)
        if counted_only:
            values = values.filter(
                report__status__in=[ReportStatus.SUBMITTED, ReportStatus.APPROVED]
            )
        return set(values.values_list("kpi_id", flat=True).distinct())
