from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # The one place the audit receivers are connected (see audit/signals.py for why signals).
        from audit import signals

        signals.connect()
        post_migrate.connect(_grant_app_role, sender=self)


def _grant_app_role(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After migrate: grant DATABASE_APP_ROLE its rights on every table (audit/db_roles.py)."""
    from django.conf import settings
    from django.db import connections

    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if role and connections[using].vendor == "postgresql":
        from audit.db_roles import app_grants_apply

        app_grants_apply(app_role=role, using=using)
