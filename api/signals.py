"""Tokens do not outlive a password or an account: a user saved with a new password, or
deactivated, loses every API token (whatever the path: the admin, ``changepassword``, a
service). The one receiver pair that needs the row as it was before the save."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save

from api.services import TokenRevocation, api_tokens_revoke_for_user

WATCHED = {"password", "is_active"}


def _remember(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    instance._tokens_before = None
    update_fields = kwargs.get("update_fields")
    untouched = update_fields is not None and not WATCHED & set(update_fields)
    if raw or instance.pk is None or untouched:
        return  # e.g. the last_login stamp of every sign-in: no query
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    instance._tokens_before = stored


def _revoke(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    before = getattr(instance, "_tokens_before", None)
    instance._tokens_before = None
    if raw or created or before is None:
        return
    if before["is_active"] and not instance.is_active:
        api_tokens_revoke_for_user(user=instance, reason=TokenRevocation.DEACTIVATED)
    elif before["password"] != instance.password:
        api_tokens_revoke_for_user(user=instance, reason=TokenRevocation.PASSWORD_CHANGED)


def connect() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model()
    pre_save.connect(_remember, sender=user, dispatch_uid="api:tokens_before")
    post_save.connect(_revoke, sender=user, dispatch_uid="api:tokens_revoke")
