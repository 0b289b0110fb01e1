"""The roles of docs/roles.md, as Django groups, and how to ask which a user has.

Each role is one group. Scope: officers and reviewers see only their own ministry (when they have
one; a reviewer with no ministry reviews every ministry); directors, auditors and administrators
read
everything.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Role(StrEnum):
    OFFICER = "officer"
    REVIEWER = "reviewer"
    DIRECTOR = "director"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.OFFICER: _("Ministry officer"),
    Role.REVIEWER: _("Reviewer"),
    Role.DIRECTOR: _("Director"),
    Role.AUDITOR: _("Auditor"),
    Role.ADMINISTRATOR: _("Administrator"),
}


def user_roles(user: User | AnonymousUser) -> set[Role]:
    """The roles a user holds. Superusers are administrators."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        names = {g.name for g in user.groups.all()}
        cached = {r for r in Role if r.value in names}
        if user.is_superuser:
            cached.add(Role.ADMINISTRATOR)
        user._role_cache = cached  # type: ignore[attr-defined]
    return set(cached)


def has_role(user: User | AnonymousUser, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def sees_all_ministries(user: User | AnonymousUser) -> bool:
    """Directors, auditors and administrators read every ministry; so does a reviewer with no
    ministry. Officers and ministry reviewers are scoped."""
    roles = user_roles(user)
    if roles & {Role.DIRECTOR, Role.AUDITOR, Role.ADMINISTRATOR}:
        return True
    return Role.REVIEWER in roles and getattr(user, "ministry_id", None) is None
