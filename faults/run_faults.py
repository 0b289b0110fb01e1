"""``make faults``: scripted fault runs against the production stack (gunicorn, a Celery worker,
beat; started here on loopback). The stack runs against a PRIVATE PostgreSQL cluster and a PRIVATE
Redis that this script creates for the run (faults/services.py: ``initdb`` into a temporary
directory, port 55432; ``redis-server`` on port 56379; the next free port if taken) and removes at
the end: the faults stop and restart only those, never the services other people on the machine
use (PostgreSQL 5432, Redis 6379). Each run prints what it did and what it found, ends with the
services restored, and the script exits non-zero when anything was lost.

    python faults/run_faults.py [--dry-run] [baseline] worker redis postgres

- ``worker``: SIGKILL the worker's pool processes while ``status.recompute_all`` runs; with
  acks_late and reject_on_worker_lost the task is delivered again and finishes; the stored
  results have exactly one row per (object, day).
- ``redis``: the private Redis is shut down (``shutdown nosave``) for 20 s while officers submit
  and reviewers approve through the API; submissions keep committing (approvals leave their
  programmes stale), /healthz says 503, the worker and beat keep running (or are restarted by
  supervisord, ops/supervisord.conf) and the stack stays up; Redis is started again, /healthz is
  200 again, the stale sweep (what beat runs every 10 minutes) is sent, and every approved
  programme is recomputed.
- ``postgres``: the private cluster is stopped (``pg_ctl stop -m fast``), kept down for
  ``FAULTS_PG_DOWN`` seconds (10) under the same API load, and started again; every answer while
  it is down is a 503 (JSON under /api/, the plain page for a signed-in page view, never a 500),
  the application recovers without a restart, and every acknowledged submission is stored
  exactly once.

``baseline`` runs the traffic and the checks with no fault (proves the harness). ``--dry-run``
prepares nothing and prints the steps and commands.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
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
from stack import (
    BIN,
    ROOT,
    SUPERVISORD,
    VAR,
    Stack,
    healthz,
    prepare,
    recreate_database,
    stack_env,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from services import PrivateServices

PG_DOWN = float(os.environ.get("FAULTS_PG_DOWN", "10"))
REDIS_DOWN = float(os.environ.get("FAULTS_REDIS_DOWN", "20"))


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


# -- the environment ----------------------------------------------------------------------------


def make_env(services: PrivateServices) -> dict[str, str]:
    return stack_env(
        database_url=services.database_url,
        broker_url=services.broker_url,
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
    for key in ("DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "AUDIT_HMAC_KEY"):
        os.environ[key] = env[key]
    os.environ.update(DEBUG="0", LOG_LEVEL="ERROR", CONN_MAX_AGE="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- API traffic --------------------------------------------------------------------------------


def readable(response: Any) -> str:
    """A response body to print: JSON without \\u escapes, text on one line."""
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return str(response.text).replace("\n", " ")


class Traffic:
    """Officers submitting (create + submit) and one reviewer approving, through the API, in
    threads; every answer's status is counted, every acknowledged submission kept."""

    def __init__(self, base: str, plan: dict[str, Any], *, first: int, officers: int = 6) -> None:
        import requests

        self.base = base
        self.requests = requests
        self.plan = plan
        # Each fault its own officers (plan: 20), so that every fault creates new reports.
        self.officers = plan["officers"][first : first + officers]
        self.reviewer = plan["reviewers"][0]
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.phase = "before"  # "down" while the fault lasts, then "after"
        self.by_phase: dict[str, Counter[int]] = {}
        self.server_errors: list[str] = []
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
            self._count(0)  # no answer at all
            return None
        self._count(r.status_code)
        if r.status_code >= 500:
            with self.lock:
                self.server_errors.append(
                    f"{method} {path.split('?')[0]}: {r.status_code} "
                    f"{r.headers.get('Content-Type', '')} {readable(r)[:120]!r}"
                )
        return r

    def _count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.by_phase.setdefault(self.phase, Counter())[status] += 1

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
    """Every acknowledged submission in the database exactly once, still submitted (or
    approved); no 5xx but 503."""
    from datetime import date

    from reporting.models import ProgressReport

    lost: list[str] = []
    ids = Counter(a["id"] for a in traffic.submitted)
    stored = ProgressReport.objects.in_bulk(list(ids))
    for a in traffic.submitted:
        if a["id"] not in stored:
            lost.append(f"acknowledged submission {a['id']} missing")
            continue
        if stored[a["id"]].status not in ("submitted", "approved"):
            lost.append(f"acknowledged submission {a['id']} is {stored[a['id']].status}")
        n = ProgressReport.objects.filter(
            program__code=a["program"], period_end=date.fromisoformat(a["period_end"])
        ).count()
        if n != 1:
            lost.append(f"{a['program']} {a['period_end']}: {n} reports, expected 1")
    unclean = {k: v for k, v in traffic.statuses.items() if k >= 500 and k != 503}
    if unclean:
        lost.append(f"answers {unclean} (only 503 is a clean failure)")
        lost += traffic.server_errors[:5]
    phases = "; ".join(
        f"{phase} {dict(sorted(c.items()))}" for phase, c in traffic.by_phase.items()
    )
    say(
        f"acknowledged submissions {len(ids)}, stored {len(stored)}; approvals "
        f"{len(traffic.approved)}; answers by status: {phases}"
    )
    samples = [e for e in traffic.server_errors if " 503 " in e][:2]
    for sample in samples:
        say(f"  a 503 answer: {sample}")
    return lost


def wait_recomputed(approved_ids: list[int], timeout: float = 180) -> list[str]:
    from reporting.models import ProgressReport
    from status.models import ProgramState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and ProgramState.objects.filter(stale=True).exists():
        time.sleep(1)
    lost = []
    for r in ProgressReport.objects.filter(pk__in=approved_ids).select_related("program"):
        state = ProgramState.objects.filter(program=r.program).first()
        if (
            state is None
            or state.stale
            or not state.recomputed_at
            or (r.approved_at and state.recomputed_at < r.approved_at)
        ):
            lost.append(f"programme {r.program.code} not recomputed after its approval")
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
    itself a Celery worker process (the worker's main process, supervisord's child, is spared)."""
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
    lost += kill_worker_main(stack)
    return lost


def supervised_worker(stack: Stack, name: str = "worker") -> tuple[int | None, list[int]]:
    """The worker's (or beat's) main process, the child of supervisord that runs
    ``celery ... worker`` (``beat``), and its children (the worker's pool)."""
    import psutil

    assert stack.proc is not None
    for proc in psutil.Process(stack.proc.pid).children():
        try:
            cmd = " ".join(proc.cmdline())
            if "celery" in cmd and f" {name} " in f"{cmd}":
                return proc.pid, [c.pid for c in proc.children()]
        except psutil.Error:
            continue
    return None, []


def kill_worker_main(stack: Stack) -> list[str]:
    """SIGKILL the worker's main process while it is idle: supervisord starts it again, alone
    (web and beat keep running); the stack stays up and the new worker runs the heartbeat."""
    import psutil

    say("then SIGKILL the worker's main process (idle): it must be started again, alone")
    restarts_before = len(supervise_restarts(stack))
    main, pool = supervised_worker(stack)
    if main is None:
        return ["found no worker process under supervisord"]
    killed_at = time.time()
    os.kill(main, signal.SIGKILL)
    say(f"killed the worker's main process {main} (SIGKILL); its pool was {pool}")
    deadline = time.monotonic() + 120
    new_main, age = None, None
    while time.monotonic() < deadline:
        new_main = supervised_worker(stack)[0]
        status, body = healthz(stack.port)
        if new_main not in (None, main) and status == 200:
            age = json.loads(body)["checks"]["worker"].get("age_seconds")
            if age is not None and age < time.time() - killed_at:
                break
        time.sleep(1)
    else:
        return [f"no new worker ran the heartbeat within 120 s of the kill (now {new_main})"]
    say(
        f"new worker main process {new_main}; /healthz 200 with a worker heartbeat {age:.1f} s "
        f"old, {time.time() - killed_at:.0f} s after the kill"
    )
    time.sleep(5)
    left = []
    for pid in pool:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                left.append(pid)
        except psutil.NoSuchProcess:
            pass
    say(f"pool processes of the killed worker still alive 5 s later: {left or 'none'}")
    lost = check_stack(stack, restarts_before)
    if len(supervise_restarts(stack)) <= restarts_before:
        lost.append("supervisord logged no restart of the worker")
    return lost


def supervise_restarts(stack: Stack) -> list[str]:
    """The processes supervisord saw exit unexpectedly (and so started again), in this stack's
    log: its lines ``exited: worker (terminated by SIGKILL; not expected)``."""
    try:
        text = stack.log_path.read_text(errors="replace")
    except OSError:
        return []
    return re.findall(r"exited: (\w+) \([^)]*; not expected\)", text)


def check_stack(stack: Stack, restarts_before: int) -> list[str]:
    """The stack (supervisord and its three processes) must still run."""
    restarts = supervise_restarts(stack)[restarts_before:]
    alive = stack.proc is not None and stack.proc.poll() is None
    say(
        f"stack still running without a restart by us: {alive}; process restarts by "
        f"supervisord during the fault: {dict(Counter(restarts)) or 'none'}"
    )
    return [] if alive else ["the stack exited (supervisord stopped web, worker and beat)"]


def send_sweep(env: dict[str, str]) -> None:
    from config.celery import app

    say("send status.sweep_stale (beat sends it every 10 minutes)")
    app.conf.update(broker_url=env["CELERY_BROKER_URL"], task_always_eager=False)
    app.send_task("status.sweep_stale")


def fault_redis(
    stack: Stack, plan: dict[str, Any], env: dict[str, str], services: PrivateServices
) -> list[str]:
    say(
        f"FAULT redis: API traffic; stop the private Redis (port {services.redis_port}) for "
        f"{REDIS_DOWN:.0f} s; start it again"
    )
    restarts_before = len(supervise_restarts(stack))
    celery_before = {name: supervised_worker(stack, name)[0] for name in ("worker", "beat")}
    traffic = Traffic(f"http://127.0.0.1:{stack.port}", plan, first=0)
    traffic.start()
    time.sleep(10)
    before = len(traffic.submitted)
    lost: list[str] = []
    try:
        say("$ " + shlex.join(services.redis_stop_command()))
        traffic.phase = "down"
        services.stop_redis()
        down_at = time.monotonic()
        time.sleep(3)
        status = healthz(stack.port)[0]
        say(f"/healthz while Redis is down: {status}")
        if status != 503:
            lost.append(f"/healthz answered {status} with Redis down (expected 503)")
        time.sleep(max(0.0, REDIS_DOWN - (time.monotonic() - down_at)))
        during = len(traffic.submitted) - before
        say(f"submissions acknowledged while Redis was down: {during}")
        if during == 0:
            lost.append("no submission committed while Redis was down")
    finally:
        say("$ " + shlex.join(services.redis_start_command()))
        services.start_redis()
        traffic.phase = "after"
    back = time.monotonic()
    if not wait_health(stack.port, 200, 120):
        lost.append("/healthz not 200 within 120 s of Redis's return")
    else:
        say(f"/healthz 200 again {time.monotonic() - back:.0f} s after Redis returned")
    time.sleep(5)
    traffic.stop()
    celery_after = {name: supervised_worker(stack, name)[0] for name in ("worker", "beat")}
    for name, pid in celery_before.items():
        kept = pid is not None and pid == celery_after[name]
        say(
            f"{name} main process before and after the outage: {pid}, {celery_after[name]} "
            f"({'the same process: it rode the outage out' if kept else 'RESTARTED'})"
        )
    lost += check_stack(stack, restarts_before)
    send_sweep(env)
    lost += check_submissions(traffic)
    lost += wait_recomputed(traffic.approved)
    return lost


def probe(session: Any, url: str, **kwargs: Any) -> tuple[int, str, str, str]:
    """(status, content type, Retry-After, the body's start) of one GET; 0 when no answer."""
    try:
        r = session.get(url, timeout=30, allow_redirects=False, **kwargs)
    except Exception as exc:  # any failure to answer is reported as such
        return 0, "", "", type(exc).__name__
    return (
        r.status_code,
        r.headers.get("Content-Type", ""),
        r.headers.get("Retry-After", ""),
        readable(r)[:80],
    )


def signed_in(base: str, person: dict[str, Any]) -> Any:
    """A browser-like session signed in with the login form."""
    import re

    import requests

    session = requests.Session()
    form = session.get(f"{base}/accounts/login/", timeout=30)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    session.post(
        f"{base}/accounts/login/",
        data={
            "username": person["username"],
            "password": person["password"],
            "csrfmiddlewaretoken": match.group(1) if match else "",
        },
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    )
    return session


def fault_postgres(
    stack: Stack, plan: dict[str, Any], env: dict[str, str], services: PrivateServices
) -> list[str]:
    import requests
    from django.db import connection

    say(
        f"FAULT postgres: API traffic; stop the private cluster (port {services.pg_port}), "
        f"{PG_DOWN:.0f} s down, start it again; the application must recover alone"
    )
    base = f"http://127.0.0.1:{stack.port}"
    restarts_before = len(supervise_restarts(stack))
    director = signed_in(base, plan["directors"][0])
    api = requests.Session()
    api.headers["Authorization"] = f"Token {plan['reviewers'][0]['token']}"
    lost: list[str] = []
    first = probe(director, f"{base}/")
    if first[0] != 200:
        lost.append(f"the signed-in board answered {first[0]} before the fault (expected 200)")
    traffic = Traffic(base, plan, first=6)
    traffic.start()
    time.sleep(10)
    connection.close()
    try:
        say("$ " + shlex.join(services.pg_stop_command()))
        traffic.phase = "down"
        services.stop_postgres()
        down_at = time.monotonic()
        time.sleep(1)
        checks = {
            "/healthz": (healthz(stack.port)[0], "application/json", "", ""),
            "board page (signed in)": probe(director, f"{base}/"),
            "GET /api/v1/reports/": probe(api, f"{base}/api/v1/reports/"),
        }
        for name, (status, ctype, retry, body) in checks.items():
            say(f"while down, {name}: {status} {ctype} Retry-After={retry or '-'} {body!r}")
            if status != 503:
                lost.append(f"{name} answered {status} with PostgreSQL down (expected 503)")
        if checks["GET /api/v1/reports/"][1] != "application/json":
            lost.append("the API's 503 is not JSON")
        time.sleep(max(0.0, PG_DOWN - (time.monotonic() - down_at)))
    finally:
        say("$ " + shlex.join(services.pg_start_command()))
        services.start_postgres()
        traffic.phase = "after"
    back = time.monotonic()
    if not wait_health(stack.port, 200, 120):
        lost.append("/healthz not 200 within 120 s of the restart (no recovery without restart)")
    else:
        say(
            f"/healthz 200 again {time.monotonic() - back:.0f} s after PostgreSQL returned "
            "(nothing of the stack was restarted)"
        )
    after = probe(director, f"{base}/")
    say(f"the signed-in board after the restart (same session): {after[0]}")
    if after[0] != 200:
        lost.append(f"the signed-in board answered {after[0]} after the restart")
    time.sleep(10)
    traffic.stop()
    connection.close()
    lost += check_stack(stack, restarts_before)
    # A recompute whose run could not even be recorded while the database was down is not
    # retried: its programme stays stale for the sweep (beat sends it every 10 minutes).
    send_sweep(env)
    lost += check_submissions(traffic)
    lost += wait_recomputed(traffic.approved)
    after_phase = traffic.by_phase.get("after", Counter())
    if not any(200 <= k < 300 for k in after_phase):
        lost.append("no API request succeeded after the restart")
    return lost


def fault_baseline(stack: Stack, plan: dict[str, Any], env: dict[str, str]) -> list[str]:
    """The same traffic and checks with no fault: proves the harness itself (safe to run)."""
    say("BASELINE: API traffic for 20 s, no fault")
    traffic = Traffic(f"http://127.0.0.1:{stack.port}", plan, first=12)
    traffic.start()
    time.sleep(20)
    traffic.stop()
    lost = check_submissions(traffic)
    lost += wait_recomputed(traffic.approved)
    if not traffic.submitted or not traffic.approved:
        lost.append("the traffic acknowledged nothing")
    return lost


def dry_run(faults: list[str]) -> None:
    services = PrivateServices()
    env = make_env(services)
    print("would create a private PostgreSQL cluster and Redis in a temporary directory:")
    print("  $", shlex.join(services.initdb_command()))
    print("  $", shlex.join(services.pg_start_command()))
    print("  $", shlex.join(services.redis_start_command()))
    print(f"would create {env['DATABASE_URL']}, use {env['CELERY_BROKER_URL']}")
    print("would start the stack:", shlex.join(SUPERVISORD), "(web, worker, beat) on", env["PORT"])
    for fault in faults:
        if fault == "worker":
            print("worker: send status.recompute_all; wait for its TaskRun 'started'; SIGKILL the")
            print("        worker's pool processes; wait for a 'success' run of the same task id;")
            print("        check one ProgramStatus/KPIStatus/NodeStatus row per object for today")
        if fault == "redis":
            print(
                "redis: API traffic (6 officers, 1 reviewer);",
                shlex.join(services.redis_stop_command()),
            )
            print(
                "       expect /healthz 503 and submissions still acknowledged; after "
                f"{REDIS_DOWN:.0f} s:"
            )
            print("      ", shlex.join(services.redis_start_command()))
            print("       expect /healthz 200, the stack still running; send status.sweep_stale;")
            print(
                "       check every acknowledged submission stored once, every approval recomputed"
            )
        if fault == "postgres":
            print("postgres: API traffic;", shlex.join(services.pg_stop_command()))
            print("          expect 503 (never 500) from /healthz, a signed-in page and the API;")
            print(f"          after {PG_DOWN:.0f} s:", shlex.join(services.pg_start_command()))
            print(
                "          expect /healthz 200 again without a stack restart, the page 200 in the"
            )
            print("          same session, every acknowledged submission stored once")
    print("would stop the stack, then both private services, and remove the temporary directory")


class Stopped(Exception):
    """SIGTERM or SIGHUP: unwind, so that the stack and the private services are stopped."""


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


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
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    started = time.monotonic()
    results: dict[str, list[str]] = {}
    log = VAR / "faults" / "stack.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    with PrivateServices() as services:
        say(
            f"private PostgreSQL on 127.0.0.1:{services.pg_port} and Redis on "
            f"127.0.0.1:{services.redis_port} (in {services.dir}); the shared ones are not touched"
        )
        env = make_env(services)
        say(f"preparing {env['DATABASE_URL']} ({args.programs} programmes)")
        plan = setup(env, args.programs)
        django_setup(env)
        with Stack(env, log=log) as stack:
            for fault in args.faults:
                if fault == "baseline":
                    results[fault] = fault_baseline(stack, plan, env)
                elif fault == "worker":
                    results[fault] = fault_worker(stack, env)
                elif fault == "redis":
                    results[fault] = fault_redis(stack, plan, env, services)
                else:
                    results[fault] = fault_postgres(stack, plan, env, services)
                outcome = "; ".join(results[fault][:10])
                say(f"{fault}: {'OK' if not results[fault] else 'LOST: ' + outcome}")
        from django.db import connections

        connections.close_all()
        say("stack stopped; stopping the private PostgreSQL and Redis, removing their directory")
    failed = {k: v for k, v in results.items() if v}
    print(f"\n== faults ({time.monotonic() - started:.0f} s) ==")
    for fault, lost in results.items():
        print(f"{fault:9} {'OK' if not lost else f'FAILED ({len(lost)})'}")
        for line in lost[:20]:
            print(f"          - {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
