"""Stored status results: per KPI, programme and budget node and as-of date.

Boards read these precomputed rows; any past as-of date can be shown again exactly as it was
stored. Each row carries the fingerprint of its inputs (a KPI's and a programme's row: their
programme's, which covers its KPIs' definitions, target versions, approved values and reports, what
the rules take from the as-of date, the thresholds and the rules version; a node's: its subtree's):
a recompute with the same inputs writes nothing, and a new date copies the rows whose fingerprint
is unchanged (status/services.py). Explanations are stored as a message key and parameters and
rendered at display time in the active language (status/explanations.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from status.rules import render_explanation

# Values as kpis.models.VALUE_DIGITS (24, 4); ratios with 6 places.

# DERIVED ROW KEYS: the key of a stored result to its KPI, programme or node. The unique
# (object, as_of) index serves lookups by object, so the key has no index of its own; and it has no
# database foreign-key constraint: the rows are derived, written only by the status engine for
# objects it has just read under its per-date lock, and removed with their object by Django's
# CASCADE. The constraint's check (a row lock on the KPI for each row written) cost about as much
# as writing the rows (benchmarks/bench_status.py).


class Status(models.TextChoices):
    """The statuses, as their lower-case words (the same as ``status.rules.Status``)."""

    NOT_STARTED = "not_started", _("Not started")
    NO_DATA = "no_data", _("No data")
    ACHIEVED = "achieved", _("Achieved")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_KPI = "no_kpi", _("No KPI")


class StoredResult(models.Model):
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    fingerprint = models.CharField(
        _("inputs fingerprint"),
        max_length=64,
        help_text=_("Hash of everything this result depends on."),
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        abstract = True

    def explanation(self, language: str | None = None) -> str:
        """The stored explanation as one sentence in ``language`` (default: the active one)."""
        key = getattr(self, "explanation_key", "")
        if not key:
            return ""
        params = {k: v for k, v in getattr(self, "explanation_params", {}).items() if k != "budget"}
        return render_explanation(
            {"key": key, "params": params}, language or get_language() or "ko"
        )


class KPIStatus(StoredResult):
    kpi = models.ForeignKey(
        "kpis.KPI",
        verbose_name=_("KPI"),
        on_delete=models.CASCADE,
        related_name="statuses",
        db_index=False,  # see DERIVED ROW KEYS above
        db_constraint=False,
    )
    explanation_key = models.CharField(_("explanation key"), max_length=60, blank=True)
    explanation_params = models.JSONField(_("explanation parameters"), default=dict, blank=True)
    expected = models.DecimalField(
        _("expected"), null=True, blank=True, max_digits=24, decimal_places=4
    )
    actual = models.DecimalField(
        _("actual"), null=True, blank=True, max_digits=24, decimal_places=4
    )
    ratio = models.DecimalField(
        _("progress ratio"), null=True, blank=True, max_digits=20, decimal_places=6
    )
    target = models.DecimalField(
        _("target in force"), null=True, blank=True, max_digits=24, decimal_places=4
    )
    target_date = models.DateField(_("target date in force"), null=True, blank=True)
    assessed_at = models.DateField(_("assessed at"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    forecast_value = models.DecimalField(
        _("forecast value"), null=True, blank=True, max_digits=24, decimal_places=4
    )
    forecast_date = models.DateField(_("forecast date"), null=True, blank=True)
    forecast_miss = models.BooleanField(_("forecast miss"), default=False)

    class Meta:
        ordering = ["as_of", "kpi"]
        verbose_name = _("KPI status")
        verbose_name_plural = _("KPI statuses")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "as_of"], name="kpi_status_unique"),
        ]
        indexes = [models.Index(fields=["as_of", "status"], name="kpi_status_asof_idx")]

    def __str__(self) -> str:
        return f"{self.kpi_id} {self.as_of}: {self.status}"

    def explanation(self, language: str | None = None) -> str:
        """As ``StoredResult.explanation``; for a KPI measured in won the figures read as amounts
        ("1.2조 원"), when the KPI is loaded with the row (no query of its own)."""
        if not self.explanation_key:
            return ""
        money = KPIStatus.kpi.is_cached(self) and self.kpi.is_money
        return render_explanation(
            {"key": self.explanation_key, "params": self.explanation_params},
            language or get_language() or "ko",
            money=money,
        )


class ProgramStatus(StoredResult):
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="statuses",
        db_index=False,  # see DERIVED ROW KEYS above
        db_constraint=False,
    )
    explanation_key = models.CharField(_("explanation key"), max_length=60, blank=True)
    explanation_params = models.JSONField(_("explanation parameters"), default=dict, blank=True)
    # Budget execution (the status rules) in the budget year the row was computed for: the
    # programme's node in that year's tree (its allocation); empty, with no budget status, when
    # that year does not fund the programme.
    node = models.ForeignKey(
        "budget.BudgetNode",
        verbose_name=_("budget node"),
        null=True,
        blank=True,
        # A node removed by a budget load leaves the rows of past dates as they were computed
        # (no update of every stored row); the next recompute writes the new node.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,  # see DERIVED ROW KEYS above
        db_constraint=False,
    )
    allocated_won = models.BigIntegerField(_("allocated (won)"), null=True, blank=True)
    executed_won = models.BigIntegerField(_("executed (won)"), null=True, blank=True)
    execution_rate = models.DecimalField(
        _("execution rate"), null=True, blank=True, max_digits=20, decimal_places=6
    )
    expected_share = models.DecimalField(
        _("expected share"), null=True, blank=True, max_digits=20, decimal_places=6
    )
    budget_ratio = models.DecimalField(
        _("budget ratio"), null=True, blank=True, max_digits=20, decimal_places=6
    )
    budget_status = models.CharField(
        _("budget status"), max_length=12, choices=Status.choices, blank=True
    )
    budget_assessed_at = models.DateField(_("budget assessed at"), null=True, blank=True)
    over_executed = models.BooleanField(_("over-executed"), default=False)

    class Meta:
        ordering = ["as_of", "program"]
        verbose_name = _("programme status")
        verbose_name_plural = _("programme statuses")
        constraints = [
            models.UniqueConstraint(fields=["program", "as_of"], name="program_status_unique"),
        ]
        indexes = [
            models.Index(fields=["as_of", "status"], name="program_status_asof_idx"),
            # The programmes table in tree order walks the node path index and reads each node's
            # row here, stopping after a page: without it every row of the date is joined and
            # sorted (benchmarks/bench_board.py, two fiscal years: 340 ms against 0.4 ms).
            models.Index(fields=["node", "as_of"], name="program_status_node_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.as_of}: {self.status}"

    def budget_explanation(self, language: str | None = None) -> str:
        """The budget execution explanation, in ``language`` (default: the active one)."""
        budget = self.explanation_params.get("budget")
        if not budget:
            return ""
        return render_explanation(budget, language or get_language() or "ko")


class NodeStatus(StoredResult):
    node = models.ForeignKey(
        "budget.BudgetNode",
        verbose_name=_("budget node"),
        on_delete=models.CASCADE,
        related_name="statuses",
        db_index=False,  # see DERIVED ROW KEYS above
        db_constraint=False,
    )
    explanation_key = models.CharField(_("explanation key"), max_length=60, blank=True)
    explanation_params = models.JSONField(_("explanation parameters"), default=dict, blank=True)
    status_counts = models.JSONField(
        _("programmes per status"), default=dict, help_text=_("status -> number of programmes")
    )
    amount_by_status = models.JSONField(
        _("money per status"), default=dict, help_text=_("status -> won")
    )

    class Meta:
        ordering = ["as_of", "node"]
        verbose_name = _("budget node status")
        verbose_name_plural = _("budget node statuses")
        constraints = [
            models.UniqueConstraint(fields=["node", "as_of"], name="node_status_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.as_of}: {self.status}"


class ProgramState(models.Model):
    """Whether a programme's stored statuses may be out of date.

    Marked stale in the same transaction that approves a report or revises a target (so the mark
    survives a dead broker or process); cleared by the recompute, but only if no newer mark arrived
    meanwhile (``generation``).
    """

    program = models.OneToOneField(
        "programs.Program",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="status_state",
    )
    stale = models.BooleanField(_("stale"), default=False)
    generation = models.PositiveBigIntegerField(_("generation"), default=0)
    reason = models.CharField(_("reason"), max_length=60, blank=True)
    marked_at = models.DateTimeField(_("marked stale at"), null=True, blank=True)
    recomputed_at = models.DateTimeField(_("recomputed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme status state")
        verbose_name_plural = _("programme status states")
        indexes = [
            models.Index(
                fields=["marked_at"], condition=models.Q(stale=True), name="program_stale_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}: {'stale' if self.stale else 'fresh'}"


class TaskRunState(models.TextChoices):
    STARTED = "started", _("Started")
    SUCCESS = "success", _("Succeeded")
    RETRY = "retry", _("Retrying")
    FAILURE = "failure", _("Failed")


class TaskRun(models.Model):
    """One run (attempt) of a background task."""

    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=TaskRunState.choices)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    traceback = models.TextField(_("traceback"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("task run")
        verbose_name_plural = _("task runs")
        indexes = [models.Index(fields=["task_name", "-started_at"], name="task_run_name_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} {self.started_at:%Y-%m-%d %H:%M} {self.state}"
