"""What the REST API keeps: the responses of requests sent with an ``Idempotency-Key``.

A client that retries a create or an action with the same key gets the first response again
instead of a second report or a second transition. A record lives 24 hours
(:data:`IDEMPOTENCY_TTL`); ``manage.py purge_idempotency_keys`` removes expired ones, and an expired
key is free to be used again.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

IDEMPOTENCY_TTL = timedelta(hours=24)


class IdempotencyRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    fingerprint = models.CharField(
        _("request fingerprint"),
        max_length=64,
        help_text=_("SHA-256 of the method, path and body of the first request."),
    )
    status_code = models.PositiveSmallIntegerField(
        _("response status"),
        default=0,
        help_text=_(
            "0 while the first request is being handled; the record is written in the same "
            "transaction as the work it protects, so no one else ever sees it unfinished."
        ),
    )
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
