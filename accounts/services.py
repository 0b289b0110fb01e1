"""Writes for users and roles."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role

# Django model permissions per role, used by the admin site. The application's own checks are the
# role and ministry scope rules in accounts/roles.py and the selectors; these only keep the admin
# consistent with them.
_READ_APPS = ("budget", "programs", "kpis", "reporting")
_OFFICER_WRITES = ("progressreport", "kpivalue", "evidencefile")


def _permissions_for(role: Role) -> Q | None:
    if role is Role.ADMINISTRATOR:
        return Q()
    view = Q(content_type__app_label__in=_READ_APPS, codename__startswith="view_")
    if role is Role.OFFICER:
        return view | Q(
            content_type__app_label="reporting",
            content_type__model__in=_OFFICER_WRITES,
            codename__regex=r"^(add|change)_",
        )
    if role is Role.REVIEWER:
        return view | Q(content_type__app_label="reporting", codename="change_progressreport")
    return view  # director, auditor: read only


@transaction.atomic
def roles_ensure_groups() -> dict[Role, Group]:
    """Create the role groups and give them their permissions (idempotent)."""
    groups = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        condition = _permissions_for(role)
        if condition is not None:
            group.permissions.set(Permission.objects.filter(condition))
        groups[role] = group
    return groups


@transaction.atomic
def user_upsert(
    *,
    username: str,
    password: str,
    role: Role,
    ministry_id: int | None = None,
    email: str = "",
    first_name: str = "",
) -> tuple[User, bool]:
    """Create or update a user with exactly one role; returns (user, created)."""
    group, _ = Group.objects.get_or_create(name=role.value)
    user, created = User.objects.get_or_create(username=username)
    user.email = email or f"{username}@example.go.kr"
    user.first_name = first_name
    user.ministry_id = ministry_id
    user.is_staff = role is Role.ADMINISTRATOR
    user.is_superuser = role is Role.ADMINISTRATOR
    user.set_password(password)
    user.save()
    user.groups.set([group])
    return user, created
