"""The admin site, for administrators only (docs/roles.md): staff who do not hold the
administrator role (accounts.roles) are refused, whatever their staff flag or permissions."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_role


class AdministratorsAdminSite(admin.AdminSite):
    site_header = _("AI Budget Tracker administration")
    site_title = _("AI Budget Tracker administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and has_role(user, Role.ADMINISTRATOR))


class AdministratorsAdminConfig(AdminConfig):
    """django.contrib.admin with the site above (INSTALLED_APPS names this instead of
    "django.contrib.admin")."""

    default_site = "audit.admin_site.AdministratorsAdminSite"
