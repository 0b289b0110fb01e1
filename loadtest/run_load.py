"""``make load``: the production stack (gunicorn, a Celery worker, beat; DEBUG=0) on loopback
against PostgreSQL and Redis, loaded by Locust (headless) with 20 officers submitting, 5 reviewers
approving and 20 directors reading the boards for LOAD_TIME (default 3m); prints throughput and
latency percentiles, then checks:

- no request failed;
- every acknowledged submission is in the database exactly once (its id, programme and period;
  no other report for that programme and period; no draft left behind);
- every approval's programme was recomputed after the approval (not stale, recomputed_at later
  than approved_at), once the worker has drained the queue.

The database (LOAD_DATABASE_URL, default tracker_load) is DROPPED and created afresh; the Redis
database of LOAD_BROKER_URL (default redis://127.0.0.1:6379/5) is flushed. Exits non-zero when a
check fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import BIN, ROOT, VAR, Stack, prepare, recreate_database, stack_env


def main() -> int:
    port = int(os.environ.get("LOAD_PORT", "8050"))
    run_time = os.environ.get("LOAD_TIME", "3m")
    env = stack_env(
        database_url=os.environ.get("LOAD_DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/tracker_load",
        broker_url=os.environ.get("LOAD_BROKER_URL") or "redis://127.0.0.1:6379/5",
        port=port,
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "4"),
        GUNICORN_TIMEOUT=os.environ.get("GUNICORN_TIMEOUT", "60"),
        CELERY_CONCURRENCY=os.environ.get("CELERY_CONCURRENCY", "2"),
        OPS_HEARTBEAT_INTERVAL="5",
        CELERY_BEAT_SCHEDULE_FILE=str(VAR / "load-celerybeat-schedule"),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    out = VAR / "load"
    out.mkdir(parents=True, exist_ok=True)
    plan, acks = out / "plan.json", out / "acks.jsonl"
    acks.unlink(missing_ok=True)

    print(f"== preparing {env['DATABASE_URL'].rsplit('/', 1)[1]} (recreated) ==", flush=True)
    recreate_database(env["DATABASE_URL"])
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    prepare(env, load_budget=False)
    subprocess.run(
        [
            str(BIN / "python"),
            "loadtest/setup_data.py",
            "--plan",
            str(plan),
            "--programs",
            os.environ.get("LOAD_PROGRAMS", "1500"),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )

    with Stack(env, log=out / "stack.log") as stack:
        print(f"== locust: 45 users for {run_time} on {stack.port} ==", flush=True)
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                "loadtest/locustfile.py",
                "--headless",
                "--users",
                "45",
                "--spawn-rate",
                "15",
                "--run-time",
                run_time,
                "--stop-timeout",
                "15",
                "--host",
                f"http://127.0.0.1:{stack.port}",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, "LOAD_PLAN": str(plan), "LOAD_ACKS": str(acks)},
        )
        failures = check(env, acks, locust_ok=locust.returncode == 0)
    print(f"stack log: {out / 'stack.log'}")
    if failures:
        print(f"\nLOAD CHECK FAILED ({len(failures)}):")
        for line in failures[:50]:
            print(f"  - {line}")
        return 1
    print("\nLOAD CHECK PASSED")
    return 0


def check(env: dict[str, str], acks_path: Path, *, locust_ok: bool) -> list[str]:
    os.environ.update(
        DATABASE_URL=env["DATABASE_URL"],
        DEBUG="0",
        SECRET_KEY=env["SECRET_KEY"],
        AUDIT_HMAC_KEY=env["AUDIT_HMAC_KEY"],
        LOG_LEVEL="ERROR",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from reporting.models import ProgressReport, ReportStatus
    from status.models import ProgramState, TaskRun

    failures: list[str] = []
    if not locust_ok:
        failures.append("locust reported failed requests (see the summary above)")
    lines = (
        [json.loads(x) for x in acks_path.read_text().splitlines()] if acks_path.exists() else []
    )
    submitted = [a for a in lines if a["kind"] == "submitted"]
    approved = [a for a in lines if a["kind"] == "approved"]
    print("\n== checks ==")
    print(f"acknowledged submissions {len(submitted):,}, approvals {len(approved):,}")
    if not submitted or not approved:
        failures.append("no submission or no approval was acknowledged: the load did nothing")

    # The worker drains the queue: wait for every approved programme to be recomputed.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and ProgramState.objects.filter(stale=True).exists():
        time.sleep(1)

    ids = Counter(a["id"] for a in submitted)
    failures += [f"submission {i} acknowledged {n} times" for i, n in ids.items() if n > 1]
    reports = ProgressReport.objects.in_bulk(list(ids))
    per_slot = Counter(
        ProgressReport.objects.filter(program__code__startswith="LD").values_list(
            "program__code", "period_end"
        )
    )
    # Q1 and Q2 approved reports were generated before the run: count only the acknowledged slots.
    for a in submitted:
        r = reports.get(a["id"])
        if r is None:
            failures.append(f"acknowledged submission {a['id']} is not in the database")
            continue
        if r.status not in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
            failures.append(f"report {r.pk} is {r.status}, acknowledged as submitted")
        from datetime import date

        slot = (a["program"], date.fromisoformat(a["period_end"]))
        if per_slot[slot] != 1:
            failures.append(f"{slot[0]} {slot[1]}: {per_slot[slot]} reports, expected exactly 1")
    drafts = ProgressReport.objects.filter(status=ReportStatus.DRAFT).count()
    if drafts:
        failures.append(f"{drafts} drafts left behind (created, never submitted)")

    approved_ids = [a["id"] for a in approved]
    stale = 0
    for r in ProgressReport.objects.filter(pk__in=approved_ids).select_related("program"):
        state = ProgramState.objects.filter(program=r.program).first()
        if r.status != ReportStatus.APPROVED:
            failures.append(f"report {r.pk} acknowledged as approved is {r.status}")
        elif (
            state is None
            or state.stale
            or not state.recomputed_at
            or (r.approved_at and state.recomputed_at < r.approved_at)
        ):
            stale += 1
            failures.append(f"programme {r.program.code}: not recomputed after approval")
    runs = TaskRun.objects.filter(task_name="status.recompute_program")
    print(
        f"in the database: {len(reports):,} of {len(ids):,} submissions; "
        f"{len(approved_ids) - stale:,} of {len(approved_ids):,} approvals recomputed; "
        f"recompute_program runs {runs.filter(state='success').count():,} succeeded, "
        f"{runs.exclude(state='success').count():,} other"
    )
    return failures


if __name__ == "__main__":
    sys.exit(main())
