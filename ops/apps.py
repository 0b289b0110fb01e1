from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Beat records when it sends the heartbeat (ops/heartbeat.py); the one receiver here.
        from ops import heartbeat

        heartbeat.connect()
