from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    """What the budget has produced in a fiscal year: the annual performance report, the budget
    review and the share of KPIs achieved."""

    name = "results"
    verbose_name = _("Results")
