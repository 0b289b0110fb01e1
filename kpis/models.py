"""KPIs: the numeric targets of a programme, with their milestones."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

VALUE_DIGITS = {"max_digits": 24, "decimal_places": 4}


class KPIKind(models.TextChoices):
    CUMULATIVE = "cumulative", _("Cumulative")
    LEVEL = "level", _("Level")
    ANNUAL = "annual", _("Annual")


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")


class KPI(models.Model):
    program = models.ForeignKey(
        "programs.Program", verbose_name=_("programme"), on_delete=models.CASCADE,
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
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=30)
    on_track_threshold = models.DecimalField(
        _("on-track threshold"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    at_risk_threshold = models.DecimalField(
        _("at-risk threshold"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    source_text = models.TextField(_("source statement"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["program", "position"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="kpi_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


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
        return f"{self.kpi.code} {self.date}: {self.value}"
