"""The budget: a fiscal year, the ministries, and the tree of money (total -> pillars -> areas ->
programmes), each node with the statement it came from and any conflicting statements."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class COFOG(models.TextChoices):
    """The 10 divisions of the Classification of the Functions of Government."""

    GENERAL_PUBLIC_SERVICES = "01", _("General public services")
    DEFENCE = "02", _("Defence")
    PUBLIC_ORDER = "03", _("Public order and safety")
    ECONOMIC_AFFAIRS = "04", _("Economic affairs")
    ENVIRONMENT = "05", _("Environmental protection")
    HOUSING = "06", _("Housing and community amenities")
    HEALTH = "07", _("Health")
    RECREATION = "08", _("Recreation, culture and religion")
    EDUCATION = "09", _("Education")
    SOCIAL_PROTECTION = "10", _("Social protection")


class AIComponent(models.TextChoices):
    """The three core components of the AI budget."""

    MODELS = "models", _("AI models")
    SEMICONDUCTORS = "semiconductors", _("AI semiconductors")
    INFRASTRUCTURE = "infrastructure", _("AI infrastructure")


class FiscalYear(models.Model):
    year = models.PositiveSmallIntegerField(_("fiscal year"), unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="KRW")
    title = models.CharField(_("title"), max_length=200)
    title_ko = models.CharField(_("title (Korean)"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")

    def __str__(self) -> str:
        from budget.formatting import localized_name

        title = localized_name(self.title, getattr(self, "title_ko", ""), get_language() or "ko")
        return f"{self.year}: {title}"


class Ministry(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name (English)"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")

    def __str__(self) -> str:
        return self.code


class BudgetNode(models.Model):
    """One node of the budget tree. Amounts are whole won."""

    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("fiscal year"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name (English)"), max_length=300)
    name_ko = models.CharField(_("name (Korean)"), max_length=300, blank=True)
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
        help_text=_(
            "The programme this node funds in its fiscal year (its amount is that year's "
            "allocation)."
        ),
    )
    amount_won = models.BigIntegerField(_("amount (won)"))
    source_text = models.TextField(_("source statement"), blank=True)
    cofog = models.CharField(_("COFOG division"), max_length=2, choices=COFOG.choices, blank=True)
    ai_component = models.CharField(
        _("AI component"), max_length=20, choices=AIComponent.choices, blank=True
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    path = models.CharField(
        _("path"), max_length=1000, db_index=True, help_text=_("Materialised path of codes.")
    )

    class Meta:
        ordering = ["fiscal_year", "path"]
        verbose_name = _("budget node")
        verbose_name_plural = _("budget nodes")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "code"], name="budget_node_code_unique"),
            models.UniqueConstraint(
                fields=["fiscal_year", "program"], name="budget_node_program_once_a_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_won__gte=0), name="budget_node_amount_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BudgetConflict(models.Model):
    """Another amount the source states for the same item. Kept, never silently resolved."""

    node = models.ForeignKey(
        BudgetNode, verbose_name=_("node"), on_delete=models.CASCADE, related_name="conflicts"
    )
    amount_won = models.BigIntegerField(_("amount (won)"))
    source_text = models.TextField(_("source statement"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["node", "position"]
        verbose_name = _("conflicting statement")
        verbose_name_plural = _("conflicting statements")

    def __str__(self) -> str:
        from budget.formatting import base_language, format_won

        return f"{self.node.code}: {format_won(self.amount_won, base_language(get_language()))}"
