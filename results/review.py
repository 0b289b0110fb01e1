"""The budget review of a fiscal year (docs/review.md): where the money is not turning into results.

Every programme of year ``Y`` (``results.figures.year_figures``) is placed by its execution rate
(x) against its mean KPI achievement rate (y), and the lists the budget office works from are
drawn from the same figures:

- **review first**: low execution and low performance;
- **high execution, low performance**: the money is spent, the results are not there;
- **programmes without a KPI** in force in ``Y``;
- **KPIs without any approved value**, ever, up to 31 December of ``Y``;
- **targets at or below last year's actual** ("목표 과소 설정"): a KPI whose year target for ``Y``
  is at or below (at or above, for a decrease) its year actual of ``Y - 1``;
- **large unexecuted balances**: allocation minus execution, largest first;
- **cost per unit of result**, ``Y - 1`` and ``Y``: won executed by the programme in the year over
  the year's result of each KPI that counts people or things (``budget.formatting.counts_things``).

The rules (one place, :class:`Rules`, from the ``REVIEW_*`` settings):

- the as-of date is 31 December of ``Y``, or ``today`` while ``Y`` runs; the expected share is
  the share of the year elapsed on it (``day_of_year / days_in_year``, 1 for a past year);
- low execution: execution rate below ``REVIEW_LOW_EXECUTION`` x the expected share (so below
  50 % at the year end by default); high execution: anything else;
- a programme's achievement: the mean of its KPIs' achievement rates, each first held within
  0 and ``REVIEW_ACHIEVEMENT_CAP`` so one KPI far past its target does not hide another far short;
  KPIs with no rate (no approved value in ``Y``) are left out; no rate at all: no achievement;
- low performance: achievement below ``REVIEW_LOW_ACHIEVEMENT``.

A programme the year does not fund has no execution rate; it is placed on no chart and in no
quadrant list, but its KPIs are in the KPI lists. Reads only; a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings

from budget.formatting import counts_things
from kpis.kinds import DECREASE, kind_of
from kpis.models import KPI
from programs.models import Program
from results.figures import KPIYear, ProgramYear, YearFigures, year_figures
from status import rules
from status.engine.loading import load_values

_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Rules:
    """The thresholds of the review, read from the settings (docs/review.md)."""

    low_execution: Decimal
    low_achievement: Decimal
    achievement_cap: Decimal
    top_balances: int

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            low_execution=Decimal(str(getattr(settings, "REVIEW_LOW_EXECUTION", 0.5))),
            low_achievement=Decimal(str(getattr(settings, "REVIEW_LOW_ACHIEVEMENT", 0.8))),
            achievement_cap=Decimal(str(getattr(settings, "REVIEW_ACHIEVEMENT_CAP", 1.5))),
            top_balances=int(getattr(settings, "REVIEW_TOP_BALANCES", 10)),
        )


def expected_share(year: int, as_of: date) -> Decimal:
    """The share of ``year`` elapsed on ``as_of``: 0 before it, 1 after it."""
    if as_of < date(year, 1, 1):
        return Decimal(0)
    if as_of > date(year, 12, 31):
        return Decimal(1)
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    return (Decimal(as_of.timetuple().tm_yday) / Decimal(days)).quantize(_PLACES)


def mean_achievement(rates: Iterable[Decimal | None], cap: Decimal) -> Decimal | None:
    """The mean of KPIs' achievement rates, each held within 0 and ``cap``, leaving out the
    missing ones; None without any rate."""
    held = [min(max(rate, Decimal(0)), cap) for rate in rates if rate is not None]
    if not held:
        return None
    return (sum(held, Decimal(0)) / len(held)).quantize(_PLACES)


@dataclass
class ProgramPoint:
    """One programme of the year, placed on the chart (when it has both figures)."""

    figures: ProgramYear
    achievement: Decimal | None
    low_execution: bool | None  # None: no execution rate (not funded, or nothing allocated)
    low_achievement: bool | None  # None: no achievement rate

    @property
    def program(self) -> Program:
        return self.figures.program

    @property
    def execution_rate(self) -> Decimal | None:
        return self.figures.execution_rate

    @property
    def allocated_won(self) -> int | None:
        return self.figures.allocated_won

    @property
    def executed_won(self) -> int:
        return self.figures.executed_won

    @property
    def unexecuted_won(self) -> int | None:
        if self.figures.allocated_won is None:
            return None
        return self.figures.allocated_won - self.figures.executed_won

    @property
    def placed(self) -> bool:
        return self.low_execution is not None and self.low_achievement is not None

    @property
    def quadrant(self) -> str:
        """``review_first``, ``high_low`` (high execution, low performance), ``low_high`` and
        ``high_high``; "" when not placed."""
        if not self.placed:
            return ""
        execution = "low" if self.low_execution else "high"
        performance = "low" if self.low_achievement else "high"
        if (execution, performance) == ("low", "low"):
            return "review_first"
        return f"{execution}_{performance}"


@dataclass(frozen=True)
class KPIRow:
    """A KPI of the year with its programme."""

    program: Program
    kpi: KPI
    year: KPIYear


@dataclass(frozen=True)
class UnderTarget:
    """A KPI whose year target is at or below (above, for a decrease) last year's actual."""

    program: Program
    kpi: KPI
    year_target: Decimal
    previous_actual: Decimal


@dataclass(frozen=True)
class YearCost:
    """What a programme executed in a year and one KPI's result in it."""

    executed_won: int | None
    result: Decimal | None  # the KPI's increase in the year (in its direction)

    @property
    def won_per_unit(self) -> Decimal | None:
        """Won executed per unit of result; None without execution or a positive result."""
        if self.executed_won is None or self.result is None or self.result <= 0:
            return None
        return (Decimal(self.executed_won) / self.result).quantize(Decimal(1))


@dataclass(frozen=True)
class UnitCost:
    program: Program
    kpi: KPI
    previous: YearCost
    current: YearCost

    @property
    def change_won(self) -> Decimal | None:
        before, now = self.previous.won_per_unit, self.current.won_per_unit
        return None if before is None or now is None else now - before

    @property
    def change_share(self) -> Decimal | None:
        """The change over last year's cost per unit (0.25: a quarter more per unit)."""
        before, change = self.previous.won_per_unit, self.change_won
        if before is None or change is None or before == 0:
            return None
        return (change / before).quantize(_PLACES)


@dataclass
class Review:
    fiscal_year: int
    as_of: date
    expected_share: Decimal
    rules: Rules
    points: list[ProgramPoint]
    review_first: list[ProgramPoint] = field(default_factory=list)
    high_execution_low_performance: list[ProgramPoint] = field(default_factory=list)
    without_kpi: list[ProgramPoint] = field(default_factory=list)
    kpis_without_values: list[KPIRow] = field(default_factory=list)
    targets_under_last_actual: list[UnderTarget] = field(default_factory=list)
    unexecuted: list[ProgramPoint] = field(default_factory=list)
    unit_costs: list[UnitCost] = field(default_factory=list)

    @property
    def execution_line(self) -> Decimal:
        """The execution rate below which execution is low on the as-of date."""
        return (self.rules.low_execution * self.expected_share).quantize(_PLACES)

    @property
    def in_progress(self) -> bool:
        return self.as_of < date(self.fiscal_year, 12, 31)

    @property
    def placed(self) -> list[ProgramPoint]:
        return [p for p in self.points if p.placed]

    @property
    def not_placed(self) -> list[ProgramPoint]:
        return [p for p in self.points if not p.placed]


def _point(row: ProgramYear, *, line: Decimal, rules_: Rules) -> ProgramPoint:
    achievement = mean_achievement((k.achievement_rate for k in row.kpis), rules_.achievement_cap)
    rate = row.execution_rate
    return ProgramPoint(
        figures=row,
        achievement=achievement,
        low_execution=None if rate is None else rate < line,
        low_achievement=None if achievement is None else achievement < rules_.low_achievement,
    )


def year_result(kpi: KPI, values: list[tuple[date, Decimal]], year: int) -> Decimal | None:
    """The KPI's result in ``year``, in its direction: for a cumulative KPI its actual at the
    year end minus its actual at the previous year end (the year's amounts); for an annual KPI
    the year's total; for a level KPI the change over the year (from the baseline when it had no
    value before). None without an approved value in the year."""
    in_year = [(end, value) for end, value in values if end.year == year]
    if not in_year:
        return None
    if kind_of(kpi.kind).yearly:
        change = rules.actual_so_far(kpi.kind, kpi.baseline, in_year, year=year)
    else:
        upto = [(end, value) for end, value in values if end.year <= year]
        before = [(end, value) for end, value in values if end.year < year]
        now = rules.actual_so_far(kpi.kind, kpi.baseline, upto)
        then = rules.actual_so_far(kpi.kind, kpi.baseline, before) if before else None
        if now is None:
            return None
        change = now - (kpi.baseline if then is None else then)
    if change is None:
        return None
    return -change if kpi.direction == DECREASE else change


def _under_target(kpi_year: KPIYear, previous: KPIYear | None) -> Decimal | None:
    """Last year's actual when the year's target is at or below it (above, for a decrease)."""
    if previous is None or previous.year_actual is None:
        return None
    target, actual = kpi_year.year_target, previous.year_actual
    under = target >= actual if kpi_year.kpi.direction == DECREASE else target <= actual
    return actual if under else None


def _by_money(point: ProgramPoint) -> tuple[int, str]:
    return (-(point.allocated_won or 0), point.program.code)


def budget_review(*, year: int, today: date, rules_: Rules | None = None) -> Review:
    """The review of fiscal ``year`` as of ``today`` (see the module docstring)."""
    rules_ = rules_ or Rules.from_settings()
    as_of = min(today, date(year, 12, 31))
    share = expected_share(year, as_of)
    figures: YearFigures = year_figures(year=year)
    previous_figures = year_figures(year=year - 1)
    review = Review(fiscal_year=year, as_of=as_of, expected_share=share, rules=rules_, points=[])
    line = review.execution_line
    review.points = [_point(row, line=line, rules_=rules_) for row in figures.programs()]
    review.points.sort(key=lambda p: p.program.code)

    quadrant_order = sorted(review.placed, key=_by_money)
    review.review_first = [p for p in quadrant_order if p.quadrant == "review_first"]
    review.high_execution_low_performance = [p for p in quadrant_order if p.quadrant == "high_low"]
    review.without_kpi = sorted(
        (p for p in review.points if not p.figures.kpis and p.allocated_won is not None),
        key=_by_money,
    )
    balances = [p for p in review.points if (p.unexecuted_won or 0) > 0]
    balances.sort(key=lambda p: (-(p.unexecuted_won or 0), p.program.code))
    review.unexecuted = balances[: rules_.top_balances]

    values = load_values([p.program.pk for p in review.points], date(year, 12, 31))
    previous_kpis = {k.kpi.pk: k for p in previous_figures.programs() for k in p.kpis}
    previous_executed = {p.program.pk: p.executed_won for p in previous_figures.programs()}
    for point in review.points:
        program = point.program
        for kpi_year in point.figures.kpis:
            kpi = kpi_year.kpi
            kpi_values = values.get(kpi.pk, [])
            if not kpi_values:
                review.kpis_without_values.append(KPIRow(program, kpi, kpi_year))
            actual = _under_target(kpi_year, previous_kpis.get(kpi.pk))
            if actual is not None:
                review.targets_under_last_actual.append(
                    UnderTarget(program, kpi, kpi_year.year_target, actual)
                )
            if counts_things(kpi.unit):
                review.unit_costs.append(
                    UnitCost(
                        program,
                        kpi,
                        previous=YearCost(
                            previous_executed.get(program.pk),
                            year_result(kpi, kpi_values, year - 1),
                        ),
                        current=YearCost(point.executed_won, year_result(kpi, kpi_values, year)),
                    )
                )
    return review
