"""Assessing: the rules over the inputs of the programmes whose fingerprint changed, as rows.

Inputs the rules refuse (ValueError) are reported and do not stop the others: a programme with a
refused KPI is stored with a fingerprint no recompute matches (so it is assessed, and the error
reported, again each time); a programme whose budget the rules refuse gets no programme row, but
its status still rolls up into the nodes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from status import rules
from status.engine.fingerprints import UNSETTLED
from status.engine.loading import (
    VALUE_DENOMINATOR,
    KPIDefinition,
    Milestones,
    Numerators,
    ProgramInputs,
    Reports,
    Revisions,
    target_versions,
)
from status.engine.storing import Rows, StoredRow, kpi_row, program_row

logger = logging.getLogger("status.services")


@dataclass
class Assessed:
    kpi_rows: Rows = field(default_factory=Rows)
    program_rows: Rows = field(default_factory=Rows)
    # {programme id: (stored fingerprint, status)}, with or without a programme row
    results: dict[int, StoredRow] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    kpis: int = 0  # the KPIs of the programmes assessed

    def merge(self, other: Assessed) -> None:
        self.kpi_rows.extend(other.kpi_rows)
        self.program_rows.extend(other.program_rows)
        self.results.update(other.results)
        self.errors += other.errors
        self.kpis += other.kpis


def assess_programs(
    program_ids: list[int],
    *,
    programs: dict[int, ProgramInputs],
    fingerprints: dict[int, str],
    kpis: dict[int, list[KPIDefinition]],
    milestones: Milestones,
    revisions: Revisions,
    values: Numerators,
    reports: Reports,
    as_of: date,
    thresholds: rules.Thresholds,
    now: datetime,
) -> Assessed:
    """The KPI and programme rows of the given programmes, computed by the rules."""
    out = Assessed()
    for pid in program_ids:
        program = programs[pid]
        fp = fingerprints[pid]
        calendar = program.facts()
        milestones_of: dict[int, list[Any]] = {}
        for m in milestones.get(pid, ()):
            milestones_of.setdefault(m.kpi_id, []).append(m)
        revisions_of: dict[int, list[Any]] = {}
        for r in revisions.get(pid, ()):
            revisions_of.setdefault(r.kpi_id, []).append(r)
        statuses: list[str] = []
        settled = True
        program_kpis = kpis.get(pid, ())
        out.kpis += len(program_kpis)
        for kpi in program_kpis:
            try:
                facts = rules.KPIFacts(
                    kind=kpi.kind,
                    direction=kpi.direction,
                    versions=target_versions(
                        kpi, milestones_of.get(kpi.id, []), revisions_of.get(kpi.id, [])
                    ),
                    grace_days=kpi.grace_days,
                    on_track_threshold=kpi.on_track_threshold,
                    at_risk_threshold=kpi.at_risk_threshold,
                    code=kpi.code,
                )
                assessment = rules.assess_kpi(
                    facts,
                    calendar,
                    values.get(kpi.id, ()),
                    as_of,
                    thresholds,
                    value_denominator=VALUE_DENOMINATOR,
                )
            except ValueError as exc:
                out.errors.append(f"KPI {kpi.code}: {exc}")
                logger.error("Status of KPI %s (id %s) not computed: %s", kpi.code, kpi.id, exc)
                settled = False
                continue
            statuses.append(str(assessment.status))
            out.kpi_rows.append(kpi_row(kpi.id, as_of, fp, now, assessment))
        rollup = rules.program_status(statuses)
        stored_fp = fp if settled else f"{fp}{UNSETTLED}"
        out.results[pid] = StoredRow(stored_fp, str(rollup.status))
        if program.allocated_won is None:  # not funded in the budget year: no budget status
            out.program_rows.append(program_row(pid, as_of, stored_fp, now, rollup, None, None))
            continue
        try:
            budget = rules.assess_budget(
                calendar,
                allocated_won=program.allocated_won,
                fiscal_year=program.fiscal_year,
                reports=reports.get(pid, []),
                as_of=as_of,
                thresholds=thresholds,
                grace_days=program.grace_days,
            )
        except ValueError as exc:
            out.errors.append(f"programme {pid}: {exc}")
            logger.error("Budget status of programme %s not computed: %s", pid, exc)
            continue
        out.program_rows.append(
            program_row(pid, as_of, stored_fp, now, rollup, budget, program.node_id)
        )
    return out
