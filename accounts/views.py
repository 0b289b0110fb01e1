"""Signing in: each role lands where its work is (officers on their reporting page); the signed-in
user's own page says who they are."""

from __future__ import annotations

from typing import cast

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.roles import Role, has_role, sees_all_ministries, user_roles


class LoginView(auth_views.LoginView):
    """Django's login view; without a ``next`` address, a ministry officer lands on the reporting
    page (what to report, drafts, returns) rather than the national board."""

    def get_default_redirect_url(self) -> str:
        if has_role(self.request.user, Role.OFFICER):
            return resolve_url("reporting:dashboard")
        return super().get_default_redirect_url()


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """Who is signed in: name, roles, ministry and what that lets them read. The smallest page
    behind the sign-in (``make load`` measures every page against it)."""
    user = cast(User, request.user)
    roles = sorted(user_roles(user))
    return render(
        request,
        "accounts/me.html",
        {
            "person": user,
            "roles": [role.label for role in roles],
            "ministry": user.ministry,
            "sees_all": sees_all_ministries(user),
        },
    )
