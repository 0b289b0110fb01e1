"""The figures of a fiscal year's performance report (docs/performance.md): for every KPI in force
in year ``Y`` its year target, year actual, achievement rate, whether it was achieved, its status
as of 31 December of ``Y`` and the shortfall reason and remedy its officers gave; for every
programme its allocation, execution and execution rate in ``Y``; the share of KPIs achieved per
ministry and overall.

Reads only approved values (the revision of a period that counts today), for periods ending in or
before ``Y``. The rules are the status rules' (``status.rules``): ``E`` and ``A`` as section
"one KPI" defines them. Eight queries whatever the size.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q

from budget.models import BudgetNode, Ministry
from kpis.kinds import kind_of
from kpis.models import KPI
from kpis.selectors import in_force_q
from programs.models import Program
from reporting.selectors import shortfalls_for_year
from status import rules
from status.engine.fingerprints import global_thresholds
from status.engine.loading import (
    KPIDefinition,
    load_milestones,
    load_reports,
    load_revisions,
    load_values,
    target_versions,
)

logger = logging.getLogger(__name__)

# Rates and shares as JSON writes them: six decimal places (0.535 is 53.5 %).
_PLACES = Decimal("0.000001")


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_PLACES)


@dataclass(frozen=True)
class KPIYear:
    kpi: KPI
    year_target: Decimal
    year_actual: Decimal | None
    achievement_rate: Decimal | None
    achieved: bool
    status: str
    shortfall_reason: str
    remedy: str


@dataclass
class ProgramYear:
    program: Program
    allocated_won: int | None
    executed_won: int
    kpis: list[KPIYear] = field(default_factory=list)
    path: str = ""  # the programme's place in the year's tree ("" when the year does not fund it)

    @property
    def execution_rate(self) -> Decimal | None:
        if not self.allocated_won:
            return None
        return _round(Decimal(self.executed_won) / Decimal(self.allocated_won))


@dataclass(frozen=True)
class Summary:
    kpis: int
    achieved: int

    @property
    def achievement_share(self) -> Decimal | None:
        """Achieved KPIs over KPIs in force; None when there are none."""
        if not self.kpis:
            return None
        return _round(Decimal(self.achieved) / Decimal(self.kpis))

    @classmethod
    def of(cls, kpis: Iterable[KPIYear]) -> Summary:
        rows = list(kpis)
        return cls(kpis=len(rows), achieved=sum(1 for k in rows if k.achieved))


@dataclass
class MinistryYear:
    ministry: Ministry
    programs: list[ProgramYear]

    @property
    def summary(self) -> Summary:
        return Summary.of(k for p in self.programs for k in p.kpis)


@dataclass
class YearFigures:
    fiscal_year: int
    ministries: list[MinistryYear]

    @property
    def summary(self) -> Summary:
        return Summary.of(k for m in self.ministries for p in m.programs for k in p.kpis)

    def programs(self) -> list[ProgramYear]:
        return [p for m in self.ministries for p in m.programs]


def achievement_rate(
    *,
    kind: str,
    direction: str,
    baseline: Decimal,
    year_target: Decimal,
    year_actual: Decimal | None,
) -> Decimal | None:
    """``(actual - b) / (target - b)``; for an annual KPI ``actual / target``; when the target
    equals the baseline, 1 if the actual is at or past it in the KPI's direction, else 0. None
    without an actual."""
    if year_actual is None:
        return None
    base = Decimal(0) if kind_of(kind).yearly else baseline
    if year_target == base:
        past = year_actual >= base if direction == rules.INCREASE else year_actual <= base
        return Decimal(1) if past else Decimal(0)
    return _round((year_actual - base) / (year_target - base))


def kpi_year(
    kpi: KPIDefinition,
    program: rules.ProgramFacts,
    versions: Sequence[rules.TargetVersion],
    values: Sequence[tuple[date, Decimal]],
    *,
    year: int,
) -> tuple[Decimal, Decimal | None]:
    """(year target, year actual) of one KPI in ``year`` from its approved ``values``."""
    year_end = date(year, 12, 31)
    version = rules.target_in_force(versions, year_end)
    in_year = [(end, value) for end, value in values if end.year == year]
    if kind_of(kpi.kind).yearly:
        target = version.target
        actual = sum((v for _e, v in in_year), Decimal(0)) if in_year else None
        return target, actual
    target = rules.expected_value(kpi.kind, version, program.start, year_end)
    if not in_year:
        return target, None
    latest = max(end for end, _v in in_year)
    counted = [(end, value) for end, value in values if end <= latest]
    return target, rules.actual_so_far(kpi.kind, kpi.baseline, counted)


def year_figures(*, year: int, ministry: Ministry | None = None) -> YearFigures:
    """The performance report's figures for fiscal ``year`` (all ministries, or one)."""
    year_end = date(year, 12, 31)
    funded = {
        node.program_id: node
        for node in BudgetNode.objects.filter(fiscal_year__year=year, program__isnull=False).only(
            "program_id", "amount_won", "path"
        )
    }
    in_force = Q(pk__in=KPI.objects.filter(in_force_q(year)).values("program_id"))
    programs_qs = Program.objects.filter(Q(pk__in=list(funded)) | in_force).select_related(
        "ministry"
    )
    if ministry is not None:
        programs_qs = programs_qs.filter(ministry=ministry)
    programs = {p.pk: p for p in programs_qs}
    pids = list(programs)
    kpis = list(
        KPI.objects.filter(in_force_q(year), program_id__in=pids).order_by(
            "program_id", "position", "code"
        )
    )
    milestones = load_milestones(pids)
    revisions = load_revisions(pids)
    values = load_values(pids, year_end)
    reports = load_reports(pids, year_end)
    shortfalls = shortfalls_for_year(year=year, kpi_ids=[k.pk for k in kpis])
    thresholds = global_thresholds()

    rows: dict[int, ProgramYear] = {}
    for pid, program in programs.items():
        node = funded.get(pid)
        executed = sum(won or 0 for end, won in reports.get(pid, ()) if end.year == year)
        rows[pid] = ProgramYear(
            program=program,
            allocated_won=node.amount_won if node else None,
            executed_won=executed,
            path=node.path if node else "",
        )
    for kpi in kpis:
        program = programs[kpi.program_id]
        facts = rules.ProgramFacts(
            start=program.start, end=program.end, frequency=program.frequency
        )
        definition = KPIDefinition(*(getattr(kpi, name) for name in KPIDefinition._fields))
        versions = target_versions(
            definition,
            [m for m in milestones.get(kpi.program_id, ()) if m.kpi_id == kpi.pk],
            [r for r in revisions.get(kpi.program_id, ()) if r.kpi_id == kpi.pk],
        )
        kpi_values = values.get(kpi.pk, [])
        try:
            target, actual = kpi_year(definition, facts, versions, kpi_values, year=year)
            assessment = rules.assess_kpi(
                rules.KPIFacts(
                    kind=kpi.kind,
                    direction=kpi.direction,
                    versions=versions,
                    grace_days=kpi.grace_days,
                    on_track_threshold=kpi.on_track_threshold,
                    at_risk_threshold=kpi.at_risk_threshold,
                    code=kpi.code,
                ),
                facts,
                kpi_values,
                year_end,
                thresholds,
            )
        except ValueError as exc:
            # Inputs the rules refuse (a milestone before a start moved later...): left out, as
            # the status engine leaves out their status, and logged.
            logger.error("Year figures of KPI %s (id %s) not computed: %s", kpi.code, kpi.pk, exc)
            continue
        rate = achievement_rate(
            kind=kpi.kind,
            direction=kpi.direction,
            baseline=kpi.baseline,
            year_target=target,
            year_actual=actual,
        )
        reason, remedy = shortfalls.get(kpi.pk, ("", ""))
        rows[kpi.program_id].kpis.append(
            KPIYear(
                kpi=kpi,
                year_target=target,
                year_actual=actual,
                achievement_rate=rate,
                achieved=rate is not None and rate >= 1,
                status=str(assessment.status),
                shortfall_reason=reason,
                remedy=remedy,
            )
        )
    by_ministry: dict[int, list[ProgramYear]] = defaultdict(list)
    for row in rows.values():
        by_ministry[row.program.ministry_id].append(row)
    ministries = []
    for program_rows in by_ministry.values():
        program_rows.sort(key=lambda r: (r.path == "", r.path, r.program.code))
        ministries.append(MinistryYear(program_rows[0].program.ministry, program_rows))
    ministries.sort(key=lambda m: m.ministry.code)
    return YearFigures(fiscal_year=year, ministries=ministries)


def _number(value: Decimal | None) -> int | float | None:
    """A figure as JSON writes it: an integer when whole, else a decimal number."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())


def _summary(summary: Summary) -> dict[str, Any]:
    share = summary.achievement_share
    return {
        "kpis": summary.kpis,
        "achieved": summary.achieved,
        "achievement_share": float(share) if share is not None else None,
    }


def figures_data(figures: YearFigures) -> dict[str, Any]:
    """The performance report as JSON (docs/formats.md, ``performance_report``)."""
    return {
        "fiscal_year": figures.fiscal_year,
        "summary": _summary(figures.summary),
        "ministries": [
            {
                "code": m.ministry.code,
                "name": m.ministry.name,
                "name_ko": m.ministry.name_ko,
                "summary": _summary(m.summary),
                "programs": [
                    {
                        "code": p.program.code,
                        "name": p.program.name,
                        "name_ko": p.program.name_ko,
                        "allocated_won": p.allocated_won,
                        "executed_won": p.executed_won,
                        "execution_rate": _number(p.execution_rate),
                        "kpis": [
                            {
                                "code": k.kpi.code,
                                "name": k.kpi.name,
                                "name_ko": k.kpi.name_ko,
                                "unit": k.kpi.unit,
                                "year_target": _number(k.year_target),
                                "year_actual": _number(k.year_actual),
                                "achievement_rate": _number(k.achievement_rate),
                                "achieved": k.achieved,
                                "status": k.status,
                                "shortfall_reason": k.shortfall_reason,
                                "remedy": k.remedy,
                            }
                            for k in p.kpis
                        ],
                    }
                    for p in m.programs
                ],
            }
            for m in figures.ministries
        ],
    }
