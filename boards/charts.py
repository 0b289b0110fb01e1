"""Server-rendered SVG charts: pure geometry, no database, no outside resource.

A chart is a :class:`LineChart` (KPI actual against the expected trajectory, milestones, forecast)
or a :class:`BarChart` (budget execution); the templates in boards/templates/boards/_chart_*.html
draw them as inline SVG with a title, a description and a data table as text alternatives.
Expected values come from ``status.rules.expected_value`` (the rule), sampled at the points where
the trajectory bends, so the straight segments drawn between them are the rule itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from kpis.kinds import Chart, kind_of
from status import rules

WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 36


@dataclass
class Point:
    day: date
    value: Decimal
    x: float = 0.0
    y: float = 0.0


@dataclass
class Tick:
    pos: float
    value: Decimal | date
    label: str = ""


@dataclass
class LineChart:
    expected: list[Point]
    actual: list[Point]
    milestones: list[Point]
    forecast: list[Point]
    target: Point
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    # 1 January of each year inside the range: a vertical line and the year's label.
    year_marks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT
    top: int = TOP

    @staticmethod
    def path(points: list[Point]) -> str:
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(points)
        )

    @property
    def expected_path(self) -> str:
        return self.path(self.expected)

    @property
    def actual_path(self) -> str:
        return self.path(self.actual)

    @property
    def forecast_path(self) -> str:
        return self.path(self.forecast)


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    step = Decimal(10) ** exponent
    for factor in (1, 2, 2.5, 5, 10):
        candidate = step * Decimal(str(factor))
        if candidate >= value:
            return candidate
    return step * 10


def _expected_days(kind: str, version: rules.TargetVersion, start: date, end: date) -> list[date]:
    """The days where the expected trajectory bends: the day before the start (tau 0), each
    milestone, the target date and the end of the range; for an annual target, each year's
    first and last day."""
    days = {start - timedelta(days=1), end}
    if kind_of(kind).chart == Chart.YEARLY:
        for year in range(start.year, end.year + 1):
            days.add(max(date(year, 1, 1), start))
            days.add(min(date(year, 12, 31), end))
    else:
        days.update(m.date for m in version.milestones)
        days.add(version.target_date)
    return sorted(d for d in days if start - timedelta(days=1) <= d <= end)


def _label_width(label: str) -> int:
    """Roughly how wide a tick label is drawn at the chart's 12px font: wide for Hangul."""
    return sum(12 if ord(c) > 0x1100 else 7 for c in label)


def _x_ticks(x0: date, x1: date) -> list[date]:
    """Distinct ticks: each year's 1 January over a range of more than two years, else the first
    day of each quarter (at most nine)."""
    if (x1 - x0).days > 731:
        return [date(year, 1, 1) for year in range(x0.year + 1, x1.year + 1)]
    days = []
    for year in range(x0.year, x1.year + 1):
        for month in (1, 4, 7, 10):
            day = date(year, month, 1)
            if x0 <= day <= x1:
                days.append(day)
    return days


def kpi_chart(
    *,
    kind: str,
    version: rules.TargetVersion,
    start: date,
    end: date,
    actual: list[tuple[date, Decimal]],
    forecast: tuple[date, Decimal, date, Decimal] | None,
    value_label: Callable[[Decimal], str] = str,
    day_label: Callable[[date, bool], str] = lambda d, _years: str(d.year),
) -> LineChart:
    """The whole period, ``start`` to the later of ``end`` and the target date, with 1 January of
    each year in it marked (``year_marks``). ``actual``: (assessment date, actual) points;
    ``forecast``: from (day, value) to (target date, forecast value). ``value_label`` writes a y
    tick; ``day_label(day, years)`` an x tick (``years``: the ticks are years, else quarters).
    The left margin fits the widest y label, so no label is cut off."""
    end = max(end, version.target_date)
    expected: list[Point] = []
    previous_year_end: Point | None = None
    yearly = kind_of(kind).chart == Chart.YEARLY
    for day in _expected_days(kind, version, start, end):
        value = rules.expected_value(kind, version, start, day)
        if yearly and previous_year_end and day.year != previous_year_end.day.year:
            # the yearly target restarts: drop to zero at the new year
            expected.append(Point(day, Decimal(0)))
        point = Point(day, value)
        expected.append(point)
        previous_year_end = point
    milestones = [Point(m.date, m.value) for m in version.milestones]
    actual_points = [Point(d, v) for d, v in actual]
    forecast_points = (
        [Point(forecast[0], forecast[1]), Point(forecast[2], forecast[3])] if forecast else []
    )
    target = Point(version.target_date, version.target)
    everything = expected + actual_points + milestones + forecast_points + [target]
    y_max = _nice_max(max(p.value for p in everything) * Decimal("1.05"))
    y_min = min(Decimal(0), min(p.value for p in everything))
    chart = LineChart(expected, actual_points, milestones, forecast_points, target)
    y_values = [y_min + (y_max - y_min) * i / 4 for i in range(5)]
    y_labels = [value_label(v) for v in y_values]
    chart.left = max(LEFT, 12 + max(_label_width(label) for label in y_labels))
    x0, x1 = start - timedelta(days=1), end
    span = max((x1 - x0).days, 1)

    def place(p: Point) -> None:
        p.x = chart.left + (chart.right - chart.left) * (p.day - x0).days / span
        p.y = float(
            Decimal(str(chart.bottom))
            - (Decimal(str(chart.bottom - chart.top)) * (p.value - y_min) / (y_max - y_min))
        )

    for p in everything:
        place(p)
    for value, label in zip(y_values, y_labels, strict=True):
        probe = Point(x0, value)
        place(probe)
        chart.y_ticks.append(Tick(probe.y, value, label))
    for year in range(start.year + 1, x1.year + 1):  # inside the range, not at its start
        probe = Point(date(year, 1, 1), y_min)
        place(probe)
        chart.year_marks.append(Tick(probe.x, probe.day, str(year)))
    years = (x1 - x0).days > 731
    for day in _x_ticks(x0, x1):
        probe = Point(day, y_min)
        place(probe)
        chart.x_ticks.append(Tick(probe.x, day, day_label(day, years)))
    return chart


@dataclass
class Bar:
    label: str
    amount_won: int
    width: float
    kind: str


def execution_bars(
    *, allocated: int, executed: int | None, expected_share: Decimal | None, labels: dict[str, str]
) -> list[Bar]:
    """Allocated, expected to date (allocated x the stored expected share) and executed."""
    values = [("allocated", allocated)]
    if expected_share is not None:
        values.append(("expected", int(Decimal(allocated) * expected_share)))
    values.append(("executed", executed or 0))
    top = max([v for _, v in values] + [1])
    span = 420
    return [Bar(labels[k], v, span * v / top, k) for k, v in values]
