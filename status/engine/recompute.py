"""Recomputing: the programme stage, the node stage, and the full and per-programme recomputes.

The programme is the unit of change. Its fingerprint (status.engine.fingerprints) is compared
with the rows stored for the date and for the donor date (the nearest stored date); each
programme then falls in one of three cases:

- its fingerprint equals the one stored for the date: nothing is written;
- it equals the donor date's: its programme and KPI rows are copied server-side (on the nightly
  recompute, where nothing changed, one plain INSERT ... SELECT of the whole day per table);
- otherwise the rules assess it (status.engine.assessing; its values are loaded only then) and its
  rows are written (status.engine.storing).

Nodes follow with Merkle fingerprints over their subtree, copied or rolled up the same way.
Recomputes of the same date take a transaction-scoped advisory lock, so they run one after the
other (the second finds the first's rows and writes nothing) and cannot deadlock. The
recompute's transaction raises work_mem and commits asynchronously (both SET LOCAL; see
RECOMPUTE_WORK_MEM), and a full recompute pauses the cyclic garbage collector.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from budget.models import BudgetNode, FiscalYear
from budget.selectors import fiscal_year_of
from status import rules
from status.engine import stale, storing
from status.engine.assessing import Assessed, assess_programs
from status.engine.fingerprints import (
    UNSETTLED,
    NodeRow,
    ProgramDigest,
    global_thresholds,
    inputs_and_digests,
    node_fingerprints,
    program_digests,
    program_fingerprints,
    settings_fingerprint,
)
from status.engine.loading import (
    KPIDefinition,
    Numerators,
    ProgramInputs,
    Reports,
    load_kpis,
    load_milestones,
    load_numerators,
    load_programs,
    load_reports,
    load_revisions,
)
from status.engine.parallel import assess_in_processes
from status.engine.storing import KPI_FIELDS, NODE_FIELDS, PROGRAM_FIELDS, StoredRow
from status.models import KPIStatus, NodeStatus, ProgramStatus, Status, StoredResult


@dataclass
class RecomputeSummary:
    as_of: date
    kpis: int = 0
    kpis_written: int = 0
    programs: int = 0
    programs_written: int = 0
    nodes: int = 0
    nodes_written: int = 0
    # Of the rows written, those copied from another date's rows with the same fingerprint.
    kpis_reused: int = 0
    programs_reused: int = 0
    program_status_counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.kpis_written + self.programs_written + self.nodes_written

    def merge(self, other: RecomputeSummary) -> None:
        self.kpis += other.kpis
        self.kpis_written += other.kpis_written
        self.programs += other.programs
        self.programs_written += other.programs_written
        self.kpis_reused += other.kpis_reused
        self.programs_reused += other.programs_reused
        self.errors += other.errors


ProgramResults = dict[int, StoredRow]


def budget_year(as_of: date, fiscal_year: int | None) -> FiscalYear | None:
    """The fiscal year whose budget the rows are computed for: ``fiscal_year`` when given, else
    the year ``as_of`` is read in (``budget.selectors.fiscal_year_of``)."""
    if fiscal_year is not None:
        return FiscalYear.objects.filter(year=fiscal_year).first()
    return fiscal_year_of(as_of)


def recompute_programs(
    *,
    as_of: date,
    program_ids: Iterable[int] | None,
    year: FiscalYear | None,
    processes: int = 1,
) -> tuple[dict[int, ProgramInputs], ProgramResults, RecomputeSummary]:
    """Recompute the KPI and programme rows of the given programmes (every programme when None),
    their budget in ``year``, the rules on up to ``processes`` CPUs (status.engine.parallel).
    Returns the programmes, {programme id: (fingerprint, status)} and a summary."""
    summary = RecomputeSummary(as_of=as_of)
    now = timezone.now()
    thresholds = global_thresholds()
    programs = load_programs(program_ids, year)
    everything = program_ids is None
    pids = None if everything else list(programs)
    stored = storing.stored(ProgramStatus, as_of, pids)
    milestones = load_milestones(pids)
    revisions = load_revisions(pids)
    settings_fp = settings_fingerprint(thresholds)

    def fingerprint(chunk: Iterable[int], digests: dict[int, ProgramDigest]) -> dict[int, str]:
        return program_fingerprints(
            {pid: programs[pid] for pid in chunk},
            digests,
            milestones,
            revisions,
            as_of=as_of,
            settings_fp=settings_fp,
        )

    if not stored.current and not stored.donor:
        # Nothing stored for these programmes on any date: the rules assess every one, so each
        # chunk's inputs are loaded by ``prepare`` (in the process that assesses the chunk) and
        # digested in the pass that loads them; its fingerprints follow.
        digests: dict[int, ProgramDigest] = {}
        fingerprints: dict[int, str] = {}
        kpis: dict[int, list[KPIDefinition]] = {}
        plan = storing.Plan(compute=list(programs))

        def prepare(chunk: list[int] | None) -> tuple[Numerators, Reports]:
            ids = chunk if chunk is not None else pids  # None: every programme, no id list
            values, chunk_kpis, reports, chunk_digests = inputs_and_digests(ids, as_of)
            digests.update(chunk_digests)
            kpis.update(chunk_kpis)
            fingerprints.update(fingerprint(programs if ids is None else ids, digests))
            return values, reports

    else:
        digests = program_digests(pids, as_of)
        fingerprints = fingerprint(programs, digests)
        plan = stored.plan(fingerprints)
        # A programme whose KPI rows are not all there (removed by hand) is computed again.
        # Checked by count first (one index scan): a settled programme stored for a date has a
        # row per KPI.
        for rows, day, stored_rows in (
            (plan.unchanged, as_of, stored.current),
            (plan.copy, stored.donor_date, stored.donor),
        ):
            if not rows or day is None:
                continue
            expected = sum(
                digests[pid].kpis
                for pid, row in stored_rows.items()
                if pid in digests and not row.fingerprint.endswith(UNSETTLED)
            )
            if storing.count_kpi_rows(day, pids) != expected:
                for pid in storing.missing_kpi_rows(day, pids) & rows.keys():
                    del rows[pid]
                    plan.compute.append(pid)
        # The changed programmes' inputs only, or everything's when most changed (no id list).
        subset = plan.compute if len(plan.compute) * 2 < len(programs) else pids
        kpis = load_kpis(subset) if plan.compute else {}

        def prepare(chunk: list[int] | None) -> tuple[Numerators, Reports]:
            ids = chunk if chunk is not None else subset
            return load_numerators(ids, as_of), load_reports(ids, as_of)

    def assess(chunk: list[int], inputs: tuple[Numerators, Reports]) -> Assessed:
        values, reports = inputs
        return assess_programs(
            chunk,
            programs=programs,
            fingerprints=fingerprints,
            kpis=kpis,
            milestones=milestones,
            revisions=revisions,
            values=values,
            reports=reports,
            as_of=as_of,
            thresholds=thresholds,
            now=now,
        )

    changed = plan.compute
    # Rows may be stored for the date already only if any is (a new date has none).
    replace = bool(stored.current) or (
        bool(changed or plan.copy) and storing.has_rows(KPIStatus, as_of)
    )

    def write(part: Assessed) -> None:  # each process's rows as soon as they are ready
        storing.upsert(KPIStatus, part.kpi_rows, KPI_FIELDS, replace=replace)
        storing.upsert(ProgramStatus, part.program_rows, PROGRAM_FIELDS, replace=replace)

    assessed = Assessed()
    if changed:
        assessed = assess_in_processes(
            changed, processes=processes, prepare=prepare, assess=assess, write=write
        )
        summary.errors += assessed.errors
    results: ProgramResults = {
        pid: StoredRow(fingerprints[pid], status)
        for statuses in (plan.unchanged, plan.copy)
        for pid, status in statuses.items()
    }
    results.update(assessed.results)
    # Every programme's KPIs: those assessed (a process of their own may have loaded them), and
    # the others' from their digests.
    summary.kpis = assessed.kpis + sum(
        digests[pid].kpis for pid in programs if pid in digests and pid not in assessed.results
    )

    kpis_copied = programs_copied = 0
    if plan.copy and stored.donor_date is not None:
        donor = stored.donor_date

        def copy(model: type[StoredResult], fields: list[str], **which: Any) -> int:
            return storing.copy_rows(
                model, fields, source=donor, to=as_of, now=now, replace=replace, **which
            )

        others = [pid for pid in programs if pid not in plan.copy]
        if everything and not plan.unchanged and len(changed) * 2 < len(programs):
            # Every row of the donor date but the few computed programmes', left out by KPI id.
            changed_kpis = [kpi.id for pid in changed for kpi in kpis.get(pid, ())]
            kpis_copied = copy(KPIStatus, KPI_FIELDS, all_but=changed_kpis)
            programs_copied = copy(ProgramStatus, PROGRAM_FIELDS, all_but=others)
        elif everything and len(others) < len(plan.copy):
            # Every row of the donor date but the other programmes' (the nightly case: all).
            owner = ("kpis_kpi", "program_id") if others else None
            kpis_copied = copy(KPIStatus, KPI_FIELDS, all_but=others, owner=owner)
            programs_copied = copy(ProgramStatus, PROGRAM_FIELDS, all_but=others)
        else:
            owner = ("kpis_kpi", "program_id")
            kpis_copied = copy(KPIStatus, KPI_FIELDS, only=plan.copy, owner=owner)
            programs_copied = copy(ProgramStatus, PROGRAM_FIELDS, only=plan.copy)
    summary.kpis_written = len(assessed.kpi_rows) + kpis_copied
    summary.kpis_reused = kpis_copied
    summary.programs = len(programs)
    summary.programs_written = len(assessed.program_rows) + programs_copied
    summary.programs_reused = programs_copied
    return programs, results, summary


def recompute_nodes(
    *, as_of: date, fiscal_year_ids: Iterable[int], results: ProgramResults
) -> tuple[int, int]:
    """Roll programme statuses up the budget trees of the given fiscal years and store the rows of
    the nodes whose subtree changed: every node but a programme node with nothing beneath it
    (whose status is its programme's row), so a pillar that is itself a programme has a node row
    like any pillar. ``results`` must hold every programme of those years. Returns (nodes, nodes
    written)."""
    now = timezone.now()
    year_ids = list(fiscal_year_ids)
    nodes = [
        NodeRow(*row)
        for row in BudgetNode.objects.filter(fiscal_year_id__in=year_ids)
        .order_by("fiscal_year_id", "depth", "path")
        .values_list(*NodeRow._fields)
    ]
    program_of_node = {n.id: n.program_id for n in nodes if n.program_id is not None}
    subtree = node_fingerprints(
        nodes,
        program_of_node,
        {pid: row.fingerprint for pid, row in results.items()},
        settings_fp=settings_fingerprint(global_thresholds()),
    )
    roots = {n.id for n in nodes if n.parent_id is None}
    parents = {n.parent_id for n in nodes}
    targets = [
        n
        for n in nodes
        if n.id not in program_of_node or n.id in parents or n.parent_id in roots or n.id in roots
    ]
    stored = storing.stored(NodeStatus, as_of, [n.id for n in targets])
    plan = stored.plan({n.id: subtree[n.id] for n in targets})
    changed = set(plan.compute)
    write: list[tuple[object, ...]] = []
    if changed:
        code_of = {n.id: n.code for n in nodes}
        by_year: dict[int, list[NodeRow]] = defaultdict(list)
        for n in nodes:
            by_year[n.fiscal_year_id].append(n)
        for year_nodes in by_year.values():
            rollups = rules.rollup_nodes(
                [
                    rules.NodeInput(
                        code=n.code,
                        parent_code=code_of[n.parent_id] if n.parent_id is not None else None,
                        amount_won=n.amount_won,
                        program_status=results[program_of_node[n.id]].status
                        if n.id in program_of_node
                        else None,
                    )
                    for n in year_nodes
                ],
                only=[n.code for n in year_nodes if n.id in changed],
            )
            write += [
                storing.node_row(n.id, as_of, subtree[n.id], now, rollups[n.code])
                for n in year_nodes
                if n.id in changed
            ]
    replace = bool(stored.current)
    copied = 0
    if stored.donor_date is not None:
        copied = storing.copy_rows(
            NodeStatus,
            NODE_FIELDS,
            source=stored.donor_date,
            to=as_of,
            now=now,
            replace=replace,
            only=plan.copy,
        )
    storing.upsert(NodeStatus, write, NODE_FIELDS, replace=replace)
    return len(targets), len(write) + copied


# pg_advisory_xact_lock(namespace, key): recomputes for the same as-of date run one after the other,
# each seeing what the previous stored (so the second writes nothing), and cannot deadlock on the
# unique index; the upserts alone would already leave no duplicates.
_LOCK_NAMESPACE = 0x53544154  # "STAT"

# Memory for the recompute's aggregates (per KPI arrays of a million values, the digests), for its
# transaction only (SET LOCAL): with the server default (4MB) they spill to disk. The transaction
# also commits without waiting for its WAL to reach the disk (synchronous_commit off, SET LOCAL):
# its rows are derived, so a crash in the fraction of a second after the commit loses nothing that
# the next recompute does not write again, and the database stays consistent.
RECOMPUTE_WORK_MEM = "256MB"


def lock_as_of(as_of: date) -> None:
    with connection.cursor() as cursor:
        # set_config(..., true) is SET LOCAL, in the same round trip as the lock
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s), set_config('work_mem', %s, true), "
            "set_config('synchronous_commit', 'off', true)",
            [_LOCK_NAMESPACE, as_of.toordinal(), RECOMPUTE_WORK_MEM],
        )


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored after): a full recompute allocates millions of
    small acyclic objects, and the collector's passes over an ever larger heap would grow faster
    than the data. Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def recompute_all(*, as_of: date, fiscal_year: int | None, processes: int = 1) -> RecomputeSummary:
    """Every programme, with its budget in ``fiscal_year`` (default: the year ``as_of`` is read
    in), and that year's nodes, inside the caller's transaction; the rules on up to
    ``processes`` CPUs."""
    lock_as_of(as_of)
    marks = stale.stale_generations(None)
    year = budget_year(as_of, fiscal_year)
    programs, results, summary = recompute_programs(
        as_of=as_of, program_ids=None, year=year, processes=processes
    )
    summary.nodes, summary.nodes_written = recompute_nodes(
        as_of=as_of, fiscal_year_ids=[year.pk] if year else [], results=results
    )
    stale.clear_stale({pid: g for pid, g in marks.items() if pid in programs}, as_of)
    summary.program_status_counts = _count(row.status for row in results.values())
    return summary


def recompute_program(*, program_id: int, as_of: date) -> RecomputeSummary:
    """One programme, then the nodes above it, inside the caller's transaction. Programmes of its
    year never computed for the date are computed too, so the nodes roll up complete inputs."""
    lock_as_of(as_of)
    marks = stale.stale_generations([program_id])
    year = budget_year(as_of, None)
    programs, results, summary = recompute_programs(
        as_of=as_of, program_ids=[program_id], year=year
    )
    if program_id not in programs or year is None or programs[program_id].node_id is None:
        stale.clear_stale(marks, as_of)
        return summary
    fiscal_year_id = year.pk
    year_programs = list(
        BudgetNode.objects.filter(
            fiscal_year_id=fiscal_year_id, program_id__isnull=False
        ).values_list("program_id", flat=True)
    )
    others = storing.stored(ProgramStatus, as_of, year_programs, with_donor=False).current
    missing = [pid for pid in year_programs if pid not in others and pid not in results]
    if missing:
        _, extra, extra_summary = recompute_programs(as_of=as_of, program_ids=missing, year=year)
        results.update(extra)
        summary.merge(extra_summary)
    for pid in year_programs:
        if pid not in results:
            results[pid] = others[pid]
    summary.nodes, summary.nodes_written = recompute_nodes(
        as_of=as_of, fiscal_year_ids=[fiscal_year_id], results=results
    )
    stale.clear_stale(marks, as_of)
    return summary


def _count(statuses: Iterable[str]) -> dict[str, int]:
    counts = Counter(statuses)
    return {s.value: counts.get(s.value, 0) for s in Status}
