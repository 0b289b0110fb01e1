"""Benchmark of the status board pages (``make bench-board``).

Generates, on PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tracker_bench_board; the database is created and migrated if
needed and its data is REPLACED when it does not hold the portfolio of the asked size), the board
portfolio of tests/boards/data.py at 10,000 programmes (20,000 KPIs, approved quarterly reports,
stored statuses computed by the status services), then times in-process with Django's test Client,
in the same run, signed in as a director:

- ``/`` (the board) against a minimal view that renders the same rows (the needs-attention lines
  and the pillar rows) from one query;
- a ``/programs/`` page (50 rows; first page and a page deep in the table, and a filtered,
  sorted page) against a minimal view that renders the same 50 rows from one query;

and prints the median server times (the page's and the minimal view's requests alternated) and the
ratios (target: at most 2), with the queries of a first and of a second visit.

Two fiscal years are loaded by default: 2026 (the year of the dates timed) and 2027, with the same
budget tree, each funding every programme; ``--years 1`` loads 2026 alone.

Usage: python benchmarks/bench_board.py [--programs 10000] [--repeat 15] [--years 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench_board"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DEBUG", "1")
os.environ["CELERY_BROKER_URL"] = ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a JSON line per timed request

PREFIX = "BB"
PER_PAGE = 50

urlpatterns: list[Any] = []  # filled in main(): this module is the benchmark's URLconf


def _ensure_database() -> None:
    import psycopg

    name = BENCH_URL.rsplit("/", 1)[1]
    admin_url = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup() -> None:
    import django

    _ensure_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _fund_next_year(year: int) -> None:
    """Load the fiscal year after ``year`` with the same budget tree, funding every programme
    again (one node per programme, as a second budget law would)."""
    from budget.models import BudgetNode, FiscalYear

    source = FiscalYear.objects.get(year=year)
    target = FiscalYear.objects.create(year=year + 1, title=f"Bench {year + 1}")
    new_ids: dict[int, int] = {}
    for depth in sorted(
        set(BudgetNode.objects.filter(fiscal_year=source).values_list("depth", flat=True))
    ):
        copies = []
        for node in BudgetNode.objects.filter(fiscal_year=source, depth=depth).order_by("id"):
            old_id, node.pk = node.pk, None
            node.fiscal_year = target
            node.parent_id = new_ids[node.parent_id] if node.parent_id else None
            copies.append((old_id, node))
        BudgetNode.objects.bulk_create([node for _, node in copies], batch_size=2000)
        new_ids.update((old_id, node.pk) for old_id, node in copies)


def _populate(n: int, years: int) -> None:
    from django.db import connection

    from budget.models import FiscalYear
    from programs.models import Program
    from status.models import ProgramStatus
    from status.services import status_recompute_all
    from tests.boards.data import AS_OF, build_board_data

    have = Program.objects.filter(code__startswith=PREFIX).count()
    stored = ProgramStatus.objects.filter(as_of=AS_OF).count()
    if have == n and stored == n and FiscalYear.objects.count() == years:
        print(f"portfolio of {n:,} programmes in {years} fiscal year(s) already in place")
        return
    print(f"generating {n:,} programmes, funded in {years} fiscal year(s) ...", flush=True)
    started = time.perf_counter()
    tables = [
        "status_kpistatus",
        "status_programstatus",
        "status_nodestatus",
        "status_programstate",
        "reporting_reporttransition",
        "reporting_kpivalue",
        "reporting_evidencefile",
        "reporting_progressreport",
        "kpis_targetrevision",
        "kpis_milestone",
        "kpis_kpi",
        "programs_program",
        "budget_budgetconflict",
        "budget_budgetnode",
        "budget_fiscalyear",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        # The director who reads the pages is kept (it holds a role); the data officer goes.
        cursor.execute("DELETE FROM accounts_user WHERE username = 'bb-data-officer'")
    data = build_board_data(n, recompute=False, prefix=PREFIX)
    for year in range(data.year.year, data.year.year + years - 1):
        _fund_next_year(year)
    print(f"  data written in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    status_recompute_all(as_of=AS_OF)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  statuses computed in {time.perf_counter() - started:.1f} s", flush=True)


# --------------------------------------------------------------------------------------------
# Minimal views: the same rows, one query each, a plain template


MINIMAL_BOARD = """<html><body><h1>Board</h1><table>
{% for r in nodes %}<tr><td>{{ r.node.code }}</td><td>{{ r.status }}</td>
<td>{{ r.amount }}</td></tr>{% endfor %}</table><ol>
{% for r in rows %}<li>{{ r.program.code }} {{ r.program.name }}
{{ r.program.ministry.code }} {{ r.amount }} {{ r.status }}</li>{% endfor %}</ol></body></html>"""

MINIMAL_TABLE = """<html><body><table>
{% for r in rows %}<tr><td>{{ r.program.code }}</td><td>{{ r.program.name }}</td>
<td>{{ r.program.ministry.code }}</td><td>{{ r.status }}</td><td>{{ r.amount }}</td>
<td>{{ r.execution_rate }}</td><td>{{ r.budget_status }}</td></tr>{% endfor %}
</table></body></html>"""


def minimal_board(request: Any) -> Any:
    """The needs-attention rows (first 20, money first) and the pillar rows: one query."""
    from django.db.models import Q
    from django.http import HttpResponse
    from django.template import Context, Template

    from budget.formatting import format_won
    from status.models import KPIStatus, NodeStatus, ProgramStatus
    from tests.boards.data import AS_OF

    flags = KPIStatus.objects.filter(as_of=AS_OF)
    rows = list(
        ProgramStatus.objects.filter(as_of=AS_OF)
        .filter(
            Q(status__in=["off_track", "at_risk", "no_data"])
            | Q(program_id__in=flags.filter(overdue=True).values("kpi__program_id"))
            | Q(program_id__in=flags.filter(forecast_miss=True).values("kpi__program_id"))
        )
        .select_related("program", "node", "program__ministry")
        .order_by("-allocated_won")[:20]
    )
    for r in rows:
        r.amount = format_won(r.allocated_won or 0, "en")  # type: ignore[attr-defined]
    nodes = [
        n for n in NodeStatus.objects.filter(as_of=AS_OF, node__depth__lte=1).select_related("node")
    ]
    for n in nodes:
        n.amount = format_won(n.node.amount_won, "en")  # type: ignore[attr-defined]
    html = Template(MINIMAL_BOARD).render(Context({"rows": rows, "nodes": nodes}))
    return HttpResponse(html)


def minimal_table(request: Any) -> Any:
    """The same 50 rows as the programmes page asked for: one query."""
    from django.http import HttpResponse
    from django.template import Context, Template

    from budget.formatting import format_won
    from status.models import ProgramStatus
    from tests.boards.data import AS_OF

    page = int(request.GET.get("page", 1))
    # The rows of the year read, as the page reads them (an inner join: the node path index).
    qs = ProgramStatus.objects.filter(as_of=AS_OF, node__fiscal_year__year=AS_OF.year)
    qs = qs.select_related("program", "node", "program__ministry")
    if request.GET.get("status"):
        qs = qs.filter(status=request.GET["status"])
    order = request.GET.get("sort")
    qs = qs.order_by(order or "node__path")
    rows = list(qs[(page - 1) * PER_PAGE : page * PER_PAGE])
    for r in rows:
        r.amount = format_won(r.allocated_won or 0, "en")  # type: ignore[attr-defined]
    return HttpResponse(Template(MINIMAL_TABLE).render(Context({"rows": rows})))


def _time_pair(client: Any, url: str, minimal: str, repeat: int) -> tuple[float, float]:
    """Median server times of ``url`` and of ``minimal``, their requests alternated so that both
    meet the same machine (a shared machine's speed drifts over a run)."""
    for each in (url, minimal):
        response = client.get(each)  # warm-up (and a check)
        assert response.status_code == 200, (each, response.status_code)
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for each, times in zip((url, minimal), samples, strict=True):
            started = time.perf_counter()
            client.get(each)
            times.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--years",
        type=int,
        choices=(1, 2),
        default=2,
        help="fiscal years loaded, each funding every programme (default 2: 2026 and 2027)",
    )
    args = parser.parse_args()

    _setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import clear_url_caches, include, path

    from accounts.roles import Role
    from tests.boards.data import AS_OF
    from tests.factories import user_with_role

    _populate(args.programs, args.years)

    urlpatterns[:] = [
        path("bench/minimal-board/", minimal_board),
        path("bench/minimal-table/", minimal_table),
        path("", include("config.urls")),
    ]
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    clear_url_caches()
    setup_test_environment()
    sys.modules.setdefault(__name__, sys.modules["__main__"])

    from accounts.models import User

    director = User.objects.filter(username="bench-director").first() or user_with_role(
        Role.DIRECTOR, username="bench-director"
    )
    client = Client()
    client.force_login(director)

    q = f"as_of={AS_OF.isoformat()}"
    last_page = max(1, args.programs // PER_PAGE - 1)
    pairs = [
        ("/ (board)", f"/?{q}", "/bench/minimal-board/"),
        ("/programs/ page 1", f"/programs/?{q}", "/bench/minimal-table/"),
        (
            f"/programs/ page {last_page}",
            f"/programs/?{q}&page={last_page}",
            f"/bench/minimal-table/?page={last_page}",
        ),
        (
            "/programs/ off track, by budget",
            f"/programs/?{q}&status=off_track&sort=-allocated_won",
            "/bench/minimal-table/?status=off_track&sort=-allocated_won",
        ),
    ]
    print(
        f"\n{args.programs:,} programmes in {args.years} fiscal year(s), median of {args.repeat} "
        "runs (server time, in-process)"
    )
    print(f"{'page':36} {'queries':>7} {'page ms':>9} {'minimal ms':>11} {'ratio':>6}")
    worst = 0.0
    for label, url, minimal in pairs:
        visits: list[int] = []
        for _visit in range(2):  # queries of a first visit / of the next one
            counted: list[str] = []

            def count(execute: Any, sql: str, *rest: Any, _seen: list[str] = counted) -> Any:
                _seen.append(sql)
                return execute(sql, *rest)

            with connection.execute_wrapper(count):
                client.get(url)
            visits.append(len(counted))
        queries = "/".join(str(n) for n in visits)
        page_s, minimal_s = _time_pair(client, url, minimal, args.repeat)
        ratio = page_s / minimal_s
        worst = max(worst, ratio)
        print(
            f"{label:36} {queries:>7} {page_s * 1000:>9.1f} {minimal_s * 1000:>11.1f} {ratio:>6.2f}"
        )
    print(f"\nworst ratio {worst:.2f} (target: at most 2.00)")
    return 0 if worst <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
