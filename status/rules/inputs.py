"""What the status rules are given and the words they answer in: statuses, KPI kinds,
thresholds, target versions, KPI and programme facts, approved values and reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy

from kpis.kinds import DIRECTIONS, KIND_TABLE, KINDS
from programs.periods import DEFAULT_GRACE_DAYS
from status.rules.arithmetic import _to_decimal

RULES_VERSION = 2  # 2: no_kpi; a node that is a programme rolls itself up


class Status(StrEnum):
    """The statuses, as their lower-case words (same values as status.models)."""

    NOT_STARTED = "not_started"
    NO_DATA = "no_data"
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_KPI = "no_kpi"  # a programme without KPIs (a node: every programme beneath)


STATUSES: tuple[Status, ...] = tuple(Status)
STATUS_LABELS = {
    Status.NOT_STARTED: gettext_lazy("Not started"),
    Status.NO_DATA: gettext_lazy("No data"),
    Status.ACHIEVED: gettext_lazy("Achieved"),
    Status.ON_TRACK: gettext_lazy("On track"),
    Status.AT_RISK: gettext_lazy("At risk"),
    Status.OFF_TRACK: gettext_lazy("Off track"),
    Status.NO_KPI: gettext_lazy("No KPI"),
}


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
        milestones = self.milestones
        if type(milestones) is not tuple or len(milestones) > 1:  # else already a sorted tuple
            object.__setattr__(self, "milestones", tuple(sorted(milestones, key=_milestone_key)))

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
        if type(self.versions) is not tuple:
            object.__setattr__(self, "versions", tuple(self.versions))
        if self.kind not in KIND_TABLE:
            raise ValueError(f"{self.where}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"{self.where}: direction {self.direction!r} is not one of {', '.join(DIRECTIONS)}"
            )
        if self.direction not in KIND_TABLE[self.kind].directions:
            raise ValueError(f"{self.where}: an {self.kind} KPI must have direction increase")
        if not self.versions:
            raise ValueError(f"{self.where}: at least one target version is needed")
        if self.grace_days < 0:
            raise ValueError(f"{self.where}: grace_days must be >= 0, got {self.grace_days}")

    @property
    def where(self) -> str:
        """The KPI as its error messages name it."""
        return f"KPI {self.code}" if self.code else "KPI"


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
