from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatusConfig(AppConfig):
    name = "status"
    verbose_name = _("Status engine")

    def ready(self) -> None:
        from status import receivers

        receivers.connect()
