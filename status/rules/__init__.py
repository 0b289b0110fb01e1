"""Status rules, version 2: pure functions, plain dataclasses in and out (docs/status-rules.md
states the rules in full).

No database and no Django models here; gettext marks the explanation texts. Everything is a
function of its arguments, so any as-of date can be recomputed exactly.

Arithmetic: inputs are Decimal (int, str and float are accepted and converted exactly; a float
through its shortest ``repr``). Inside, every computation is exact rational arithmetic, on the hot
path over integer (numerator, denominator) pairs: values over one common denominator, the
least-squares forecast from integer sums with one division per result, comparisons by
cross-multiplication. Outputs are ``Decimal``, rounded once, at the end, to 28 significant
digits (``OUTPUT_PRECISION``). Every result has ``as_dict()``, its JSON form: dates as ISO 8601
strings, statuses as their lower-case words, numbers as JSON numbers (a ratio 0.535, not 53.5),
the explanation as ``{"key": ..., "params": {...}}``.

What differs between KPI kinds is the table ``kpis.kinds.KIND_TABLE``; the default grace days
and "overdue" are ``programs.periods``.

Modules
-------
``actual`` the actual so far by the kind's rule; ``arithmetic`` exact numbers, ``tau`` and the
calendar counts; ``inputs`` statuses, thresholds, target versions and facts; ``targets`` the
version in force and the expected value; ``ratio`` the progress ratio and thresholds;
``forecast``; ``kpi_status`` (:func:`assess_kpi`, :func:`as_of_key`); ``budget``
(:func:`assess_budget`); ``rollup`` (programme and node); ``explanations``
(:class:`Explanation`, :func:`render_explanation`, formatting). Callers write
``from status import rules`` and ``rules.assess_kpi(...)``.
"""

from __future__ import annotations

from kpis.kinds import ANNUAL, CUMULATIVE, DECREASE, INCREASE, LEVEL
from programs.periods import DEFAULT_GRACE_DAYS
from status.rules.actual import actual_so_far
from status.rules.arithmetic import day_of_year, days_in_year, tau
from status.rules.budget import BudgetAssessment, assess_budget
from status.rules.explanations import (
    MESSAGES,
    Explanation,
    format_date,
    format_number,
    format_percent,
    render_explanation,
)
from status.rules.forecast import Forecast, linear_forecast
from status.rules.inputs import (
    DEFAULT_THRESHOLDS,
    RULES_VERSION,
    STATUS_LABELS,
    STATUSES,
    BudgetReport,
    KPIFacts,
    Milestone,
    PeriodValue,
    ProgramFacts,
    Status,
    TargetVersion,
    Thresholds,
)
from status.rules.kpi_status import KPIAssessment, as_of_key, assess_kpi, kpi_periods
from status.rules.ratio import kpi_thresholds, progress_ratio, status_for_ratio
from status.rules.rollup import (
    NodeInput,
    NodeRollup,
    ProgramAssessment,
    combine_statuses,
    program_own_amounts,
    program_status,
    rollup_nodes,
)
from status.rules.targets import expected_value, target_in_force, versions_from_revisions

__all__ = [
    "ANNUAL",
    "CUMULATIVE",
    "DECREASE",
    "DEFAULT_GRACE_DAYS",
    "DEFAULT_THRESHOLDS",
    "INCREASE",
    "LEVEL",
    "MESSAGES",
    "RULES_VERSION",
    "STATUSES",
    "STATUS_LABELS",
    "BudgetAssessment",
    "BudgetReport",
    "Explanation",
    "Forecast",
    "KPIAssessment",
    "KPIFacts",
    "Milestone",
    "NodeInput",
    "NodeRollup",
    "PeriodValue",
    "ProgramAssessment",
    "ProgramFacts",
    "Status",
    "TargetVersion",
    "Thresholds",
    "actual_so_far",
    "as_of_key",
    "assess_budget",
    "assess_kpi",
    "combine_statuses",
    "day_of_year",
    "days_in_year",
    "expected_value",
    "format_date",
    "format_number",
    "format_percent",
    "kpi_periods",
    "kpi_thresholds",
    "linear_forecast",
    "program_own_amounts",
    "program_status",
    "progress_ratio",
    "render_explanation",
    "rollup_nodes",
    "status_for_ratio",
    "target_in_force",
    "tau",
    "versions_from_revisions",
]
