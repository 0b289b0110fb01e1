"""Progress reports: one per programme and reporting period, with revisions.

A report moves draft -> submitted -> approved, or submitted -> returned (with a comment) ->
submitted again. Approved reports are locked; a correction after approval is a new revision of the
same programme and period that needs approval in turn. Earlier revisions stay; only the latest
approved revision counts (``is_current``). All transitions go through reporting/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kpis.models import VALUE_DIGITS


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


OPEN_STATUSES = (ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.RETURNED)


class ProgressReport(models.Model):
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    is_current = models.BooleanField(
        _("current approved revision"),
        default=False,
        help_text=_(
            "The latest approved revision of this programme and period: the one that counts."
        ),
    )
    executed_won = models.BigIntegerField(_("budget executed (won)"), null=True, blank=True)
    over_execution_confirmed = models.BooleanField(
        _("over-execution confirmed"),
        default=False,
        help_text=_("The officer confirmed an execution above the allocation."),
    )
    narrative = models.TextField(_("narrative"), blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Incremented on every change (optimistic locking).")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["program", "period_end", "revision"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "period_end", "revision"], name="report_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["program", "period_end"],
                condition=models.Q(status__in=["draft", "submitted", "returned"]),
                name="report_one_open_revision",
            ),
            models.UniqueConstraint(
                fields=["program", "period_end"],
                condition=models.Q(is_current=True),
                name="report_one_current_revision",
            ),
            models.CheckConstraint(
                condition=models.Q(is_current=False) | models.Q(status="approved"),
                name="report_current_is_approved",
            ),
            models.CheckConstraint(
                condition=models.Q(executed_won__isnull=True) | models.Q(executed_won__gte=0),
                name="report_executed_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="report_queue_idx"),
            models.Index(
                fields=["program", "period_end"],
                condition=models.Q(is_current=True),
                name="report_current_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.period_end} r{self.revision} ({self.status})"


class KPIValue(models.Model):
    """The value a report gives for one KPI, with the meaning of its kind (docs/status-rules.md):
    the amount achieved in the period (cumulative, annual) or the value at the period end
    (level)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="values"
    )
    kpi = models.ForeignKey(
        "kpis.KPI", verbose_name=_("KPI"), on_delete=models.PROTECT, related_name="values"
    )
    value = models.DecimalField(_("value"), **VALUE_DIGITS)
    # Why the KPI fell short of its expected value at the period end, and what will be done
    # (reporting/shortfalls.py): both or neither; required to submit a year-end report.
    shortfall_reason = models.TextField(_("shortfall reason"), blank=True)
    shortfall_remedy = models.TextField(_("shortfall remedy"), blank=True)

    class Meta:
        ordering = ["report", "kpi"]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        constraints = [
            models.UniqueConstraint(fields=["report", "kpi"], name="kpi_value_unique"),
            models.CheckConstraint(
                condition=models.Q(shortfall_reason="", shortfall_remedy="")
                | (~models.Q(shortfall_reason="") & ~models.Q(shortfall_remedy="")),
                name="kpi_value_shortfall_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        """The KPI's code and the value at its reading precision (``budget.formatting``)."""
        from django.utils.translation import get_language

        from budget.formatting import base_language, format_value

        value = format_value(
            self.value,
            base_language(get_language()),
            unit=self.kpi.unit,
            decimals=self.kpi.value_decimals,
        )
        return f"{self.kpi.code}: {value}"

    @property
    def has_shortfall(self) -> bool:
        """Whether the report gives a shortfall reason and remedy for this KPI."""
        return bool(self.shortfall_reason and self.shortfall_remedy)


class EvidenceFile(models.Model):
    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["report", "uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class ReportAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    CORRECTION = "correction", _("Correction started")
    EVIDENCE = "evidence", _("Evidence attached")


# The actions that change what a report says (values, money, narrative, evidence) or put it
# forward: whoever did one of them is an editor of the report, and the four-eyes rule keeps every
# editor from approving or returning it (reporting.permissions.is_own_report).
EDIT_ACTIONS = (
    ReportAction.CREATED,
    ReportAction.UPDATED,
    ReportAction.SUBMITTED,
    ReportAction.CORRECTION,
    ReportAction.EVIDENCE,
)


class ReportTransition(models.Model):
    """The workflow history of a report: who did what, when, with which comment. Every write of
    reporting/services.py records one, so the actors of ``EDIT_ACTIONS`` are the report's
    editors."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    action = models.CharField(_("action"), max_length=12, choices=ReportAction.choices)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["report", "at", "id"]
        verbose_name = _("report transition")
        verbose_name_plural = _("report transitions")

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"

    @property
    def from_status_label(self) -> str:
        return str(ReportStatus(self.from_status).label) if self.from_status else ""

    @property
    def to_status_label(self) -> str:
        return str(ReportStatus(self.to_status).label)
