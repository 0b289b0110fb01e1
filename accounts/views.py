"""Signing in: each role lands where its work is (officers on their reporting page)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import resolve_url

from accounts.roles import Role, has_role


class LoginView(auth_views.LoginView):
    """Django's login view; without a ``next`` address, a ministry officer lands on the reporting
    page (what to report, drafts, returns) rather than the national board."""

    def get_default_redirect_url(self) -> str:
        if has_role(self.request.user, Role.OFFICER):
            return resolve_url("reporting:dashboard")
        return super().get_default_redirect_url()
