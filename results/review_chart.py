"""The budget review's scatter chart: pure geometry, no database (as boards/charts.py).

Each programme with an execution rate and an achievement rate is a dot at (execution rate,
achievement), both held within 0 and the chart's cap (a programme beyond it sits on the edge, its
true figures in the table); a dashed line marks each threshold, so the four quadrants read at a
glance. results/templates/results/_review_chart.html draws it as inline SVG, with a title, a
description and the data table as text alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from results.review import ProgramPoint

WIDTH = 640
HEIGHT = 400
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 16, 44


@dataclass
class Dot:
    point: ProgramPoint
    x: float
    y: float
    clipped: bool  # beyond the cap on either axis: drawn on the edge
    # Where the programme's code is written beside the dot; no label when every place near it
    # is taken (the dot keeps its tooltip, and the data table lists it).
    label_x: float = 0.0
    label_y: float = 0.0
    label_anchor: str = "start"
    labelled: bool = False


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class Scatter:
    dots: list[Dot]
    x_line: float
    y_line: float
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def first_width(self) -> float:
        """The review-first quadrant (bottom left), shaded: its width and height."""
        return max(self.x_line - self.left, 0.0)

    @property
    def first_height(self) -> float:
        return max(self.bottom - self.y_line, 0.0)

    @property
    def mid_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def mid_y(self) -> float:
        return (self.top + self.bottom) / 2


LABEL_CHAR = 5.6  # the width of a character of a label at the chart's 9px font
LABEL_HEIGHT = 9.0
DOT_RADIUS = 5.0
# Places tried for a label, in order: (dx, dy of the baseline, anchor).
LABEL_PLACES = (
    (7, -5, "start"),
    (7, 12, "start"),
    (-7, -5, "end"),
    (-7, 12, "end"),
    (7, -15, "start"),
    (7, 22, "start"),
    (-7, -15, "end"),
    (-7, 22, "end"),
)

Box = tuple[float, float, float, float]


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(chart: Scatter) -> None:
    """Put each dot's code at the first of :data:`LABEL_PLACES` that overlaps no dot, no label
    placed before it and stays inside the plot; none when every place is taken."""
    taken: list[Box] = [
        (d.x - DOT_RADIUS, d.y - DOT_RADIUS, d.x + DOT_RADIUS, d.y + DOT_RADIUS) for d in chart.dots
    ]
    for dot in sorted(chart.dots, key=lambda d: (d.y, d.x, d.point.program.code)):
        width = LABEL_CHAR * len(dot.point.program.code)
        for dx, dy, anchor in LABEL_PLACES:
            x0 = dot.x + dx if anchor == "start" else dot.x + dx - width
            box = (x0, dot.y + dy - LABEL_HEIGHT, x0 + width, dot.y + dy + 1)
            inside = chart.left <= box[0] and box[2] <= chart.right and chart.top <= box[1]
            if inside and box[3] <= chart.bottom and not any(_overlaps(box, t) for t in taken):
                dot.label_x, dot.label_y, dot.label_anchor = dot.x + dx, dot.y + dy, anchor
                dot.labelled = True
                taken.append(box)
                break


def _percent(value: Decimal) -> str:
    return f"{int(value * 100)}%"


def scatter(
    points: Sequence[ProgramPoint],
    *,
    execution_line: Decimal,
    achievement_line: Decimal,
    cap: Decimal,
    x_cap: Decimal | None = None,
) -> Scatter:
    """Place the programmes with both rates. The x axis runs to ``x_cap`` (default: 1.2, or the
    cap when a programme executed more), the y axis to ``cap``."""
    placed = [p for p in points if p.placed]
    rates = [p.execution_rate for p in placed if p.execution_rate is not None]
    if x_cap is None:
        x_cap = cap if any(r > Decimal("1.2") for r in rates) else Decimal("1.2")
    chart = Scatter(dots=[], x_line=0.0, y_line=0.0)

    def x_of(value: Decimal) -> float:
        return float(chart.left + (chart.right - chart.left) * value / x_cap)

    def y_of(value: Decimal) -> float:
        return float(chart.bottom - (chart.bottom - chart.top) * value / cap)

    for p in placed:
        assert p.execution_rate is not None and p.achievement is not None
        x = min(max(p.execution_rate, Decimal(0)), x_cap)
        y = min(max(p.achievement, Decimal(0)), cap)
        clipped = x != p.execution_rate or y != p.achievement
        chart.dots.append(Dot(p, x_of(x), y_of(y), clipped))
    _place_labels(chart)
    chart.x_line = x_of(min(execution_line, x_cap))
    chart.y_line = y_of(min(achievement_line, cap))
    step = Decimal("0.2") if x_cap <= Decimal("1.2") else Decimal("0.25")
    value = Decimal(0)
    while value <= x_cap:
        chart.x_ticks.append(Tick(x_of(value), _percent(value)))
        value += step
    value = Decimal(0)
    while value <= cap:
        chart.y_ticks.append(Tick(y_of(value), _percent(value)))
        value += Decimal("0.25")
    return chart
