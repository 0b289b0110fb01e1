"""KPIs: the numeric targets of a programme, with their milestones."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from budget.formatting import localized_name, unit_decimals
from kpis import kinds
from programs.periods import DEFAULT_GRACE_DAYS

VALUE_DIGITS: dict[str, Any] = {"max_digits": 24, "decimal_places": 4}
# What a person may give as a KPI value, target, baseline or milestone: below this in magnitude,
# with at most this many decimal places.
VALUE_MAX = Decimal("1e15")
VALUE_DECIMAL_PLACES = 4


class KPIKind(models.TextChoices):
    """The kinds of ``kpis.kinds.KIND_TABLE`` as model choices (a test checks they match)."""

    CUMULATIVE = kinds.CUMULATIVE, kinds.KIND_TABLE[kinds.CUMULATIVE].label
    LEVEL = kinds.LEVEL, kinds.KIND_TABLE[kinds.LEVEL].label
    ANNUAL = kinds.ANNUAL, kinds.KIND_TABLE[kinds.ANNUAL].label


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")


class KPI(models.Model):
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="kpis",
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name (English)"), max_length=300)
    name_ko = models.CharField(_("name (Korean)"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=KPIKind.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    baseline = models.DecimalField(_("baseline"), default=0, **VALUE_DIGITS)
    target = models.DecimalField(_("target"), **VALUE_DIGITS)
    target_text = models.CharField(_("target as stated"), max_length=300, blank=True)
    target_date = models.DateField(_("target date"))
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=DEFAULT_GRACE_DAYS)
    on_track_threshold = models.DecimalField(
        _("on-track threshold"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    at_risk_threshold = models.DecimalField(
        _("at-risk threshold"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    source_text = models.TextField(_("source statement"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    decimals = models.PositiveSmallIntegerField(
        _("decimals shown"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(6)],
        help_text=_(
            "How many decimals the KPI's values are shown with; empty: from the unit "
            "(0 for counts and money, 1 for percentages and ratios)."
        ),
    )

    class Meta:
        ordering = ["program", "position"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="kpi_code_unique"),
        ]

    def __str__(self) -> str:
        """Code and name in the active language."""
        return f"{self.code} {localized_name(self.name, self.name_ko, get_language() or 'ko')}"

    @property
    def value_decimals(self) -> int:
        """The decimals the KPI's values are shown with: its own, else its unit's default."""
        if self.decimals is not None:
            return self.decimals
        return unit_decimals(self.unit)

    @property
    def is_money(self) -> bool:
        """Whether the KPI is measured in won (its figures then read as amounts)."""
        return self.unit.strip().lower() in MONEY_UNITS


# The units that mean won, as budget files write them.
MONEY_UNITS = frozenset({"won", "krw", "원"})


class Milestone(models.Model):
    kpi = models.ForeignKey(
        KPI, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="milestones"
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), **VALUE_DIGITS)

    class Meta:
        ordering = ["kpi", "date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "date"], name="milestone_date_unique"),
        ]

    def __str__(self) -> str:
        """The KPI's code, the date and the value at its reading precision."""
        from budget.formatting import base_language, format_value

        language = base_language(get_language())
        value = format_value(
            self.value, language, unit=self.kpi.unit, decimals=self.kpi.value_decimals
        )
        return f"{self.kpi.code} {self.date}: {value}"


class RevisionReason(models.TextChoices):
    """The fixed list of reasons for a target revision (docs/status-rules.md)."""

    ANNUAL_REVIEW = "annual_review", _("Annual review")
    BUDGET_REALIGNMENT = "budget_realignment", _("Budget realignment")
    SCOPE_CHANGE = "scope_change", _("Scope change")
    IMPLEMENTATION_DELAY = "implementation_delay", _("Implementation delay")
    DATA_CORRECTION = "data_correction", _("Data correction")
    OTHER = "other", _("Other")


class TargetRevision(models.Model):
    """One revision of a KPI's target, target date, baseline or milestones.

    The KPI row holds the values in force now; each revision keeps the values before and after, so
    the original and every revision stay visible, and the version in force at any as-of date can be
    rebuilt: before the first revision's ``effective_from`` the first ``previous`` values hold.
    """

    kpi = models.ForeignKey(
        KPI, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="revisions"
    )
    effective_from = models.DateField(_("effective from"))
    previous = models.JSONField(
        _("previous values"),
        help_text=_("target, target_date, baseline, milestones before the revision"),
    )
    revised = models.JSONField(
        _("revised values"),
        help_text=_("target, target_date, baseline, milestones after the revision"),
    )
    reason = models.CharField(
        _("reason"),
        max_length=30,
        choices=RevisionReason.choices,
        blank=True,
        help_text=_("Required once the KPI has submitted or approved values."),
    )
    reason_text = models.TextField(_("explanation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revised by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty for a revision stated in a budget file (its ``revision`` key)."),
    )
    created_at = models.DateTimeField(_("revised at"), auto_now_add=True)

    class Meta:
        ordering = ["kpi", "effective_from", "created_at", "id"]
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason="other") | ~models.Q(reason_text=""),
                name="target_revision_other_needs_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.effective_from} ({self.reason})"
