"""Programmes: the budget nodes that are tracked, with their owner, period and frequency."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Semiannual")
    ANNUAL = "annual", _("Annual")


class Program(models.Model):
    """A tracked programme. It outlives a budget year: it is identified by its code (the code of
    its node in every year's budget tree), and each fiscal year that funds it has a node pointing
    to it (``allocations``: that year's amount). Name and period are the latest loaded file's."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name (English)"), max_length=300)
    name_ko = models.CharField(_("name (Korean)"), max_length=300, blank=True)
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
        ordering = ["code"]
        verbose_name = _("programme")
        verbose_name_plural = pgettext_lazy("model name", "programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="program_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        """Code and name in the active language."""
        from budget.formatting import localized_name

        return f"{self.code} {localized_name(self.name, self.name_ko, get_language() or 'ko')}"
