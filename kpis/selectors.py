"""Reads of KPIs: who may see which, the target history, the target in force on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet

from kpis.models import KPI, Milestone, TargetRevision
from programs.models import Program
from programs.selectors import programs_for_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def kpis_for_user(user: User | AnonymousUser) -> QuerySet[KPI]:
    """The KPIs of the programmes the user may see, in tree order, with their programme's node and
    their milestones (by date)."""
    return (
        KPI.objects.filter(program__in=programs_for_user(user).values("pk"))
        .select_related("program")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("date")))
        .order_by("program__code", "position", "id")
    )


def in_force_q(year: int, *, kpi: str = "", program: str = "program__") -> Q:
    """KPIs in force in fiscal ``year``: their programme started on or before 31 December of the
    year and their target date is on or after 1 January of it. ``kpi`` and ``program`` are the
    paths to the KPI and to its programme (from a programme: ``kpi="kpis__", program=""``)."""
    return Q(
        **{
            f"{program}start__lte": date(year, 12, 31),
            f"{kpi}target_date__gte": date(year, 1, 1),
        }
    )


def programs_unfunded_in_force(year: int) -> QuerySet[Program]:
    """The programmes with a KPI in force in ``year`` that the year's budget does not fund."""
    return (
        Program.objects.filter(in_force_q(year, kpi="kpis__", program=""))
        .exclude(allocations__fiscal_year__year=year)
        .distinct()
    )


def kpi_target_snapshot(kpi: KPI, milestones: list[Any] | None = None) -> dict[str, Any]:
    """The KPI's target, target date, baseline and milestones as stored in a revision (JSON:
    decimals and dates as strings)."""
    if milestones is None:
        milestones = list(kpi.milestones.all())
    return {
        "target": number_text(kpi.target),
        "target_date": kpi.target_date.isoformat(),
        "baseline": number_text(kpi.baseline),
        "milestones": [
            {"date": m.date.isoformat(), "value": number_text(m.value)} for m in milestones
        ],
    }


def number_text(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros: 5000.0000 -> "5000", 0.4500 -> "0.45"."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass
class TargetHistoryEntry:
    """The original values (``revision`` None) or one revision, with who, when and why."""

    values: dict[str, Any]
    effective_from: date | None
    revision: TargetRevision | None = None
    by: User | None = None
    at: datetime | None = None
    reason: str = ""
    reason_label: str = ""
    reason_text: str = ""
    previous: dict[str, Any] | None = None

    @property
    def is_original(self) -> bool:
        return self.revision is None

    @property
    def changed(self) -> list[str]:
        """The names of the values this revision changed."""
        if self.previous is None:
            return []
        return [
            k
            for k in ("target", "target_date", "baseline", "milestones")
            if self.previous.get(k) != self.values.get(k)
        ]


def kpi_target_history(kpi: KPI) -> list[TargetHistoryEntry]:
    """The original target values and every revision, oldest first."""
    revisions = list(
        TargetRevision.objects.filter(kpi=kpi)
        .select_related("created_by")
        .order_by("created_at", "id")
    )
    if not revisions:
        return [TargetHistoryEntry(values=kpi_target_snapshot(kpi), effective_from=None)]
    entries = [TargetHistoryEntry(values=revisions[0].previous, effective_from=None)]
    for rev in revisions:
        entries.append(
            TargetHistoryEntry(
                values=rev.revised,
                effective_from=rev.effective_from,
                revision=rev,
                by=rev.created_by,
                at=rev.created_at,
                reason=rev.reason,
                reason_label=str(rev.get_reason_display()) if rev.reason else "",
                reason_text=rev.reason_text,
                previous=rev.previous,
            )
        )
    return entries


@dataclass(frozen=True)
class TargetInForce:
    target: Decimal
    target_date: date
    baseline: Decimal
    milestones: tuple[tuple[date, Decimal], ...]


def _in_force(values: dict[str, Any]) -> TargetInForce:
    return TargetInForce(
        target=Decimal(values["target"]),
        target_date=date.fromisoformat(values["target_date"]),
        baseline=Decimal(values["baseline"]),
        milestones=tuple(
            (date.fromisoformat(m["date"]), Decimal(m["value"])) for m in values["milestones"]
        ),
    )


def kpi_target_as_of(
    kpi: KPI, as_of: date, revisions: list[TargetRevision] | None = None
) -> TargetInForce:
    """The target values in force on ``as_of`` (docs/status-rules.md): those of the latest revision
    effective on or before it (the latest recorded wins among equal dates), else the original
    values. Pass ``revisions`` (the KPI's, any order) to avoid a query."""
    if revisions is None:
        revisions = list(TargetRevision.objects.filter(kpi=kpi))
    if not revisions:
        return _in_force(kpi_target_snapshot(kpi))
    ordered = sorted(revisions, key=lambda r: (r.created_at, r.pk))
    effective = [r for r in ordered if r.effective_from <= as_of]
    if not effective:
        return _in_force(ordered[0].previous)
    latest = max(effective, key=lambda r: (r.effective_from, r.created_at, r.pk))
    return _in_force(latest.revised)
