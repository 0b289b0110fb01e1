"""The audit trail: one append-only, hash-chained row per change, login, logout and export.

Rows are written only by audit/services.py (see audit/signals.py for how model changes reach it)
and never updated or deleted: the admin is read-only and, on PostgreSQL, a trigger refuses UPDATE
and DELETE. Each row's ``hash`` is the SHA-256 of a canonical JSON of its content including the
previous row's hash (audit/chain.py), so ``manage.py verify_audit`` can prove the record unaltered.

Foreign keys to users and ministries carry no database constraint and do nothing on delete: an
entry must outlive what it names and must never be rewritten by a cascade. The username is kept as
a snapshot for the same reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOGOUT = "logout", _("Logged out")
    EXPORT = "export", _("Exported")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    CORRECTION = "correction", _("Correction started")
    REVISE_TARGET = "revise_target", _("Target revised")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("actor (as recorded)"), max_length=150, db_index=True)
    actor_ministry = models.ForeignKey(
        "budget.Ministry",
        verbose_name=_("actor's ministry"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    source = models.CharField(
        _("source"),
        max_length=100,
        help_text=_('"web", "command:<name>", "celery:<task>" or "system".'),
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    ministry = models.ForeignKey(
        "budget.Ministry",
        verbose_name=_("ministry"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_address = models.CharField(_("client address"), max_length=64, blank=True)
    extra = models.JSONField(_("extra"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_idx"),
            models.Index(fields=["action", "seq"], name="audit_action_idx"),
            models.Index(fields=["ministry", "seq"], name="audit_ministry_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
