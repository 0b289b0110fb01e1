"""Writes of the API's own data: API tokens (django-rest-knox).

A token is shown once, when it is created; the database keeps only its SHA-512 digest and the
first characters (``token_key``) that find it. Tokens expire (``REST_KNOX["TOKEN_TTL"]``) and are
revoked when their user's password changes or the user is deactivated (api/signals.py calls
:func:`api_tokens_revoke`). Every creation and revocation is an entry of the audit trail
(object type ``knox.authtoken``, the token's ``token_key`` as its id; never the token).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from audit import context
from audit.models import AuditAction
from audit.services import EntrySpec, audit_entry_append

if TYPE_CHECKING:
    from accounts.models import User

OBJECT_TYPE = "knox.authtoken"


class TokenRevocation:
    """Why tokens were revoked (recorded as ``extra.reason``)."""

    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"
    BY_HOLDER = "revoked_by_holder"
    BY_ADMINISTRATOR = "revoked_by_administrator"


def _actor_as(user: User) -> context.Actor:
    """The token's user as the actor, with the request's id, source and address: the token
    endpoint is not signed in yet when the token is created."""
    current = context.current_actor()
    return context.Actor(
        user_id=user.pk,
        username=user.get_username(),
        ministry_id=getattr(user, "ministry_id", None),
        source=current.source,
        request_id=current.request_id,
        client_address=current.client_address,
    )


def _entry(token: AuthToken, *, action: str, actor: context.Actor | None, **extra: Any) -> None:
    user = token.user
    state = {
        "user": user.pk,
        "token_key": token.token_key,
        "created": token.created,
        "expiry": token.expiry,
    }
    audit_entry_append(
        spec=EntrySpec(
            action=action,
            object_type=OBJECT_TYPE,
            object_id=token.token_key,
            object_repr=f"API token {token.token_key}… of {user.get_username()}",
            ministry_id=getattr(user, "ministry_id", None),
            before=state if action == AuditAction.DELETE else None,
            after=state if action == AuditAction.CREATE else None,
            extra=extra,
            actor=actor,
        )
    )


@transaction.atomic
def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new token for ``user`` (already authenticated by the caller): (the stored row, the token
    to show once). The user's expired tokens are deleted on the way."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, token = AuthToken.objects.create(user=user)
    _entry(instance, action=AuditAction.CREATE, actor=_actor_as(user))
    return instance, token


@transaction.atomic
def api_tokens_revoke(*, tokens: QuerySet[AuthToken], reason: str) -> int:
    """Delete the given tokens, one audit entry each with ``reason``; how many."""
    rows = list(tokens.select_related("user").select_for_update(of=("self",)))
    for token in rows:
        _entry(token, action=AuditAction.DELETE, actor=None, reason=reason)
    AuthToken.objects.filter(digest__in=[t.digest for t in rows]).delete()
    return len(rows)


def api_tokens_revoke_for_user(*, user: User, reason: str) -> int:
    """Revoke every token of ``user``."""
    return api_tokens_revoke(tokens=AuthToken.objects.filter(user=user), reason=reason)
