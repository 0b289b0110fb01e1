"""Status rules, version 1 (domain.md section 3): one pure module, plain dataclasses in and out.

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
"""

from __future__ import annotations

import calendar
import functools
import itertools
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, NamedTuple

from django.utils.translation import gettext, gettext_lazy, gettext_noop, override

from budget.formatting import base_language, format_won, format_won_short
from budget.formatting import format_number as _format_number
from programs.periods import Period, is_period_end, periods_come_due, reporting_periods

RULES_VERSION = 1
OUTPUT_PRECISION = 28
DEFAULT_GRACE_DAYS = 30

Number = Decimal | int | str | float | Fraction

CUMULATIVE, LEVEL, ANNUAL = "cumulative", "level", "annual"
KINDS = (CUMULATIVE, LEVEL, ANNUAL)
INCREASE, DECREASE = "increase", "decrease"
DIRECTIONS = (INCREASE, DECREASE)


class Status(StrEnum):
    """The statuses of domain.md 3, as their lower-case words (same values as status.models)."""

    NOT_STARTED = "not_started"
    NO_DATA = "no_data"
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


STATUSES: tuple[Status, ...] = tuple(Status)
STATUS_LABELS = {
    Status.NOT_STARTED: gettext_lazy("Not started"),
    Status.NO_DATA: gettext_lazy("No data"),
    Status.ACHIEVED: gettext_lazy("Achieved"),
    Status.ON_TRACK: gettext_lazy("On track"),
    Status.AT_RISK: gettext_lazy("At risk"),
    Status.OFF_TRACK: gettext_lazy("Off track"),
}


# --------------------------------------------------------------------------------------------
# Exact numbers in, Decimal out


def _frac(value: Number) -> Fraction:
    if type(value) is Fraction:
        return value
    if isinstance(value, bool):
        raise TypeError("a number is expected, not a bool")
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def _pair(value: Number) -> tuple[int, int]:
    """``value`` as an exact (numerator, denominator) pair, denominator > 0 (not always in lowest
    terms): the integer arithmetic of the hot paths, with the same conversions as :func:`_frac`."""
    kind = type(value)
    if kind is int:
        return value, 1  # type: ignore[return-value]
    if kind is Decimal:
        return value.as_integer_ratio()  # type: ignore[union-attr]
    exact = _frac(value)
    return exact.numerator, exact.denominator


# Outputs are rounded once, half up, to OUTPUT_PRECISION significant digits.
_OUTPUT_CONTEXT = Context(prec=OUTPUT_PRECISION, rounding=ROUND_HALF_UP)


def _dec(value: Fraction) -> Decimal:
    """A rational as a Decimal: exact when it terminates within 28 digits, else rounded."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    return _OUTPUT_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _dec_or_none(value: Fraction | None) -> Decimal | None:
    return None if value is None else _dec(value)


def _to_decimal(value: Number) -> Decimal:
    if type(value) is Decimal:
        return _decimal_of_decimal(value)
    return _dec(_frac(value))


@functools.lru_cache(maxsize=4096)
def _decimal_of_decimal(value: Decimal) -> Decimal:
    # Equal Decimals ("500" and "500.0000") have the same output, so one cache entry serves both.
    return _dec(_frac(value))


def _dec_pair(numerator: int, denominator: int) -> Decimal:
    """:func:`_dec` of ``numerator / denominator`` (``denominator > 0``, not necessarily in lowest
    terms), without building the Fraction: the same Decimal, as a correctly rounded quotient does
    not depend on the terms."""
    if numerator % denominator == 0:
        return Decimal(numerator // denominator)
    return _OUTPUT_CONTEXT.divide(Decimal(numerator), Decimal(denominator))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Explanation):
        return value.as_dict()
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        """The JSON form (see the module docstring)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def tau(day: date, start: date) -> int:
    """Days elapsed from the programme start through the end of ``day``: ``(day - s).days + 1``."""
    return (day - start).days + 1


def day_of_year(day: date) -> int:
    return day.timetuple().tm_yday


def days_in_year(day: date) -> int:
    return 366 if calendar.isleap(day.year) else 365


def _reached(value: Fraction, target: Fraction, direction: str) -> bool:
    """Whether ``value`` is at or past ``target`` in the direction."""
    return _reached_pair(
        value.numerator, value.denominator, target.numerator, target.denominator, direction
    )


def _reached_pair(num: int, den: int, target_num: int, target_den: int, direction: str) -> bool:
    """:func:`_reached` of ``num / den`` and ``target_num / target_den`` (positive denominators)."""
    if direction == INCREASE:
        return num * target_den >= target_num * den
    return num * target_den <= target_num * den


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Thresholds:
    """Ratio thresholds: ``r >= on_track`` is on track, ``at_risk <= r < on_track`` at risk."""

    on_track: Decimal = Decimal("0.90")
    at_risk: Decimal = Decimal("0.75")

    def __post_init__(self) -> None:
        object.__setattr__(self, "on_track", _to_decimal(self.on_track))
        object.__setattr__(self, "at_risk", _to_decimal(self.at_risk))
        if not 0 <= self.at_risk <= self.on_track:
            raise ValueError(
                f"thresholds: need 0 <= at_risk <= on_track, got at_risk {self.at_risk}, "
                f"on_track {self.on_track}"
            )


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Milestone:
    date: date
    value: Decimal


@dataclass(frozen=True)
class TargetVersion:
    """Target, target date, baseline and milestones, in force from ``effective_from``.

    ``effective_from`` is ``None`` for the original values (in force from the beginning).
    """

    target: Decimal
    target_date: date
    baseline: Decimal = Decimal(0)
    milestones: tuple[Milestone, ...] = ()
    effective_from: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "milestones", tuple(sorted(self.milestones, key=_milestone_key)))

    @classmethod
    def from_snapshot(
        cls, snapshot: Mapping[str, Any], effective_from: date | None = None
    ) -> TargetVersion:
        """From ``{"target", "target_date", "baseline", "milestones": [{"date", "value"}]}``,
        numbers as strings or numbers, dates as ISO strings or dates (a TargetRevision's JSON)."""

        def as_date(value: date | str) -> date:
            return value if isinstance(value, date) else date.fromisoformat(value)

        return cls(
            target=_to_decimal(snapshot["target"]),
            target_date=as_date(snapshot["target_date"]),
            baseline=_to_decimal(snapshot.get("baseline") or 0),
            milestones=tuple(
                Milestone(as_date(m["date"]), _to_decimal(m["value"]))
                for m in snapshot.get("milestones") or ()
            ),
            effective_from=effective_from,
        )


def _milestone_key(milestone: Milestone) -> date:
    return milestone.date


@dataclass(frozen=True)
class KPIFacts:
    """What the rules need to know of one KPI."""

    kind: str
    direction: str
    versions: tuple[TargetVersion, ...]
    grace_days: int = DEFAULT_GRACE_DAYS
    on_track_threshold: Decimal | None = None
    at_risk_threshold: Decimal | None = None
    code: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "versions", tuple(self.versions))
        where = f"KPI {self.code}" if self.code else "KPI"
        if self.kind not in KINDS:
            raise ValueError(f"{where}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"{where}: direction {self.direction!r} is not one of {', '.join(DIRECTIONS)}"
            )
        if self.kind == ANNUAL and self.direction != INCREASE:
            raise ValueError(f"{where}: an annual KPI must have direction increase")
        if not self.versions:
            raise ValueError(f"{where}: at least one target version is needed")
        if self.grace_days < 0:
            raise ValueError(f"{where}: grace_days must be >= 0, got {self.grace_days}")


@dataclass(frozen=True)
class ProgramFacts:
    start: date
    end: date
    frequency: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"programme: end {self.end} is before start {self.start}")


class PeriodValue(NamedTuple):
    """An approved KPI value for the period ending on ``period_end`` (a named tuple: a plain
    ``(period_end, value)`` tuple is accepted wherever a PeriodValue is)."""

    period_end: date
    value: Decimal


class BudgetReport(NamedTuple):
    """An approved report's executed amount for the period ending on ``period_end`` (a named
    tuple: a plain ``(period_end, executed_won)`` tuple is accepted wherever a BudgetReport is)."""

    period_end: date
    executed_won: int | None


# --------------------------------------------------------------------------------------------
# Explanations

MESSAGES: dict[str, str] = {
    "not_started_before_start": gettext_noop("Not started: the programme starts on %(start)s."),
    "not_started_nothing_due": gettext_noop(
        "Not started: the first report is due on %(due_date)s."
    ),
    "no_data": gettext_noop(
        "No data: the first report was due on %(due_date)s and no value is approved."
    ),
    "achieved": gettext_noop("Target %(target)s reached: actual %(actual)s on %(date)s."),
    "achieved_annual": gettext_noop(
        "Target %(target)s for %(year)s reached: actual %(actual)s by %(date)s."
    ),
    "progress": gettext_noop(
        "Expected %(expected)s by %(date)s, actual %(actual)s: %(ratio)s of expected progress."
    ),
    "budget_progress": gettext_noop(
        "Executed %(executed)s of %(allocated)s by %(date)s (%(rate)s), with %(expected_share)s "
        "of the year elapsed: %(ratio)s of the expected pace."
    ),
    "budget_over_executed": gettext_noop(
        "Executed %(executed)s by %(date)s, more than the %(allocated)s allocated (%(rate)s)."
    ),
    "budget_nothing_allocated": gettext_noop(
        "Nothing allocated: %(executed)s executed by %(date)s."
    ),
    "budget_no_periods": gettext_noop(
        "Not started: no reporting period of the programme falls in %(year)s."
    ),
    "budget_no_data": gettext_noop(
        "No data: no report for %(year)s is approved, though the first was due on %(due_date)s."
    ),
    "program_no_kpis": gettext_noop("Not started: the programme has no KPI."),
    "program_not_started": gettext_noop("Not started: none of its %(total)s KPIs has started."),
    "program_summary": gettext_noop(
        "%(assessed)s of %(total)s KPIs under way: %(achieved)s achieved, %(on_track)s on track, "
        "%(at_risk)s at risk, %(off_track)s off track, %(no_data)s without data."
    ),
    "node_no_programs": gettext_noop("Not started: no programme lies beneath."),
    "node_not_started": gettext_noop(
        "Not started: none of the %(total)s programmes beneath has started."
    ),
    "node_summary": gettext_noop(
        "%(assessed)s of %(total)s programmes under way: %(achieved)s achieved, %(on_track)s on "
        "track, %(at_risk)s at risk, %(off_track)s off track, %(no_data)s without data."
    ),
}

NUMBER_PARAMS = frozenset({"expected", "actual", "target"})
PERCENT_PARAMS = frozenset({"ratio", "rate", "expected_share"})
DATE_PARAMS = frozenset({"date", "due_date", "start"})
MONEY_PARAMS = frozenset({"executed", "allocated"})
COUNT_PARAMS = frozenset({"total", "assessed", *STATUSES})
PLAIN_PARAMS = frozenset({"year"})

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Explanation:
    """A message key (of :data:`MESSAGES`) and its parameters, JSON-friendly, language-free."""

    key: str
    params: Mapping[str, str | int | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Explanation:
        return cls(key=data["key"], params=dict(data.get("params") or {}))


def _explain(key: str, **params: Any) -> Explanation:
    if key not in MESSAGES:
        raise KeyError(f"unknown explanation key {key!r}")
    clean: dict[str, str | int | None] = {}
    for name, value in params.items():
        if isinstance(value, Fraction):
            value = _dec(value)
        if isinstance(value, Decimal):
            clean[name] = str(value)
        elif isinstance(value, date):
            clean[name] = value.isoformat()
        else:
            clean[name] = value
    return Explanation(key, clean)


def format_number(value: Number, language: str) -> str:
    """At reading precision (``budget.formatting.format_number``): "1,210", "12.5", "2.8"."""
    return _format_number(_to_decimal(value), language)


def format_percent(ratio: Number, language: str) -> str:
    """A ratio as a percentage, at most one decimal (half up): 0.8099 -> "81%", 0.535 -> "53.5%"."""
    percent = (_to_decimal(ratio) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if percent == 0:
        return "0%"
    text = f"{percent:,f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_date(day: date | str, language: str) -> str:
    """ "30 Jun 2026" in English, "2026년 6월 30일" in Korean."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if base_language(language) == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def _format_param(name: str, value: Any, language: str, money: bool = False) -> str:
    if value is None:
        return "-"
    if name in NUMBER_PARAMS:
        if money:  # a KPI measured in won: "1.2조 원", "1.2 trillion won"
            whole = _to_decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            return format_won_short(int(whole), language, words=True)
        return format_number(value, language)
    if name in PERCENT_PARAMS:
        return format_percent(value, language)
    if name in DATE_PARAMS:
        return format_date(value, language)
    if name in MONEY_PARAMS:
        return format_won(int(value), language)
    if name in COUNT_PARAMS:
        return f"{int(value):,}"
    return str(value)


def render_explanation(
    explanation: Explanation | Mapping[str, Any], language: str, *, money: bool = False
) -> str:
    """The explanation as one sentence in the language ("ko" or "en"), numbers and dates in its
    conventions; the sentence is the gettext translation of the key's msgid. With ``money`` (a
    KPI measured in won) the KPI's figures read as amounts: "1.2조 원", "1.2 trillion won"."""
    if not isinstance(explanation, Explanation):
        explanation = Explanation.from_dict(explanation)
    try:
        msgid = MESSAGES[explanation.key]
    except KeyError:
        raise KeyError(f"unknown explanation key {explanation.key!r}") from None
    lang = base_language(language)
    with override(lang):
        template = gettext(msgid)
    values = {
        name: _format_param(name, value, lang, money) for name, value in explanation.params.items()
    }
    return template % values


# --------------------------------------------------------------------------------------------
# Target versions and expected values


def target_in_force(versions: Sequence[TargetVersion], as_of: date) -> TargetVersion:
    """The version with the latest ``effective_from`` on or before ``as_of`` (``None`` counts as the
    beginning; among versions taking effect on the same date, the one given last, i.e. the latest
    recorded, wins); before every ``effective_from``, the earliest version."""
    if len(versions) == 1:
        return versions[0]
    if not versions:
        raise ValueError("at least one target version is needed")
    # sorted() is stable: equal dates keep the order given.
    ordered = sorted(versions, key=lambda v: v.effective_from or date.min)
    in_force = ordered[0]
    for version in ordered:
        if (version.effective_from or date.min) <= as_of:
            in_force = version
    return in_force


def versions_from_revisions(
    current: TargetVersion,
    revisions: Sequence[tuple[date, Mapping[str, Any], Mapping[str, Any]]],
) -> tuple[TargetVersion, ...]:
    """The versions of a KPI from its revisions ``(effective_from, previous, revised)`` in the
    order they were recorded (snapshots as kpis.selectors.kpi_target_snapshot writes them): the
    first revision's ``previous`` values from the beginning, then each revision's ``revised``
    values from its ``effective_from``. Without revisions, ``current`` alone."""
    if not revisions:
        return (current,)
    first = TargetVersion.from_snapshot(revisions[0][1])
    return (first, *(TargetVersion.from_snapshot(new, eff) for eff, _, new in revisions))


def as_of_key(
    program: ProgramFacts,
    *,
    grace_days: int,
    as_of: date,
    effective_from: Iterable[date | None] = (),
) -> tuple[bool, int, int]:
    """What an assessment takes from the as-of date, besides which values count: a key such that
    two as-of dates with equal keys and the same counted values (those of periods ended on or
    before each date) give the same :func:`assess_kpi` result in every field but ``as_of`` (status,
    explanation, figures, overdue flag, forecast), and likewise :func:`assess_budget` (with the
    programme's grace days). So a result stored for one date can be reused for another.

    The as-of date enters the rules only through: whether it is before the programme start (rule
    1); the periods that have come due (rules 1 and 2, the overdue flag, the budget's no-data
    case), which are always the first ones of the programme's calendar, so their number tells them
    (:func:`programs.periods.periods_come_due`, counted without an end: finer than needed after
    the last period, never coarser); and the target version in force (:func:`target_in_force`),
    which is told by how many versions take effect on or before the date (``effective_from``: the
    versions' dates, ``None`` for from the beginning; empty for a KPI with one version). The
    assessment date ``L``, the expected value, the ratio and the forecast depend on the counted
    values and the version only."""
    return (
        as_of >= program.start,
        periods_come_due(program.start, program.frequency, grace_days, as_of),
        sum(1 for day in effective_from if day is not None and day <= as_of),
    )


def _check_version(version: TargetVersion, kind: str, start: date, where: str) -> None:
    if version.target_date < start:
        raise ValueError(
            f"{where}: target date {version.target_date} is before the programme start {start}"
        )
    if kind == ANNUAL and version.milestones:
        raise ValueError(f"{where}: an annual KPI takes no milestones")
    seen: set[date] = set()
    for milestone in version.milestones:
        if not start <= milestone.date < version.target_date:
            raise ValueError(
                f"{where}: milestone {milestone.date} must lie on or after the programme start "
                f"{start} and before the target date {version.target_date}"
            )
        if milestone.date in seen:
            raise ValueError(f"{where}: two milestones on {milestone.date}")
        seen.add(milestone.date)


def _expected(kind: str, version: TargetVersion, start: date, day: date) -> Fraction:
    return Fraction(*_expected_pair(kind, version, start, day))


def _expected_pair(kind: str, version: TargetVersion, start: date, day: date) -> tuple[int, int]:
    """``E`` at ``day`` as an exact (numerator, positive denominator) pair."""
    target_num, target_den = _pair(version.target)
    if kind == ANNUAL:
        return target_num * day_of_year(day), target_den * days_in_year(day)
    points = [(0, _pair(version.baseline))]
    points += [(tau(m.date, start), _pair(m.value)) for m in version.milestones]
    points.append((tau(version.target_date, start), (target_num, target_den)))
    x = tau(day, start)
    if x <= 0:
        return points[0][1]
    if x >= points[-1][0]:
        return target_num, target_den
    for (x0, (n0, d0)), (x1, (n1, d1)) in itertools.pairwise(points):
        if x <= x1:
            # y0 + (y1 - y0) * (x - x0) / (x1 - x0), over the denominator d0 * d1 * (x1 - x0)
            run = x1 - x0
            return (
                n0 * d1 * run + (n1 * d0 - n0 * d1) * (x - x0),
                d0 * d1 * run,
            )
    raise AssertionError("unreachable")  # pragma: no cover


def expected_value(kind: str, version: TargetVersion, start: date, day: date) -> Decimal:
    """``E`` at ``day`` (see the module docstring)."""
    _check_version(version, kind, start, "KPI")
    return _dec(_expected(kind, version, start, day))


def _ratio(actual: Fraction, expected: Fraction, baseline: Fraction, direction: str) -> Fraction:
    return Fraction(
        *_ratio_pair(
            (actual.numerator, actual.denominator),
            (expected.numerator, expected.denominator),
            (baseline.numerator, baseline.denominator),
            direction,
        )
    )


def _ratio_pair(
    actual: tuple[int, int], expected: tuple[int, int], baseline: tuple[int, int], direction: str
) -> tuple[int, int]:
    """``r = (A - b) / (E - b)`` over exact (numerator, positive denominator) pairs; when
    ``E == b``, 1 if ``A`` is at or past ``b``, else 0. The result's denominator is positive."""
    a_num, a_den = actual
    e_num, e_den = expected
    b_num, b_den = baseline
    gap = e_num * b_den - b_num * e_den  # (E - b) * e_den * b_den
    if gap == 0:
        return (1, 1) if _reached_pair(a_num, a_den, b_num, b_den, direction) else (0, 1)
    progress = a_num * b_den - b_num * a_den  # (A - b) * a_den * b_den
    num, den = progress * e_den, gap * a_den
    return (-num, -den) if den < 0 else (num, den)


def progress_ratio(actual: Number, expected: Number, baseline: Number, direction: str) -> Decimal:
    """``r = (A - b) / (E - b)``; when ``E == b``, 1 if ``A`` is at or past ``b``, else 0."""
    return _dec(_ratio(_frac(actual), _frac(expected), _frac(baseline), direction))


def kpi_thresholds(kpi: KPIFacts, global_thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Thresholds:
    """The KPI's thresholds: its own where set, else the global ones."""
    if kpi.on_track_threshold is None and kpi.at_risk_threshold is None:
        return global_thresholds
    return Thresholds(
        on_track=(
            global_thresholds.on_track
            if kpi.on_track_threshold is None
            else _to_decimal(kpi.on_track_threshold)
        ),
        at_risk=(
            global_thresholds.at_risk
            if kpi.at_risk_threshold is None
            else _to_decimal(kpi.at_risk_threshold)
        ),
    )


def status_for_ratio(ratio: Number, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Status:
    """on_track, at_risk or off_track for a progress ratio."""
    return _status_for_pair(*_pair(ratio), thresholds)


def _status_for_pair(num: int, den: int, thresholds: Thresholds) -> Status:
    """:func:`status_for_ratio` of ``num / den`` (``den > 0``)."""
    on_track, at_risk = _threshold_fracs(thresholds)
    if num * on_track.denominator >= on_track.numerator * den:
        return Status.ON_TRACK
    if num * at_risk.denominator >= at_risk.numerator * den:
        return Status.AT_RISK
    return Status.OFF_TRACK


@functools.lru_cache(maxsize=256)
def _threshold_fracs(thresholds: Thresholds) -> tuple[Fraction, Fraction]:
    return _frac(thresholds.on_track), _frac(thresholds.at_risk)


# --------------------------------------------------------------------------------------------
# Forecast


@dataclass(frozen=True)
class Forecast(_AsDict):
    """The least-squares line ``A = intercept + slope * tau`` and what it says about the target."""

    slope: Decimal
    intercept: Decimal
    value: Decimal
    date: date | None
    miss: bool


@functools.lru_cache(maxsize=4096)
def _x_sums(start: date, days: tuple[date, ...]) -> tuple[tuple[int, ...], int, int]:
    """For points on ``days`` (distinct, increasing): ``x = tau(day)`` for each, ``sum x`` and
    ``K = n * sum(x^2) - sum(x)^2``; the KPIs of a programme share them."""
    xs = tuple((day - start).days + 1 for day in days)  # tau
    sum_x = sum(xs)
    return xs, sum_x, len(xs) * sum(map(operator.mul, xs, xs)) - sum_x * sum_x


def _forecast(
    x_sums: tuple[tuple[int, ...], int, int],
    ys: Sequence[int],
    scale: int,
    *,
    start: date,
    goal: tuple[int, int],
    target_x: int,
    direction: str,
) -> Forecast:
    """The forecast from the points ``(xs[i], ys[i] / scale)`` (``x_sums`` from :func:`_x_sums`:
    distinct ``xs`` in increasing order, at least two): the least-squares line computed exactly
    over integer sums (n, sum x, sum y, sum xy, sum x squared), each result divided once at the
    end. With
    ``K = n * sum(x^2) - sum(x)^2`` and ``N = n * sum(xy) - sum(x) * sum(y)``: slope
    ``N / (scale * K)``, intercept ``(sum(y) * K - N * sum(x)) / (n * scale * K)``."""
    xs, sum_x, k = x_sums
    n = len(xs)
    sum_y = sum(ys)
    num = n * sum(map(operator.mul, xs, ys)) - sum_x * sum_y
    inter = sum_y * k - num * sum_x
    den = n * scale * k
    value = inter + num * n * target_x  # the line at the target date: value / den
    goal_num, goal_den = goal
    first_x = xs[0]
    towards = num > 0 if direction == INCREASE else num < 0
    reach_x: int | None
    if towards:
        # ceil((goal - intercept) / slope) = ceil((goal * den - inter) / (n * num)), in integers
        above = goal_num * den - goal_den * inter
        below = goal_den * n * num
        reach_x = max(-(-above // below), first_x)
    elif num == 0 and _reached_pair(inter, den, goal_num, goal_den, direction):
        reach_x = first_x
    else:
        reach_x = None
    reach_date: date | None = None
    if reach_x is not None:
        try:
            reach_date = start + timedelta(days=reach_x - 1)
        except OverflowError:
            reach_date = None
    reached = _reached_pair(value, den, goal_num, goal_den, direction)
    return Forecast(
        slope=_dec_pair(num, scale * k),
        intercept=_dec_pair(inter, den),
        value=_dec_pair(value, den),
        date=reach_date,
        miss=not reached,
    )


def _pairs(values: list[Any]) -> list[tuple[int, int]]:
    """:func:`_pair` of each value, in order; Decimals (what the engine passes) converted in C."""
    try:
        return list(map(_DECIMAL_RATIO, values))
    except TypeError:  # not all Decimals
        return [_pair(v) for v in values]


def _scaled(pairs: Sequence[tuple[int, int]], scale: int = 1) -> tuple[list[int], int]:
    """Exact rationals ``(numerator, denominator)`` over one common denominator: (the
    numerators, the denominator), the denominator a multiple of ``scale``."""
    if not pairs:
        return [], scale
    nums, dens = zip(*pairs, strict=True)
    scale = math.lcm(scale, *dens)
    if scale == 1:
        return list(nums), 1
    return [n * (scale // d) for n, d in pairs], scale


def linear_forecast(
    points: Sequence[tuple[date, Number]],
    *,
    start: date,
    target: Number,
    target_date: date,
    direction: str,
) -> Forecast | None:
    """The forecast from ``(period end, A)`` points (see the module docstring); ``None`` with
    fewer than two points."""
    if len(points) < 2:
        return None
    ordered = sorted(points, key=lambda p: p[0])
    if len({day for day, _ in ordered}) != len(ordered):
        raise ValueError("forecast: two points on the same day")
    ys, scale = _scaled([_pair(value) for _, value in ordered])
    return _forecast(
        _x_sums(start, tuple(day for day, _ in ordered)),
        ys,
        scale,
        start=start,
        goal=_pair(target),
        target_x=tau(target_date, start),
        direction=direction,
    )


# --------------------------------------------------------------------------------------------
# KPI status


@dataclass(frozen=True)
class KPIAssessment(_AsDict):
    """The status of one KPI as of a date, with everything it was computed from."""

    code: str
    kind: str
    direction: str
    as_of: date
    status: Status
    explanation: Explanation
    target: Decimal
    target_date: date
    baseline: Decimal
    target_effective_from: date | None
    thresholds: Thresholds
    assessed_at: date | None = None
    assessed_year: int | None = None
    actual: Decimal | None = None
    expected: Decimal | None = None
    ratio: Decimal | None = None
    overdue: bool = False
    overdue_period_end: date | None = None
    forecast_value: Decimal | None = None
    forecast_date: date | None = None
    forecast_miss: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["thresholds"] = {
            "on_track": _jsonable(self.thresholds.on_track),
            "at_risk": _jsonable(self.thresholds.at_risk),
        }
        return data


_FIRST = operator.itemgetter(0)
_SECOND = operator.itemgetter(1)
_DECIMAL_RATIO = Decimal.as_integer_ratio


def _last_period_day(kpi: KPIFacts, program: ProgramFacts) -> date:
    return max([program.end, *(v.target_date for v in kpi.versions)])


@functools.lru_cache(maxsize=4096)
def _periods(start: date, last: date, frequency: str) -> tuple[tuple[Period, ...], frozenset[date]]:
    """The reporting periods and the set of their ends (computed once per programme calendar)."""
    periods = tuple(reporting_periods(start, last, frequency))
    return periods, frozenset(p.end for p in periods)


@functools.lru_cache(maxsize=4096)
def _come_due(
    start: date, last: date, frequency: str, grace_days: int, as_of: date
) -> tuple[Period, ...]:
    """The periods that have come due by ``as_of``, in order."""
    return tuple(
        p for p in _periods(start, last, frequency)[0] if p.has_come_due(as_of, grace_days)
    )


# The same check for every report of every programme: computed once per (day, frequency).
_is_period_end = functools.lru_cache(maxsize=8192)(is_period_end)


def kpi_periods(kpi: KPIFacts, program: ProgramFacts) -> list[Period]:
    """The KPI's reporting periods: from the one containing ``s`` to the one containing the later
    of the programme end and the latest target date of its versions."""
    return list(_periods(program.start, _last_period_day(kpi, program), program.frequency)[0])


def assess_kpi(
    kpi: KPIFacts,
    program: ProgramFacts,
    values: Iterable[PeriodValue | tuple[date, Number]],
    as_of: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> KPIAssessment:
    """The status of one KPI as of ``as_of`` from its approved period values (domain.md 3):
    :class:`PeriodValue` items or plain ``(period_end, value)`` tuples."""
    where = f"KPI {kpi.code}" if kpi.code else "KPI"
    for version in kpi.versions:
        _check_version(version, kpi.kind, program.start, where)
    version = target_in_force(kpi.versions, as_of)
    last = _last_period_day(kpi, program)
    periods, period_ends = _periods(program.start, last, program.frequency)
    values = list(values)
    ends = list(map(_FIRST, values))
    seen = set(ends)
    if len(seen) != len(ends) or not seen <= period_ends:  # name the first bad value
        seen = set()
        for end in ends:
            if end not in period_ends:
                raise ValueError(
                    f"{where}: {end} is not the end of a {program.frequency} reporting "
                    f"period of the programme ({periods[0].start} to {periods[-1].end})"
                )
            if end in seen:
                raise ValueError(f"{where}: two values for the period ending {end}")
            seen.add(end)
    # By period end (the ends are distinct, so the values themselves are never compared).
    if ends and max(ends) <= as_of:
        counted = sorted(values)
    else:
        counted = sorted(item for item in values if item[0] <= as_of)
    limits = kpi_thresholds(kpi, thresholds)
    common: dict[str, Any] = {
        "code": kpi.code,
        "kind": kpi.kind,
        "direction": kpi.direction,
        "as_of": as_of,
        "target": _to_decimal(version.target),
        "target_date": version.target_date,
        "baseline": Decimal(0) if kpi.kind == ANNUAL else _to_decimal(version.baseline),
        "target_effective_from": version.effective_from,
        "thresholds": limits,
    }

    # 1. not_started / 2. no_data
    if as_of < program.start:
        return KPIAssessment(
            status=Status.NOT_STARTED,
            explanation=_explain("not_started_before_start", start=program.start),
            **common,
        )
    come_due = _come_due(program.start, last, program.frequency, kpi.grace_days, as_of)
    if not counted:
        if not come_due:
            return KPIAssessment(
                status=Status.NOT_STARTED,
                explanation=_explain(
                    "not_started_nothing_due", due_date=periods[0].due_date(kpi.grace_days)
                ),
                **common,
            )
        return KPIAssessment(
            status=Status.NO_DATA,
            explanation=_explain("no_data", due_date=come_due[0].due_date(kpi.grace_days)),
            **common,
        )

    assessed_at = counted[-1][0]
    # Exact integer arithmetic: every value and the baseline over one common denominator.
    base_num, base_den = (0, 1) if kpi.kind == ANNUAL else _pair(version.baseline)
    # Only the values the rule reads are converted (a bad one raises as the plain rule would):
    # cumulative, every counted value; level, the value at L first, then all for the forecast;
    # annual, those of the assessed year.
    target = _pair(version.target)
    assessed_year = None
    if kpi.kind == ANNUAL:
        assessed_year = assessed_at.year
        ys, scale = _scaled(
            _pairs([item[1] for item in counted if item[0].year == assessed_year]), base_den
        )
        line = ys
        actual = (sum(ys), scale)
    else:
        if kpi.kind == LEVEL:
            _pair(counted[-1][1])
        ys, scale = _scaled(_pairs(list(map(_SECOND, counted))), base_den)
        line = ys
        if kpi.kind == CUMULATIVE:
            line = list(itertools.accumulate(ys, initial=base_num * (scale // base_den)))[1:]
            actual = (line[-1], scale)
        else:
            actual = (ys[-1], scale)
    expected = _expected_pair(kpi.kind, version, program.start, assessed_at)
    ratio = _ratio_pair(actual, expected, (base_num, base_den), kpi.direction)

    # A period that has come due ended on or before the as-of date (grace days >= 0), so it is
    # counted exactly when it has a value.
    latest_due = come_due[-1] if come_due else None
    overdue = latest_due is not None and latest_due.end not in seen

    actual_out, expected_out, ratio_out = (
        _dec_pair(*actual),
        _dec_pair(*expected),
        _dec_pair(*ratio),
    )

    # 3. achieved / 4-6. by the ratio
    if _reached_pair(*actual, *target, kpi.direction):
        status = Status.ACHIEVED
        if kpi.kind == ANNUAL:
            explanation = _explain(
                "achieved_annual",
                target=common["target"],
                year=assessed_year,
                actual=actual_out,
                date=assessed_at,
            )
        else:
            explanation = _explain(
                "achieved", target=common["target"], actual=actual_out, date=assessed_at
            )
    else:
        status = _status_for_pair(*ratio, limits)
        explanation = _explain(
            "progress", expected=expected_out, date=assessed_at, actual=actual_out, ratio=ratio_out
        )

    forecast = None
    if kpi.kind != ANNUAL and len(counted) >= 2:
        start = program.start
        forecast = _forecast(
            _x_sums(start, tuple(map(_FIRST, counted))),
            line,
            scale,
            start=start,
            goal=target,
            target_x=tau(version.target_date, start),
            direction=kpi.direction,
        )

    return KPIAssessment(
        status=status,
        explanation=explanation,
        assessed_at=assessed_at,
        assessed_year=assessed_year,
        actual=actual_out,
        expected=expected_out,
        ratio=ratio_out,
        overdue=overdue,
        overdue_period_end=latest_due.end if overdue and latest_due else None,
        forecast_value=forecast.value if forecast else None,
        forecast_date=forecast.date if forecast else None,
        forecast_miss=forecast.miss if forecast else False,
        **common,
    )


# --------------------------------------------------------------------------------------------
# Budget execution


@dataclass(frozen=True)
class BudgetAssessment(_AsDict):
    """Budget execution of one programme in one fiscal year, as of a date."""

    fiscal_year: int
    as_of: date
    status: Status
    explanation: Explanation
    allocated_won: int
    executed_won: int = 0
    assessed_at: date | None = None
    execution_rate: Decimal | None = None
    expected_share: Decimal | None = None
    ratio: Decimal | None = None
    over_executed: bool = False


def assess_budget(
    program: ProgramFacts,
    *,
    allocated_won: int,
    fiscal_year: int,
    reports: Iterable[BudgetReport | tuple[date, int | None]],
    as_of: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> BudgetAssessment:
    """Budget execution status of a programme in ``fiscal_year`` (domain.md 3)."""
    if allocated_won < 0:
        raise ValueError(f"budget: allocated_won must be >= 0, got {allocated_won}")
    reports = list(reports)
    seen: set[date] = set()
    for period_end, executed_won in reports:
        if not _is_period_end(period_end, program.frequency):
            raise ValueError(f"budget: {period_end} is not the end of a {program.frequency} period")
        if period_end in seen:
            raise ValueError(f"budget: two reports for the period ending {period_end}")
        seen.add(period_end)
        if executed_won is not None and executed_won < 0:
            raise ValueError(
                f"budget: executed_won for {period_end} must be >= 0, got {executed_won}"
            )
    common: dict[str, Any] = {
        "fiscal_year": fiscal_year,
        "as_of": as_of,
        "allocated_won": allocated_won,
    }
    counted = sorted(  # by period end: the ends are distinct, so amounts are never compared
        r for r in reports if r[0].year == fiscal_year and r[0] <= as_of
    )
    if as_of < program.start:
        return BudgetAssessment(
            status=Status.NOT_STARTED,
            explanation=_explain("not_started_before_start", start=program.start),
            **common,
        )
    if not counted:
        in_year = [
            p
            for p in reporting_periods(program.start, program.end, program.frequency)
            if p.end.year == fiscal_year
        ]
        if not in_year:
            return BudgetAssessment(
                status=Status.NOT_STARTED,
                explanation=_explain("budget_no_periods", year=fiscal_year),
                **common,
            )
        come_due = [p for p in in_year if p.has_come_due(as_of, grace_days)]
        if not come_due:
            return BudgetAssessment(
                status=Status.NOT_STARTED,
                explanation=_explain(
                    "not_started_nothing_due", due_date=in_year[0].due_date(grace_days)
                ),
                **common,
            )
        return BudgetAssessment(
            status=Status.NO_DATA,
            explanation=_explain(
                "budget_no_data", year=fiscal_year, due_date=come_due[0].due_date(grace_days)
            ),
            **common,
        )

    assessed_at = counted[-1][0]
    executed = sum(r[1] or 0 for r in counted)
    share = Fraction(day_of_year(assessed_at), days_in_year(assessed_at))
    over = executed > allocated_won
    rate: Fraction | None = None
    ratio: Fraction | None = None
    if allocated_won == 0:
        status = Status.ON_TRACK
        explanation = _explain("budget_nothing_allocated", executed=executed, date=assessed_at)
    else:
        rate = Fraction(executed, allocated_won)
        ratio = rate / share
        status = status_for_ratio(ratio, thresholds)
        if over:
            explanation = _explain(
                "budget_over_executed",
                executed=executed,
                allocated=allocated_won,
                date=assessed_at,
                rate=rate,
            )
        else:
            explanation = _explain(
                "budget_progress",
                executed=executed,
                allocated=allocated_won,
                date=assessed_at,
                rate=rate,
                expected_share=share,
                ratio=ratio,
            )
    return BudgetAssessment(
        status=status,
        explanation=explanation,
        executed_won=executed,
        assessed_at=assessed_at,
        execution_rate=_dec_or_none(rate),
        expected_share=_dec(share),
        ratio=_dec_or_none(ratio),
        over_executed=over,
        **common,
    )


# --------------------------------------------------------------------------------------------
# Programme status and budget node rollup


_STATUS_BY_VALUE: dict[str, Status] = {s.value: s for s in Status}


def _status(value: Status | str) -> Status:
    """``Status(value)`` by a dict lookup (a ValueError still names a bad status)."""
    try:
        return _STATUS_BY_VALUE[value]
    except (KeyError, TypeError):
        return Status(value)


def _status_counts(statuses: Iterable[Status | str]) -> dict[str, int]:
    counts = {str(s): 0 for s in STATUSES}
    for status in statuses:
        counts[_status(status)] += 1
    return counts


def combine_statuses(statuses: Iterable[Status | str]) -> Status:
    """Over the statuses other than not_started: off_track if any; else at_risk if any; else
    no_data if any; else achieved if all; else on_track. With none: not_started."""
    counted = [s for s in map(_status, statuses) if s is not Status.NOT_STARTED]
    if not counted:
        return Status.NOT_STARTED
    for status in (Status.OFF_TRACK, Status.AT_RISK, Status.NO_DATA):
        if status in counted:
            return status
    if all(s == Status.ACHIEVED for s in counted):
        return Status.ACHIEVED
    return Status.ON_TRACK


def _summary_explanation(prefix: str, counts: dict[str, int], status: Status) -> Explanation:
    total = sum(counts.values())
    if total == 0:
        return _explain("program_no_kpis" if prefix == "program" else "node_no_programs")
    if status == Status.NOT_STARTED:
        return _explain(f"{prefix}_not_started", total=total)
    return _explain(
        f"{prefix}_summary",
        total=total,
        assessed=total - counts[Status.NOT_STARTED],
        **{str(s): counts[s] for s in STATUSES if s != Status.NOT_STARTED},
    )


@dataclass(frozen=True)
class ProgramAssessment(_AsDict):
    """A programme's status over its KPIs, with the number of KPIs per status."""

    status: Status
    status_counts: dict[str, int]
    explanation: Explanation


def program_status(kpi_statuses: Iterable[Status | str]) -> ProgramAssessment:
    """The programme status over its KPIs' statuses (domain.md 3)."""
    statuses = [_status(s) for s in kpi_statuses]
    counts = _status_counts(statuses)
    status = combine_statuses(statuses)
    return ProgramAssessment(
        status=status,
        status_counts=counts,
        explanation=_summary_explanation("program", counts, status),
    )


@dataclass(frozen=True)
class NodeInput:
    """One budget node; ``program_status`` is the programme's status, ``None`` for a node that is
    not a programme."""

    code: str
    parent_code: str | None
    amount_won: int
    program_status: Status | str | None = None


@dataclass(frozen=True)
class NodeRollup(_AsDict):
    """A node's status over the programmes at or beneath it, with their number and money per
    status (``amount_by_status`` in won, ``share_by_status`` of ``program_amount_won``)."""

    code: str
    status: Status
    program_count: int
    status_counts: dict[str, int]
    amount_by_status: dict[str, int]
    share_by_status: dict[str, Decimal | None]
    program_amount_won: int
    explanation: Explanation


NodeLike = NodeInput | tuple[str, str | None, int, Status | str | None]


def _tree(rows: Sequence[NodeLike]) -> tuple[dict[str, NodeInput], dict[str, list[str]]]:
    nodes = [row if isinstance(row, NodeInput) else NodeInput(*row) for row in rows]
    by_code: dict[str, NodeInput] = {}
    for node in nodes:
        if node.code in by_code:
            raise ValueError(f"node {node.code}: the code appears twice")
        if node.program_status is not None:
            Status(node.program_status)  # a ValueError names a bad status
        by_code[node.code] = node
    children: dict[str, list[str]] = {code: [] for code in by_code}
    for node in nodes:
        if node.parent_code is not None:
            if node.parent_code not in by_code:
                raise ValueError(f"node {node.code}: parent {node.parent_code!r} is not a node")
            children[node.parent_code].append(node.code)
    # Every node must hang from a root: a node that does not is in a cycle.
    reached: set[str] = set()
    stack = [n.code for n in nodes if n.parent_code is None]
    while stack:
        code = stack.pop()
        reached.add(code)
        stack.extend(children[code])
    if len(reached) != len(by_code):
        looped = sorted(set(by_code) - reached)
        raise ValueError(f"nodes {', '.join(looped)}: their parents form a cycle")
    return by_code, children


def _own_amounts(by_code: dict[str, NodeInput], children: dict[str, list[str]]) -> dict[str, int]:
    own: dict[str, int] = {}
    for code, node in by_code.items():
        if node.program_status is None:
            continue
        nested = 0
        stack = list(children[code])
        while stack:
            child = by_code[stack.pop()]
            if child.program_status is not None:
                nested += child.amount_won
            else:
                stack.extend(children[child.code])
        own[code] = max(0, node.amount_won - nested)
    return own


def program_own_amounts(nodes: Sequence[NodeLike]) -> dict[str, int]:
    """Each programme's money for the rollup: its amount minus the amounts of the programmes
    beneath it with no programme in between, floored at 0."""
    return _own_amounts(*_tree(nodes))


def rollup_nodes(
    nodes: Sequence[NodeLike], only: Iterable[str] | None = None
) -> dict[str, NodeRollup]:
    """The rollup of every node, by code (see the module docstring). ``nodes`` is a flat list of
    :class:`NodeInput` or of ``(code, parent_code, amount_won, program_status)`` tuples. With
    ``only``, the rollups of those nodes alone (the whole tree is still checked and used)."""
    by_code, children = _tree(nodes)
    own = _own_amounts(by_code, children)
    result: dict[str, NodeRollup] = {}
    wanted = None if only is None else set(only)
    for code in by_code:
        if wanted is not None and code not in wanted:
            continue
        programmes: list[str] = []
        stack = [code]
        while stack:
            current = stack.pop()
            if by_code[current].program_status is not None:
                programmes.append(current)
            stack.extend(children[current])
        statuses = [_status(by_code[p].program_status) for p in programmes]  # type: ignore[arg-type]
        counts = _status_counts(statuses)
        amounts = {str(s): 0 for s in STATUSES}
        for programme, status in zip(programmes, statuses, strict=True):
            amounts[status] += own[programme]
        total = sum(amounts.values())
        shares: dict[str, Decimal | None] = {
            key: (_dec(Fraction(amount, total)) if total else None)
            for key, amount in amounts.items()
        }
        status = combine_statuses(statuses)
        result[code] = NodeRollup(
            code=code,
            status=status,
            program_count=len(programmes),
            status_counts=counts,
            amount_by_status=amounts,
            share_by_status=shares,
            program_amount_won=total,
            explanation=_summary_explanation("node", counts, status),
        )
    return result


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
