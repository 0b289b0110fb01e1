"""Status rules, version 1 (domain.md section 3): one pure package, plain dataclasses in and out.

No database and no Django models here; gettext marks the explanation texts. Everything below is a
function of its arguments, so any as-of date can be recomputed exactly (domain.md 3, first lines).

Arithmetic
----------
Inputs are Decimal (int, str and float are accepted and converted exactly; a float through its
shortest ``repr``). Inside, every computation is exact rational arithmetic (``fractions.Fraction``
over the Decimal inputs), so a ratio that is exactly 0.90 compares as exactly 0.90 against the
thresholds and a forecast date is never a day off because of rounding. On the hot path (a full
recompute assesses every KPI) the same exact arithmetic runs over integer (numerator, denominator)
pairs rather than Fraction objects: the values over one common denominator, the least-squares
forecast from integer sums (n, sum x, sum y, sum xy, sum x squared) with one division per result,
and comparisons by cross-multiplication; tests/kpis/test_rules_integer_forecast.py checks the
forecast against the textbook Fraction formula. Outputs are ``Decimal``,
rounded once, at the end, to 28 significant digits (``OUTPUT_PRECISION``): values (``actual``,
``expected``, ``forecast_value``) and ratios (``ratio``, ``execution_rate``, ``expected_share``,
shares of money) alike. Every result has ``as_dict()``, the JSON form: dates as ISO 8601
strings, statuses as their lower-case words, numbers as JSON numbers (int when whole, else float;
e.g. a ratio 0.535, not 53.5), the explanation as ``{"key": ..., "params": {...}}``.

Notation (domain.md 3)
----------------------
Programme start ``s``, end, reporting ``frequency``; for a KPI: ``kind`` (cumulative | level |
annual), ``direction`` (increase | decrease), baseline ``b``, target ``T`` at target date ``d``,
milestones ``(date_i, value_i)``, ``grace_days`` (default 30), optional per-KPI thresholds.

- Target revisions: a KPI has one or more :class:`TargetVersion` (target, target date, baseline,
  milestones), each in force from its ``effective_from`` (``None`` = from the beginning). Statuses
  use the version in force at the as-of date, :func:`target_in_force`: the version with the latest
  ``effective_from`` on or before the as-of date (on a tie, the one recorded last); before every
  ``effective_from``, the earliest version (the original values hold until the first revision
  takes effect), as kpis.selectors.kpi_target_as_of. :func:`versions_from_revisions` builds the
  versions from TargetRevision rows.
- Reporting periods are those of ``programs.periods.reporting_periods``: calendar-aligned, from the
  period containing ``s`` to the period containing the later of the programme end and ``d`` (the
  latest ``d`` over the KPI's versions, so a value reported for a period added by a revision stays a
  valid value). Every period end given must be the end of one of these periods (``ValueError``).
- The as-of date chooses the periods: only values for periods that ended on or before the as-of date
  count (the caller passes approved values only: "only approved report values count").
- ``L``, the assessment date: the end of the latest period with a counted value.
- ``tau(x) = (x - s).days + 1``, :func:`tau`.
- Actual ``A``: cumulative ``b + sum(values)``; level the value at ``L``; annual the sum of the
  values of the periods in the calendar year of ``L`` (the baseline of an annual KPI is 0 whatever
  the version says: "baseline 0").
- Expected ``E`` at ``L``, :func:`expected_value`: cumulative and level, piecewise-linear in ``tau``
  through ``(0, b)``, every milestone ``(tau(date_i), value_i)`` and ``(tau(d), T)``, constant ``T``
  after ``d``; annual, ``T * day_of_year(L) / days_in_year(L)``. Milestones must lie in
  ``[s, d)``, on distinct dates; an annual KPI takes no milestones (``ValueError`` otherwise).
- Progress ratio ``r = (A - b) / (E - b)``, :func:`progress_ratio` (annual: ``b = 0``, so
  ``A / E``).
  When ``E == b``: ``r = 1`` if ``A`` is at or past ``b`` in the KPI's direction, else ``0``.
  The same formula serves decreasing KPIs: ``A - b`` and ``E - b`` are then both negative when the
  KPI moves the right way, so ``r`` is positive and reads like for an increasing KPI.
- "Reached" in the KPI's direction: ``x >= T`` for increase, ``x <= T`` for decrease. An annual KPI
  must have direction increase (a yearly sum that should fall makes no sense; ``ValueError``).
- A period comes due at its end + grace days (``Period.due_date``).

KPI status, :func:`assess_kpi`, first rule that matches (domain.md 3):

1. ``not_started``: the as-of date is before ``s``; or no value counts and no period has come due.
2. ``no_data``: no value counts, and at least one period has come due.
3. ``achieved``: ``A`` has reached ``T`` (annual: the sum of the assessed year has reached ``T``).
4. ``on_track``: ``r >= on_track`` threshold (default 0.90).
5. ``at_risk``: ``at_risk <= r < on_track`` (default 0.75).
6. ``off_track``: ``r < at_risk``.

Thresholds: global defaults 0.90 / 0.75 (:data:`DEFAULT_THRESHOLDS`); the caller passes the
global ones (from its settings), and a KPI's own ``on_track_threshold`` / ``at_risk_threshold`` each
override the global one where set (:func:`kpi_thresholds`).

``overdue``: the KPI has counted values, but the latest period that has come due has none. It keeps
its performance status; ``overdue_period_end`` names that period.

Forecast (cumulative and level, at least two counted values), :func:`linear_forecast`: the
least-squares line of ``A`` against ``tau(period end)`` (cumulative: ``A`` at each period end is the
running total ``b + sum so far``; level: the value); ``forecast_value`` = the line at ``tau(d)``;
``forecast_miss`` when ``forecast_value`` falls short of ``T`` in the KPI's direction;
``forecast_date`` = the first day on which the line reaches ``T`` and stays there, read from the
first counted period end onward: ``None`` when the line runs flat short of ``T`` or moves away from
it (wrong sign), or the day lies beyond the calendar; the first counted period end itself when the
line is already at or past ``T`` there (the target is reached on the trend from the first report).

Budget execution, :func:`assess_budget` (domain.md 3): for fiscal year ``Y``, ``L`` = end of the
latest approved report in ``Y`` on or before the as-of date; ``executed`` = sum of the approved
``executed_won`` of the reports in ``Y`` up to ``L`` (a report without an amount adds 0);
``rate = executed / allocated``; ``expected share = day_of_year(L) / days_in_year(L)``;
``r = rate / expected share``; on_track / at_risk / off_track by the global thresholds;
``over_executed`` when ``executed > allocated``. With no approved report in ``Y``: ``not_started``
(as-of before ``s``, or no period of the programme in ``Y`` has come due, or none lies in ``Y``) or
``no_data`` (one has come due), as for KPIs, with the same grace days (default 30). Nothing
allocated: the rate and ``r`` are undefined (``None``) and the status is ``on_track`` (the limit of
the rule: there is nothing to fall behind on), flagged ``over_executed`` if anything was executed.

Programme status, :func:`program_status`, over its KPIs other than not_started: ``off_track`` if
any; else ``at_risk`` if any; else ``no_data`` if any; else ``achieved`` if all; else
``on_track``; with no such KPI: ``not_started`` (:func:`combine_statuses`).

Budget node rollup, :func:`rollup_nodes`: a node (area, pillar, total) takes the same rule over the
programmes at or beneath it (a programme node counts itself and the programmes nested beneath it),
with the number of those programmes per status and their money per status and its share.
Programmes may be nested, so a programme's money for the rollup (:func:`program_own_amounts`) is its
node amount minus the amounts of the programme nodes beneath it that have no other programme in
between (those count their own money, and so on down), floored at 0: money is never counted twice,
and the money of all programmes beneath a node adds up to at most what the outermost programmes
state. Shares are ``amount / sum of amounts`` and add up to 1 (up to the last of 28 digits); when
the programmes beneath a node have no money at all, every share is ``None``.

Explanations: every status carries an :class:`Explanation` (a message key and JSON-friendly
parameters: numbers as exact decimal strings, dates as ISO strings), rendered in Korean or English
by :func:`render_explanation`, e.g. "Expected 1,210 by 30 Jun 2026, actual 980: 81% of expected
progress." / "2026년 6월 30일까지 1,210 예상, 실적 980: 예상 진척의 81%". The English sentences are
gettext msgids (:data:`MESSAGES`); the Korean ones live in locale/ko. Numbers: thousands grouped,
at most two decimals; ratios as percentages with at most one decimal; money with
``budget.formatting.format_won``; dates "30 Jun 2026" / "2026년 6월 30일".

Modules
-------
``arithmetic`` exact numbers, ``tau`` and the calendar counts; ``inputs`` statuses, kinds,
thresholds, target versions and facts; ``targets`` the version in force and the expected value;
``ratio`` the progress ratio and thresholds; ``forecast``; ``kpi_status`` (:func:`assess_kpi`,
:func:`as_of_key`); ``budget`` (:func:`assess_budget`); ``rollup`` (programme and node);
``explanations`` (:class:`Explanation`, :func:`render_explanation`, formatting). Callers write
``from status import rules`` and ``rules.assess_kpi(...)``.
"""

from __future__ import annotations

from status.rules.arithmetic import DECREASE, INCREASE, day_of_year, days_in_year, tau
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
    ANNUAL,
    CUMULATIVE,
    DEFAULT_GRACE_DAYS,
    DEFAULT_THRESHOLDS,
    LEVEL,
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
