"""Fingerprints: the single answer to "did this programme's inputs change?".

A programme's fingerprint covers everything its KPI rows and its programme row depend on: its
KPIs' definitions, its approved values and reports (digested by PostgreSQL, see
``PROGRAM_DIGESTS_SQL``), its calendar, fiscal year and money, its milestones and target
revisions, the global thresholds, the rules and storage versions, and, instead of the as-of date,
what the rules take from that date (``rules.as_of_key``: whether the programme has started, how
many periods have come due, which target version is in force). Two dates with equal fingerprints
give equal results, so rows stored for one date are copied to the other and the rules run only
where a fingerprint differs. A node's fingerprint is a Merkle hash over its subtree (its amount,
its programme's fingerprint, its children's), with no date: a rollup depends on the programmes
beneath only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection

from status import rules
from status.engine.loading import (
    KPIDefinition,
    Milestones,
    Numerators,
    ProgramInputs,
    Reports,
    Revisions,
    fetch_kpis,
    fetch_numerators,
    fetch_reports,
    programs_filter,
)

# Bumped whenever what a stored row holds changes, so that the next recompute rewrites the rows.
STORAGE_VERSION = 4

# Appended to the fingerprint of a programme with a KPI the rules refused: no recompute matches it,
# so each recompute assesses it again and reports the error again.
UNSETTLED = "!"


def digest(*parts: Any) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def global_thresholds() -> rules.Thresholds:
    """The global thresholds: settings.STATUS_THRESHOLDS ({"on_track", "at_risk"}) or the rules'
    defaults (0.90 / 0.75)."""
    configured = getattr(settings, "STATUS_THRESHOLDS", None)
    if not configured:
        return rules.DEFAULT_THRESHOLDS
    return rules.Thresholds(
        on_track=Decimal(str(configured["on_track"])), at_risk=Decimal(str(configured["at_risk"]))
    )


def settings_fingerprint(thresholds: rules.Thresholds) -> str:
    """Everything global a result depends on: the rules version, the global thresholds and the
    storage version."""
    return digest(rules.RULES_VERSION, STORAGE_VERSION, thresholds.on_track, thresholds.at_risk)


class ProgramDigest(NamedTuple):
    """What PostgreSQL digests of one programme's inputs (None where it has none)."""

    definitions: str | None  # its KPIs' definitions
    kpis: int  # how many KPIs it has
    grace_days: list[int]  # its KPIs' grace periods, distinct
    values: str | None  # its approved values counted on the date
    reports: str | None  # its approved reports counted on the date


# Each digest is the XOR of a 64-bit hash of each row, seeded with what tells the rows apart (the
# KPI id; the period's day number), with the row count: any change of a row or of the set of rows
# changes it (an accidental collision has a chance of 1 in 2**64), and no sort is needed. Each KPI
# has at most one current value per period, so no hash cancels another out. Values are hashed as
# numbers (1.0 and 1.00 alike: the rules give them the same result). One statement, one aggregate
# pass over each table (about the cost of a plain SUM ... GROUP BY): a recompute whose inputs did
# not change never moves the values into Python. A recompute that assesses every programme (nothing
# stored) takes each row's hash with the row it loads instead (``inputs_and_digests``).
VALUE_HASH_SQL = (
    "hash_numeric_extended(v.value, ((r.period_end - DATE '2000-01-01')::bigint << 32) + v.kpi_id)"
)
DEFINITION_HASH_SQL = """hashtextextended(
    concat_ws('|', k.code, k.kind, k.direction, k.baseline::text, k.target::text,
              k.target_date::text, k.grace_days::text, coalesce(k.on_track_threshold::text, '-'),
              coalesce(k.at_risk_threshold::text, '-')),
    k.id)"""
REPORT_HASH_SQL = (
    "hashtextextended(coalesce(r.executed_won::text, '-'), r.period_end - DATE '2000-01-01')"
)
PROGRAM_DIGESTS_SQL = """
WITH definitions AS (
    SELECT k.program_id, bit_xor({definition_hash})::text AS digest,
           count(*) AS kpis, array_agg(DISTINCT k.grace_days) AS grace_days
    FROM kpis_kpi k {kpis}
    GROUP BY k.program_id
), vals AS (
    SELECT r.program_id,
           bit_xor({value_hash})::text || ':' || count(*)::text AS digest
    FROM reporting_kpivalue v
    JOIN reporting_progressreport r ON r.id = v.report_id
    WHERE r.is_current AND r.period_end <= %(as_of)s {reports}
    GROUP BY r.program_id
), reps AS (
    SELECT r.program_id, bit_xor({report_hash})::text || ':' || count(*)::text AS digest
    FROM reporting_progressreport r
    WHERE r.is_current AND r.period_end <= %(as_of)s {reports}
    GROUP BY r.program_id
)
SELECT p.id, d.digest, coalesce(d.kpis, 0), d.grace_days, vals.digest, reps.digest
FROM programs_program p
LEFT JOIN definitions d ON d.program_id = p.id
LEFT JOIN vals ON vals.program_id = p.id
LEFT JOIN reps ON reps.program_id = p.id
{programs}
"""


def program_digests(program_ids: Sequence[int] | None, as_of: date) -> dict[int, ProgramDigest]:
    """The digests of the programmes' inputs (all programmes when ``program_ids`` is None)."""
    params: dict[str, Any] = {"as_of": as_of}
    filters = {"kpis": "", "reports": "", "programs": ""}
    if program_ids is not None:
        params["ids"] = list(program_ids)
        filters = {
            "kpis": "WHERE k.program_id = ANY(%(ids)s)",
            "reports": "AND r.program_id = ANY(%(ids)s)",
            "programs": "WHERE p.id = ANY(%(ids)s)",
        }
    sql = PROGRAM_DIGESTS_SQL.format(
        **filters,
        definition_hash=DEFINITION_HASH_SQL,
        value_hash=VALUE_HASH_SQL,
        report_hash=REPORT_HASH_SQL,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        pid: ProgramDigest(definitions, kpis, graces or [], values, reports)
        for pid, definitions, kpis, graces, values, reports in rows
    }


def inputs_and_digests(
    program_ids: Sequence[int] | None, as_of: date
) -> tuple[Numerators, dict[int, list[KPIDefinition]], Reports, dict[int, ProgramDigest]]:
    """The programmes' approved values (as ``loading.load_numerators``), KPI definitions
    (``loading.load_kpis``) and approved reports (``loading.load_reports``), with their digests
    (as :func:`program_digests` computes them; programmes with no KPI, value or report left out),
    each table read once: PostgreSQL returns each row's hash with the row, and the XORs and
    counts are taken here. For a recompute that assesses every programme anyway."""
    values, value_digests = values_and_digests(program_ids, as_of)
    kpis: dict[int, list[KPIDefinition]] = defaultdict(list)
    definitions: dict[int, int] = defaultdict(int)
    graces: dict[int, set[int]] = defaultdict(set)
    for *fields, row_hash in fetch_kpis(program_ids, extra=DEFINITION_HASH_SQL):
        kpi = KPIDefinition(*fields)
        kpis[kpi.program_id].append(kpi)
        definitions[kpi.program_id] ^= row_hash
        graces[kpi.program_id].add(kpi.grace_days)
    reports: Reports = defaultdict(list)
    report_xors: dict[int, int] = defaultdict(int)
    for pid, period_end, executed, row_hash in fetch_reports(
        program_ids, as_of, extra=REPORT_HASH_SQL
    ):
        reports[pid].append((period_end, executed))
        report_xors[pid] ^= row_hash
    digests = {
        pid: ProgramDigest(
            str(definitions[pid]) if pid in kpis else None,
            len(kpis.get(pid, ())),
            sorted(graces.get(pid, ())),
            value_digests.get(pid),
            f"{report_xors[pid]}:{len(reports[pid])}" if pid in reports else None,
        )
        for pid in kpis.keys() | reports.keys() | value_digests.keys()
    }
    return values, kpis, reports, digests


# The approved values per KPI (as loading.load_numerators) with, per KPI, the XOR of the same row
# hashes as PROGRAM_DIGESTS_SQL and the row count: XORs and counts add up per programme to the
# programme's values digest, so one pass over the values serves both.
_VALUES_AND_DIGESTS_SQL = """
SELECT r.program_id, v.kpi_id, array_agg(r.period_end), array_agg({{value}}),
       bit_xor({value_hash}), count(*)
FROM reporting_kpivalue v
JOIN reporting_progressreport r ON r.id = v.report_id
WHERE r.is_current AND r.period_end <= %s {programs}
GROUP BY r.program_id, v.kpi_id
"""


def values_and_digests(
    program_ids: Sequence[int] | None, as_of: date
) -> tuple[Numerators, dict[int, str]]:
    """The approved values counted on ``as_of`` (as ``loading.load_numerators``) and the
    programmes' values digests (as :func:`program_digests` computes them), in one pass over the
    values: for a recompute that assesses every programme anyway."""
    programs, params = programs_filter(program_ids)
    values: Numerators = {}
    xors: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    sql = _VALUES_AND_DIGESTS_SQL.format(value_hash=VALUE_HASH_SQL, programs=programs)
    for pid, kpi_id, ends, amounts, xor, count in fetch_numerators(sql, [as_of, *params], column=3):
        pairs = list(zip(ends, amounts, strict=True))
        if kpi_id in values:  # a KPI with values in two programmes' reports
            values[kpi_id] += pairs
        else:
            values[kpi_id] = pairs
        xors[pid] ^= xor
        counts[pid] += count
    return values, {pid: f"{xor}:{counts[pid]}" for pid, xor in xors.items()}


def program_fingerprints(
    programs: dict[int, ProgramInputs],
    digests: dict[int, ProgramDigest],
    milestones: Milestones,
    revisions: Revisions,
    *,
    as_of: date,
    settings_fp: str,
) -> dict[int, str]:
    """{programme id: fingerprint}, in the order of ``programs``. Sets each programme's
    ``grace_days`` (the smallest of its KPIs'). A plain string per programme, hashed once: this
    runs for every programme on every recompute."""
    fingerprints: dict[int, str] = {}
    blake2b = hashlib.blake2b
    empty = ProgramDigest(None, 0, [], None, None)
    for pid, program in programs.items():
        d = digests.get(pid, empty)
        if d.grace_days:
            program.grace_days = min(d.grace_days)
        calendar = program.facts()
        date_key: list[Any] = [
            rules.as_of_key(calendar, grace_days=g, as_of=as_of)
            for g in d.grace_days or [program.grace_days]
        ]
        program_revisions = revisions.get(pid)
        if program_revisions:
            effective: dict[int, list[date | None]] = defaultdict(list)
            for revision in program_revisions:
                effective[revision.kpi_id].append(revision.effective_from)
            for kpi_id, days in effective.items():
                key = rules.as_of_key(
                    calendar, grace_days=program.grace_days, as_of=as_of, effective_from=days
                )
                date_key.append((kpi_id, key))
        program_milestones = milestones.get(pid)
        text = (
            f"{settings_fp}|{program.start.isoformat()}|{program.end.isoformat()}"
            f"|{program.frequency}|{program.fiscal_year}|{program.node_id}|{program.allocated_won}"
            f"|{date_key}"
            f"|{d.definitions or '-'}:{d.kpis}|{d.values}|{d.reports}"
            f"|{digest(program_milestones) if program_milestones else ''}"
            f"|{digest(program_revisions) if program_revisions else ''}"
        )
        fingerprints[pid] = blake2b(text.encode(), digest_size=16).hexdigest()
    return fingerprints


class NodeRow(NamedTuple):
    id: int
    parent_id: int | None
    code: str
    amount_won: int
    fiscal_year_id: int
    program_id: int | None


def node_fingerprints(
    nodes: Sequence[NodeRow],
    program_of_node: dict[int, int],
    program_fp: dict[int, str],
    *,
    settings_fp: str,
) -> dict[int, str]:
    """Merkle fingerprints, bottom-up: a node's covers its subtree's amounts and programme
    fingerprints. ``nodes`` in tree order (parents before children)."""
    children: dict[int, list[int]] = defaultdict(list)
    for node in nodes:
        if node.parent_id is not None:
            children[node.parent_id].append(node.id)
    subtree: dict[int, str] = {}
    blake2b = hashlib.blake2b
    for node in reversed(nodes):  # children before parents
        pid = program_of_node.get(node.id)
        kids = children.get(node.id)
        text = (
            f"{settings_fp}|{node.code}|{node.amount_won}"
            f"|{program_fp[pid] if pid is not None else '-'}"
            f"|{','.join(sorted(subtree[c] for c in kids)) if kids else ''}"
        )
        subtree[node.id] = blake2b(text.encode(), digest_size=16).hexdigest()
    return subtree
