"""Benchmark of the status engine's full recompute (``make bench-status``).

Generates a synthetic national portfolio on PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tracker_bench; the database is created and migrated if needed
and its tables are EMPTIED): at each size, N programmes with 5 KPIs each (cumulative, level,
annual, cumulative, level), quarterly approved reports over 5 years (2022-2026), so 20 reports and
100 values per programme: 1,000,000 approved values at 10,000 programmes. Rows are written with
COPY.

For each size it times, in the same run:
- the floor: one plain SQL aggregate over the same approved values
  (SELECT kpi_id, sum(value), max(period_end) ... GROUP BY kpi_id);
- a first full recompute, as of the day before (nothing stored yet: the rules assess every KPI,
  programme and node, and every row is written), best of three, the store emptied before each;
- the nightly full recompute, three nights in a row (best of three): each as of the next day, a
  new date, with the day before stored (every row is written for the new date; rows whose inputs
  did not change, here all of them, are copied server-side from the day before instead of going
  through the rules);
- a warm full recompute (the same date again, best of three: fingerprints match, nothing is
  written);
- three more nights, each after one approved value was corrected during the day (best of three):
  that programme's fingerprint differs, so it alone is assessed by the rules and the others' rows
  are copied;
and prints the times, the ratios to the floor, and how each grows with size.

Two fiscal years are loaded by default (2026, the budget year of the dates timed, and 2025), each
with its budget tree and a node funding every programme; ``--years 1`` loads 2026 alone.

Usage: python benchmarks/bench_status.py [--sizes 1000,10000] [--repeat 1] [--years 2]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DEBUG", "1")
os.environ["CELERY_BROKER_URL"] = ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

AS_OF = date(2027, 1, 31)
KINDS = ["cumulative", "level", "annual", "cumulative", "level"]
QUARTER_ENDS = [
    date(y, m, d) for y in range(2022, 2027) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))
]
NIGHTS = 3  # nightly recomputes timed, each for the day after the last
# The fiscal years loaded (--years): the first is the budget year of the dates timed, the others
# fund every programme too (a budget tree and 10,000 allocations more per year).
FISCAL_YEARS = (2026, 2025)
PROGRAMS_PER_AREA = 100
AREAS_PER_PILLAR = 10


def _ensure_database() -> None:
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup_django() -> None:
    import django

    _ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row))
        buf.write("\n")
    buf.seek(0)
    cols = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        while chunk := buf.read(1 << 20):
            copy.write(chunk)


def generate(n_programs: int, years: int = 2, seed: int = 2026) -> dict[str, int]:
    """Empty the tables and write a portfolio of ``n_programs`` programmes, funded in ``years``
    fiscal years (2026, then 2025: the recompute reads the 2026 budget)."""
    from django.db import connection

    from budget.services import KPI_FIELDS  # the loader's column list, the one place it is kept

    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat()
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE status_kpistatus, status_programstatus, status_nodestatus, "
            "status_programstate, status_taskrun, reporting_kpivalue, reporting_reporttransition, "
            "reporting_evidencefile, reporting_progressreport, kpis_milestone, "
            "kpis_targetrevision, kpis_kpi, programs_program, budget_budgetconflict, "
            "budget_budgetnode, budget_fiscalyear, budget_ministry RESTART IDENTITY CASCADE"
        )
        c.execute("DELETE FROM accounts_user WHERE username = 'bench'")
        c.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES ('!', false, 'bench', '', '', '', "
            "false, true, now()) RETURNING id"
        )
        user_id = c.fetchone()[0]
        for fy_id, year in enumerate(FISCAL_YEARS[:years], start=1):
            c.execute(
                "INSERT INTO budget_fiscalyear (id, year, currency, title, title_ko) "
                "VALUES (%s, %s, 'KRW', 'Bench', '')",
                [fy_id, year],
            )
        c.execute(
            "INSERT INTO budget_ministry (id, code, name, name_ko) "
            "VALUES (1, 'MSIT', 'Ministry', '')"
        )

        nodes: list[tuple[object, ...]] = []
        programs: list[tuple[object, ...]] = []
        amount = 1_000_000_000
        n_areas = max(1, -(-n_programs // PROGRAMS_PER_AREA))
        n_pillars = max(1, -(-n_areas // AREAS_PER_PILLAR))
        node_id = 0

        def node(fy_id, parent, code, name, amount_won, position, depth, path, program=None):
            nonlocal node_id
            node_id += 1
            row = (node_id, fy_id, parent, code, name, "", amount_won, "", "", "", position)
            nodes.append((*row, depth, path, program))
            return node_id

        # The same tree in every fiscal year, each funding every programme.
        for fy_id in range(1, years + 1):
            total = node(fy_id, None, "TOTAL", "Total", amount * n_programs, 0, 0, "TOTAL")
            pillar_ids = [
                node(fy_id, total, f"P{p}", f"Pillar {p}", 0, p, 1, f"TOTAL/P{p}")
                for p in range(n_pillars)
            ]
            area_ids = [
                node(
                    fy_id,
                    pillar_ids[a // AREAS_PER_PILLAR],
                    f"A{a}",
                    f"Area {a}",
                    0,
                    a,
                    2,
                    f"TOTAL/P{a // AREAS_PER_PILLAR}/A{a}",
                )
                for a in range(n_areas)
            ]
            for i in range(n_programs):
                a = i // PROGRAMS_PER_AREA
                node(
                    fy_id,
                    area_ids[a],
                    f"X{i}",
                    f"Programme {i}",
                    amount,
                    i,
                    3,
                    f"TOTAL/P{a // AREAS_PER_PILLAR}/A{a}/X{i}",
                    program=i + 1,
                )
        for i in range(n_programs):
            programs.append(
                (
                    i + 1,
                    f"X{i}",
                    f"Programme {i}",
                    "",
                    1,
                    False,
                    "2022-01-01",
                    "2026-12-31",
                    "quarterly",
                )
            )
        _copy(
            c,
            "programs_program",
            [
                "id",
                "code",
                "name",
                "name_ko",
                "ministry_id",
                "owner_assumed",
                "start",
                "end",
                "frequency",
            ],
            programs,
        )
        _copy(
            c,
            "budget_budgetnode",
            [
                "id",
                "fiscal_year_id",
                "parent_id",
                "code",
                "name",
                "name_ko",
                "amount_won",
                "source_text",
                "cofog",
                "ai_component",
                "position",
                "depth",
                "path",
                "program_id",
            ],
            nodes,
        )
        kpis = []
        kpi_id = 0
        for pid in range(1, n_programs + 1):
            for k, kind in enumerate(KINDS):
                kpi_id += 1
                target = {"cumulative": 10000, "level": 500, "annual": 2000}[kind]
                kpis.append(
                    (
                        kpi_id,
                        pid,
                        f"K{pid}-{k}",
                        f"KPI {k}",
                        "",
                        "units",
                        kind,
                        "increase",
                        0,
                        target,
                        "",
                        "2026-12-31",
                        30,
                        None,
                        None,
                        "",
                        k,
                    )
                )
        _copy(
            c,
            "kpis_kpi",
            ["id", *KPI_FIELDS],
            kpis,
        )

        def reports():
            rid = 0
            for pid in range(1, n_programs + 1):
                for end in QUARTER_ENDS:
                    rid += 1
                    start = date(end.year, end.month - 2, 1)
                    yield (
                        rid,
                        pid,
                        start,
                        end,
                        1,
                        "approved",
                        True,
                        rng.randrange(0, amount // 4),
                        False,
                        "",
                        "",
                        1,
                        user_id,
                        now,
                        now,
                        now,
                    )

        _copy(
            c,
            "reporting_progressreport",
            [
                "id",
                "program_id",
                "period_start",
                "period_end",
                "revision",
                "status",
                "is_current",
                "executed_won",
                "over_execution_confirmed",
                "narrative",
                "review_comment",
                "version",
                "created_by_id",
                "created_at",
                "updated_at",
                "approved_at",
            ],
            reports(),
        )

        def values():
            rid = 0
            for pid in range(1, n_programs + 1):
                first_kpi = (pid - 1) * 5 + 1
                pace = rng.uniform(0.6, 1.15)  # how well this programme does
                for q, _end in enumerate(QUARTER_ENDS, start=1):
                    rid += 1
                    for k, kind in enumerate(KINDS):
                        noise = rng.uniform(0.85, 1.15)
                        if kind == "level":  # towards 500 by the end of 2026
                            v = round(500 * q / len(QUARTER_ENDS) * pace * noise)
                        elif kind == "annual":  # 2,000 a year: 500 a quarter
                            v = round(500 * pace * noise)
                        else:  # cumulative, 10,000 in 20 quarters
                            v = round(500 * pace * noise)
                        yield (rid, first_kpi + k, v, "", "")

        _copy(
            c,
            "reporting_kpivalue",
            ["report_id", "kpi_id", "value", "shortfall_reason", "shortfall_remedy"],
            values(),
        )
        for table in (
            "budget_budgetnode",
            "programs_program",
            "kpis_kpi",
            "reporting_progressreport",
            "reporting_kpivalue",
        ):
            c.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        c.execute("ANALYZE")
        c.execute("SELECT count(*) FROM reporting_kpivalue")
        n_values = c.fetchone()[0]
    return {"programs": n_programs, "kpis": kpi_id, "values": n_values, "nodes": len(nodes)}


FLOOR_SQL = """
SELECT v.kpi_id, sum(v.value), max(r.period_end)
FROM reporting_kpivalue v JOIN reporting_progressreport r ON r.id = v.report_id
WHERE r.is_current AND r.period_end <= %s
GROUP BY v.kpi_id
"""


def time_floor() -> float:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as c:
        c.execute(FLOOR_SQL, [AS_OF])
        rows = c.fetchall()
    elapsed = time.perf_counter() - start
    assert rows
    return elapsed


RULES_TIME = [0.0]


def _time_rules() -> None:
    """Count the time spent inside the pure rules (status/rules/), to tell it from the engine's."""
    from status import rules

    for name in ("assess_kpi", "assess_budget", "program_status", "rollup_nodes"):
        original = getattr(rules, name)

        def timed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                RULES_TIME[0] += time.perf_counter() - start

        setattr(rules, name, timed)


CPU_TIME = [0.0, 0.0]  # this process, the processes it forked (status.engine.parallel)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def settle() -> None:
    """Let the previous step's writes settle before the next timing: ANALYZE the status tables
    (autovacuum, which would, is off on this machine's PostgreSQL) and CHECKPOINT (so the
    previous step's dirty pages are not written out during the next timing)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ANALYZE status_kpistatus, status_programstatus, status_nodestatus")
        c.execute("CHECKPOINT")


def time_recompute(as_of: date = AS_OF) -> tuple[float, Any, float]:
    from status.services import status_recompute_all

    settle()
    RULES_TIME[0] = 0.0
    cpu, children = time.process_time(), _children_cpu()
    start = time.perf_counter()
    summary = status_recompute_all(as_of=as_of)
    elapsed = time.perf_counter() - start
    CPU_TIME[:] = [time.process_time() - cpu, _children_cpu() - children]
    return elapsed, summary, RULES_TIME[0]


def correct_one_value(seed: int) -> None:
    """A correction of one approved value (as an approval of a corrected report would make)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "UPDATE reporting_kpivalue SET value = value + 1 "
            "WHERE id = (SELECT min(id) + %s FROM reporting_kpivalue)",
            [seed],
        )


def clear_results() -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("TRUNCATE status_kpistatus, status_programstatus, status_nodestatus")
        c.execute("VACUUM ANALYZE status_kpistatus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=1, help="best of R timings")
    parser.add_argument(
        "--years",
        type=int,
        choices=range(1, len(FISCAL_YEARS) + 1),
        default=len(FISCAL_YEARS),
        help="fiscal years loaded, each funding every programme (default 2: 2026 and 2025)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    _setup_django()
    _time_rules()
    from django.conf import settings

    print(
        f"Database {BENCH_URL}; as of {AS_OF}; the rules in up to "
        f"{settings.STATUS_RECOMPUTE_PROCESSES} processes (STATUS_RECOMPUTE_PROCESSES)"
    )
    results: list[tuple[int, float, float, float, float, float]] = []
    for n in sizes:
        t0 = time.perf_counter()
        info = generate(n, years=args.years)
        print(
            f"\n{n:,} programmes: {info['kpis']:,} KPIs, {info['values']:,} approved values, "
            f"{info['nodes']:,} nodes in {args.years} fiscal year(s) "
            f"(generated in {time.perf_counter() - t0:.1f} s)"
        )
        settle()  # the generated data written out and analyzed, as before each timing
        time_floor()  # warm the cache
        floor = min(time_floor() for _ in range(max(NIGHTS, args.repeat)))  # best of 3 too
        colds, nightlies, warms, busies = [], [], [], []
        summary: Any = None
        nightly_summary: Any = None
        for _ in range(max(1, args.repeat)):
            for _ in range(NIGHTS):  # best of three too, each from an empty store
                clear_results()
                cold, summary, in_rules = time_recompute(AS_OF - timedelta(days=1))
                colds.append((cold, in_rules, *CPU_TIME))
            # Three nights in a row, each a new date whose donor is the night before (the inputs
            # are unchanged and no period comes due between them).
            for night in range(NIGHTS):
                nightly, nightly_summary, _ = time_recompute(AS_OF + timedelta(days=night))
                assert nightly_summary.written == summary.written, "the new date is incomplete"
                nightlies.append(nightly)
            for _ in range(NIGHTS):
                warm, warm_summary, _ = time_recompute(AS_OF + timedelta(days=NIGHTS - 1))
                assert warm_summary.written == 0, "a second recompute wrote rows"
                warms.append(warm)
            # Three more nights, each after a day in which one approved value was corrected: that
            # programme's fingerprint differs and it is assessed alone; the others are copied.
            for night in range(NIGHTS, 2 * NIGHTS):
                correct_one_value(night)
                busy, busy_summary, _ = time_recompute(AS_OF + timedelta(days=night))
                assert busy_summary.programs_reused == info["programs"] - 1, busy_summary
                busies.append(busy)
        cold, in_rules, cold_cpu, cold_children = min(colds)
        nightly = min(nightlies)
        warm = min(warms)
        busy = min(busies)
        print(f"  floor (SQL aggregate)      {floor:8.3f} s")
        print(
            f"  first recompute (empty)    {cold:8.3f} s  = {cold / floor:6.1f} x floor"
            f"  ({summary.written:,} rows computed and written; best of {len(colds)}: "
            f"{', '.join(f'{c[0]:.2f}' for c in colds)} s)"
        )
        print(
            f"    in status/rules, this process alone {in_rules:8.3f} s "
            f"({'every KPI' if not cold_children else 'the KPIs it assessed itself'})"
        )
        print(
            f"    CPU time of this process {cold_cpu:8.3f} s, of the processes it forked "
            f"{cold_children:.3f} s (load average {os.getloadavg()[0]:.1f}, "
            f"{os.cpu_count()} CPUs)"
        )
        reused = nightly_summary.kpis_reused + nightly_summary.programs_reused
        print(
            f"  nightly, new date          {nightly:8.3f} s  = {nightly / floor:6.1f} x floor"
            f"  ({nightly_summary.written:,} rows written, {reused:,} of them copied; best of "
            f"{len(nightlies)}: {', '.join(f'{t:.2f}' for t in nightlies)} s)"
        )
        print(
            f"  nightly, one value changed {busy:8.3f} s  = {busy / floor:6.1f} x floor"
            f"  (that programme assessed, the others copied; best of {len(busies)}: "
            f"{', '.join(f'{t:.2f}' for t in busies)} s)"
        )
        print(
            f"  warm, same date            {warm:8.3f} s  = {warm / floor:6.1f} x floor"
            f"  (0 rows written; best of {len(warms)})"
        )
        print(f"  programmes by status: {summary.program_status_counts}")
        results.append((n, floor, cold, nightly, warm, busy))
    if len(results) > 1:
        print("\nGrowth (largest / smallest):")
        (n0, f0, c0, g0, w0, b0), (n1, f1, c1, g1, w1, b1) = results[0], results[-1]
        print(
            f"  data x{n1 / n0:.0f}: floor x{f1 / f0:.1f}, first x{c1 / c0:.1f}, "
            f"nightly x{g1 / g0:.1f}, nightly after a change x{b1 / b0:.1f}, warm x{w1 / w0:.1f}"
        )
    n, floor, cold, nightly, warm, busy = results[-1]

    def verdict(seconds: float, times: int = 3) -> str:
        return f"{'met' if seconds <= times * floor else 'NOT met'} ({seconds / floor:.1f} x)"

    print(
        f"\nTargets at {n:,} programmes: nightly (new date) <= 3 x floor {verdict(nightly)}, "
        f"nightly after a change <= 3 x {verdict(busy)}, warm <= 3 x {verdict(warm)}, "
        f"first (nothing stored) <= 10 x {verdict(cold, 10)}"
    )
    if len(results) > 1:
        n0, _, c0, g0, w0, b0 = results[0]
        grow = n / n0

        def grew(seconds: float, base: float) -> str:
            return f"{'met' if seconds / base <= grow * 1.1 else 'NOT met'} (x{seconds / base:.1f})"

        print(
            f"Target: x{grow:.0f} data in <= x{grow * 1.1:.0f} time: nightly {grew(nightly, g0)}, "
            f"nightly after a change {grew(busy, b0)}, warm {grew(warm, w0)}, "
            f"first {grew(cold, c0)}"
        )


if __name__ == "__main__":
    main()
