from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # The one place the audit receivers are connected (see audit/signals.py for why signals).
        from audit import signals

        signals.connect()
