"""``make faults``: scripted fault runs against the production stack (gunicorn, a Celery worker,
beat; started here on loopback against a fresh database FAULTS_DATABASE_URL, default
tracker_faults, and Redis FAULTS_BROKER_URL, default db 7). Each run prints what it did and what it
found, ends with the services restored, and the script exits non-zero when anything was lost.

    python faults/run_faults.py [--dry-run] [baseline] worker redis postgres

- ``worker``: SIGKILL the worker's pool processes while ``status.recompute_all`` runs; with
  acks_late and reject_on_worker_lost the task is delivered again and finishes; the stored
  results have exactly one row per (object, day).
- ``redis``: ``redis-cli shutdown nosave`` while officers submit and reviewers approve through the
  API; submissions keep committing (approvals leave their programmes stale), /healthz says 503;
  Redis is restarted, the stale sweep (what beat runs every 10 minutes) is sent, and every
  approved programme is recomputed.
- ``postgres``: ``pg_ctlcluster ... main restart`` under the same API load; requests answer 503
  (never 500) while it is down, the application recovers without a restart, every acknowledged
  submission is stored exactly once.

``baseline`` runs the traffic and the checks with no fault (proves the harness; safe anywhere).
``redis`` and ``postgres`` stop services that everyone on the machine shares: run them only when
nobody else is using them. ``--dry-run`` prepares nothing and prints the steps and commands.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "loadtest"))
from stack import BIN, ROOT, VAR, Stack, healthz, prepare, recreate_database, stack_env

REDIS_STOP = ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"]
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def pg_restart_command() -> list[str]:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    version = versions[-1] if versions else "15"
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


# -- the environment ----------------------------------------------------------------------------


def make_env() -> dict[str, str]:
    return stack_env(
        database_url=os.environ.get("FAULTS_DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/tracker_faults",
        broker_url=os.environ.get("FAULTS_BROKER_URL") or "redis://127.0.0.1:6379/7",
        port=int(os.environ.get("FAULTS_PORT", "8070")),
        WEB_CONCURRENCY="3",
        GUNICORN_TIMEOUT="60",
        CELERY_CONCURRENCY="2",
        OPS_HEARTBEAT_INTERVAL="5",
        OPS_HEARTBEAT_MAX_AGE="30",
        CELERY_BEAT_SCHEDULE_FILE=str(VAR / "faults-celerybeat-schedule"),
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="60",  # persistent connections: the restart must be survived, not avoided
    )


def setup(env: dict[str, str], programs: int) -> dict[str, Any]:
    import redis

    recreate_database(env["DATABASE_URL"])
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    prepare(env, load_budget=False)
    plan = VAR / "faults" / "plan.json"
    plan.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(BIN / "python"),
            "loadtest/setup_data.py",
            "--plan",
            str(plan),
            "--programs",
            str(programs),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads(plan.read_text())


def django_setup(env: dict[str, str]) -> None:
    for key in ("DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL"):
        os.environ[key] = env[key]
    os.environ.update(DEBUG="0", LOG_LEVEL="ERROR", CONN_MAX_AGE="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- API traffic --------------------------------------------------------------------------------


class Traffic:
    """Officers submitting (create + submit) and one reviewer approving, through the API, in
    threads; every answer's status is counted, every acknowledged submission kept."""

    def __init__(self, base: str, plan: dict[str, Any], officers: int = 6) -> None:
        import requests

        self.base = base
        self.requests = requests
        self.plan = plan
        self.officers = plan["officers"][:officers]
        self.reviewer = plan["reviewers"][0]
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.submitted: list[dict[str, Any]] = []
        self.approved: list[int] = []
        self.threads: list[threading.Thread] = []

    def _call(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex}
        headers.update(kwargs.pop("headers", {}))
        try:
            r = self.requests.request(
                method, self.base + path, headers=headers, timeout=30, **kwargs
            )
        except self.requests.RequestException:
            with self.lock:
                self.statuses[0] += 1  # no answer at all
            return None
        with self.lock:
            self.statuses[r.status_code] += 1
        return r

    def _officer(self, person: dict[str, Any]) -> None:
        slots = list(person["slots"])
        while slots and not self.stop_event.is_set():
            slot = slots[0]
            body = {**slot, "values": {"CUM": 100, "LVL": 50}, "executed_won": 1000}
            created = self._call("POST", "/api/v1/reports/", person["token"], json=body)
            if created is None or created.status_code not in (201, 409):
                time.sleep(0.5)
                continue  # try the same slot again (503 while a service is down)
            if created.status_code == 409:
                # Created by an earlier attempt whose answer was lost: find and submit it.
                listed = self._call(
                    "GET",
                    f"/api/v1/reports/?program={slot['program']}&period_end={slot['period_end']}",
                    person["token"],
                )
                if listed is None or listed.status_code != 200 or not listed.json()["results"]:
                    time.sleep(0.5)
                    continue
                report = listed.json()["results"][0]
                etag = f'"{report["version"]}"'
                if report["status"] != "draft":
                    slots.pop(0)
                    self._ack(report["id"], slot)
                    continue
            else:
                report, etag = created.json(), created.headers["ETag"]
            submitted = self._call(
                "POST",
                f"/api/v1/reports/{report['id']}/submit/",
                person["token"],
                json={},
                headers={"If-Match": etag},
            )
            if submitted is not None and submitted.status_code == 200:
                slots.pop(0)
                self._ack(report["id"], slot)
            time.sleep(0.2)

    def _ack(self, report_id: int, slot: dict[str, Any]) -> None:
        with self.lock:
            self.submitted.append({"id": report_id, **slot})

    def _reviewer(self) -> None:
        token = self.reviewer["token"]
        while not self.stop_event.is_set():
            listed = self._call("GET", "/api/v1/reports/?status=submitted", token)
            if listed is None or listed.status_code != 200:
                time.sleep(0.5)
                continue
            for report in listed.json()["results"][:10]:
                r = self._call(
                    "POST",
                    f"/api/v1/reports/{report['id']}/approve/",
                    token,
                    json={},
                    headers={"If-Match": f'"{report["version"]}"'},
                )
                if r is not None and r.status_code == 200:
                    with self.lock:
                        self.approved.append(report["id"])
            time.sleep(0.5)

    def start(self) -> None:
        for person in self.officers:
            self.threads.append(threading.Thread(target=self._officer, args=(person,)))
        self.threads.append(threading.Thread(target=self._reviewer))
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=60)


def check_submissions(traffic: Traffic) -> list[str]:
    """Every acknowledged submission in the database exactly once; no 500."""
    from datetime import date

    from reporting.models import ProgressReport

    lost: list[str] = []
    ids = Counter(a["id"] for a in traffic.submitted)
    stored = ProgressReport.objects.in_bulk(list(ids))
    for a in traffic.submitted:
        if a["id"] not in stored:
            lost.append(f"acknowledged submission {a['id']} missing")
            continue
        n = ProgressReport.objects.filter(
            program__node__code=a["program"], period_end=date.fromisoformat(a["period_end"])
        ).count()
        if n != 1:
            lost.append(f"{a['program']} {a['period_end']}: {n} reports, expected 1")
    if traffic.statuses.get(500):
        lost.append(f"{traffic.statuses[500]} answers were 500 (expected 503 while down)")
    say(
        f"acknowledged submissions {len(ids)}, stored {len(stored)}; approvals "
        f"{len(traffic.approved)}; answers by status {dict(sorted(traffic.statuses.items()))}"
    )
    return lost


def wait_recomputed(approved_ids: list[int], timeout: float = 180) -> list[str]:
    from reporting.models import ProgressReport
    from status.models import ProgramState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and ProgramState.objects.filter(stale=True).exists():
        time.sleep(1)
    lost = []
    for r in ProgressReport.objects.filter(pk__in=approved_ids).select_related("program__node"):
        state = ProgramState.objects.filter(program=r.program).first()
        if (
            state is None
            or state.stale
            or not state.recomputed_at
            or (r.approved_at and state.recomputed_at < r.approved_at)
        ):
            lost.append(f"programme {r.program.node.code} not recomputed after its approval")
    say(f"approvals recomputed: {len(approved_ids) - len(lost)} of {len(approved_ids)}")
    return lost


def wait_health(port: int, want: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthz(port)[0] == want:
            return True
        time.sleep(1)
    return False


# -- the faults ---------------------------------------------------------------------------------


def worker_pool_pids(stack: Stack) -> list[int]:
    """The pool processes of the stack's Celery worker: Celery worker processes whose parent is
    itself a Celery worker process (the worker's main process, which honcho watches, is spared;
    the shell honcho starts it with is not counted as a worker)."""
    import psutil

    assert stack.proc is not None
    workers: dict[int, Any] = {}
    for proc in psutil.Process(stack.proc.pid).children(recursive=True):
        try:
            if proc.name() in ("sh", "bash", "dash"):
                continue
            cmd = " ".join(proc.cmdline())
            if "celery" in cmd and " worker" in cmd:
                workers[proc.pid] = proc
        except psutil.Error:
            continue
    return [pid for pid, proc in workers.items() if proc.ppid() in workers]


def fault_worker(stack: Stack, env: dict[str, str]) -> list[str]:
    from django.utils import timezone

    from config.celery import app
    from status.models import KPIStatus, NodeStatus, ProgramStatus, TaskRun

    say("FAULT worker: send status.recompute_all, SIGKILL the worker's pool while it runs")
    app.conf.update(broker_url=env["CELERY_BROKER_URL"], task_always_eager=False)
    lost: list[str] = []
    hit = False
    for attempt in range(1, 6):  # a quick recompute can finish before the kill lands: try again
        result = app.send_task("status.recompute_all")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if TaskRun.objects.filter(task_id=result.id, state="started").exists():
                break
            time.sleep(0.02)
        else:
            return ["recompute_all never started"]
        pids = worker_pool_pids(stack)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        say(f"attempt {attempt}: killed pool processes {pids} (SIGKILL) while {result.id} ran")
        if not pids:
            return ["found no worker pool process to kill"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if TaskRun.objects.filter(task_id=result.id, state="success").exists():
                break
            time.sleep(0.5)
        runs = list(TaskRun.objects.filter(task_id=result.id).order_by("started_at"))
        say("runs: " + ", ".join(f"{r.state} at {r.started_at:%H:%M:%S.%f}" for r in runs))
        if not any(r.state == "success" for r in runs):
            lost.append("the killed recompute was not run again to success")
            break
        if len(runs) >= 2:
            hit = True
            say("the killed run was delivered again and succeeded")
            break
        say("the run had finished before the kill landed; again")
    if not hit and not lost:
        lost.append("in 5 attempts the kill never landed during a run")
    today = timezone.localdate()
    for model, field in ((ProgramStatus, "program"), (KPIStatus, "kpi"), (NodeStatus, "node")):
        dupes = Counter(
            model.objects.filter(as_of=today).values_list(f"{field}_id", flat=True)
        ).most_common(1)
        count = model.objects.filter(as_of=today).count()
        most = dupes[0][1] if dupes else 0
        say(f"{model.__name__} rows for {today}: {count}, most per object: {most}")
        if dupes and dupes[0][1] > 1:
            lost.append(f"{model.__name__}: duplicates for {today}")
        if not count:
            lost.append(f"{model.__name__}: nothing stored for {today}")
    return lost


def fault_redis(stack: Stack, plan: dict[str, Any], env: dict[str, str]) -> list[str]:
    from config.celery import app

    say("FAULT redis: API traffic; redis-cli shutdown nosave; 20 s; restart")
    traffic = Traffic(f"http://127.0.0.1:{stack.port}", plan)
    traffic.start()
    time.sleep(10)
    before = len(traffic.submitted)
    lost: list[str] = []
    try:
        say("$ " + " ".join(REDIS_STOP))
        subprocess.run(REDIS_STOP, check=False)
        time.sleep(3)
        status = healthz(stack.port)[0]
        say(f"/healthz while Redis is down: {status}")
        if status != 503:
            lost.append(f"/healthz answered {status} with Redis down (expected 503)")
        time.sleep(17)
        during = len(traffic.submitted) - before
        say(f"submissions acknowledged while Redis was down: {during}")
        if during == 0:
            lost.append("no submission committed while Redis was down")
    finally:
        say("$ " + " ".join(REDIS_START))
        subprocess.run(REDIS_START, check=False)
    if not wait_health(stack.port, 200, 120):
        lost.append("/healthz not 200 within 120 s of Redis's return")
    time.sleep(5)
    traffic.stop()
    say("send status.sweep_stale (beat sends it every 10 minutes)")
    app.conf.update(broker_url=env["CELERY_BROKER_URL"], task_always_eager=False)
    app.send_task("status.sweep_stale")
    lost += check_submissions(traffic)
    lost += wait_recomputed(traffic.approved)
    return lost


def fault_postgres(stack: Stack, plan: dict[str, Any], env: dict[str, str]) -> list[str]:
    from django.db import connection

    from config.celery import app

    say("FAULT postgres: API traffic; pg_ctlcluster restart; the app must recover alone")
    traffic = Traffic(f"http://127.0.0.1:{stack.port}", plan)
    traffic.start()
    time.sleep(10)
    lost: list[str] = []
    connection.close()
    cmd = pg_restart_command()
    say("$ " + " ".join(cmd))
    subprocess.run(cmd, check=False)
    if not wait_health(stack.port, 200, 120):
        lost.append("/healthz not 200 within 120 s of the restart (no recovery without restart)")
    else:
        say("/healthz 200 again (the stack was not restarted)")
    time.sleep(10)
    traffic.stop()
    connection.close()
    # A recompute whose run could not even be recorded while the database was down is not
    # retried: its programme stays stale for the sweep (beat sends it every 10 minutes).
    say("send status.sweep_stale (beat sends it every 10 minutes)")
    app.conf.update(broker_url=env["CELERY_BROKER_URL"], task_always_eager=False)
    app.send_task("status.sweep_stale")
    lost += check_submissions(traffic)
    lost += wait_recomputed(traffic.approved)
    return lost


def fault_baseline(stack: Stack, plan: dict[str, Any], env: dict[str, str]) -> list[str]:
    """The same traffic and checks with no fault: proves the harness itself (safe to run)."""
    say("BASELINE: API traffic for 20 s, no fault")
    traffic = Traffic(f"http://127.0.0.1:{stack.port}", plan)
    traffic.start()
    time.sleep(20)
    traffic.stop()
    lost = check_submissions(traffic)
    lost += wait_recomputed(traffic.approved)
    if not traffic.submitted or not traffic.approved:
        lost.append("the traffic acknowledged nothing")
    return lost


def dry_run(faults: list[str]) -> None:
    env = make_env()
    print(
        f"would recreate {env['DATABASE_URL'].rsplit('/', 1)[1]}, flush {env['CELERY_BROKER_URL']}"
    )
    print("would start the stack: honcho start -f Procfile (web, worker, beat) on", env["PORT"])
    for fault in faults:
        if fault == "worker":
            print("worker: send status.recompute_all; wait for its TaskRun 'started'; SIGKILL the")
            print("        worker's pool processes; wait for a 'success' run of the same task id;")
            print("        check one ProgramStatus/KPIStatus/NodeStatus row per object for today")
        if fault == "redis":
            print("redis: API traffic (6 officers, 1 reviewer);", " ".join(REDIS_STOP))
            print("       expect /healthz 503 and submissions still acknowledged; after 20 s:")
            print("      ", " ".join(REDIS_START))
            print("       expect /healthz 200; send status.sweep_stale; check every acknowledged")
            print("       submission stored once and every approval recomputed")
        if fault == "postgres":
            print("postgres: API traffic;", " ".join(pg_restart_command()))
            print("          expect 503 (never 500) while down, /healthz 200 again without a")
            print("          stack restart, every acknowledged submission stored once")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("faults", nargs="*", default=["worker", "redis", "postgres"])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument(
        "--programs", type=int, default=int(os.environ.get("FAULTS_PROGRAMS", "3000"))
    )
    args = parser.parse_args()
    unknown = set(args.faults) - {"baseline", "worker", "redis", "postgres"}
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    if args.dry_run:
        dry_run(args.faults)
        return 0
    env = make_env()
    say(f"preparing {env['DATABASE_URL'].rsplit('/', 1)[1]} ({args.programs} programmes)")
    plan = setup(env, args.programs)
    django_setup(env)
    results: dict[str, list[str]] = {}
    with Stack(env, log=VAR / "faults" / "stack.log") as stack:
        for fault in args.faults:
            if fault == "baseline":
                results[fault] = fault_baseline(stack, plan, env)
            elif fault == "worker":
                results[fault] = fault_worker(stack, env)
            elif fault == "redis":
                results[fault] = fault_redis(stack, plan, env)
            else:
                results[fault] = fault_postgres(stack, plan, env)
            outcome = "; ".join(results[fault][:10])
            say(f"{fault}: {'OK' if not results[fault] else 'LOST: ' + outcome}")
    failed = {k: v for k, v in results.items() if v}
    print("\n== faults ==")
    for fault, lost in results.items():
        print(f"{fault:9} {'OK' if not lost else f'FAILED ({len(lost)})'}")
        for line in lost[:20]:
            print(f"          - {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
