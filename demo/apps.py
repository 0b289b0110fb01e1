from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (``seed_demo``): above every app it fills, and imported by none of them."""

    name = "demo"
    verbose_name = _("Demo data")
