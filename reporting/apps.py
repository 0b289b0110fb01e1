from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Progress reporting")

    def ready(self) -> None:
        # The layers below (budget, kpis) ask whether progress data exists through this port.
        from kpis.progress_data import progress_data_register
        from reporting.progress_data import ReportingProgressData

        progress_data_register(ReportingProgressData())
