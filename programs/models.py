"""Programmes: the budget nodes that are tracked, with their owner, period and frequency."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Semiannual")
    ANNUAL = "annual", _("Annual")


class Program(models.Model):
    node = models.OneToOneField(
        "budget.BudgetNode",
        verbose_name=_("budget node"),
        on_delete=models.CASCADE,
        related_name="program",
    )
    ministry = models.ForeignKey(
        "budget.Ministry",
        verbose_name=_("ministry"),
        on_delete=models.PROTECT,
        related_name="programs",
    )
    owner_assumed = models.BooleanField(
        _("owner assumed"),
        default=False,
        help_text=_("The source document does not name the owning ministry."),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    frequency = models.CharField(_("reporting frequency"), max_length=12, choices=Frequency.choices)

    class Meta:
        ordering = ["node__path"]
        verbose_name = _("programme")
        verbose_name_plural = pgettext_lazy("model name", "programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="program_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return str(self.node)

    @property
    def code(self) -> str:
        return self.node.code
