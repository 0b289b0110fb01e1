"""Locust scenario of ``make load`` (loadtest/run_load.py starts it headless on loopback):
20 officers submitting reports through the API, 5 reviewers approving them, 20 directors reading
the boards and their own account page (signed in with the login form). The plan (users, tokens,
each officer's own open report slots) comes from loadtest/setup_data.py (LOAD_PLAN); every
acknowledged submission and approval is appended to LOAD_ACKS as a JSON line for the checks that
follow the run. The summary gives every request kind's p95 as a multiple of the p95 of the
account page, the minimal signed-in page (loadtest/ratios.py).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ratios import MINIMAL, Kind, ratios, verdict

with open(os.environ["LOAD_PLAN"], encoding="utf-8") as _plan:
    PLAN: dict[str, Any] = json.load(_plan)
ACKS_PATH = os.environ["LOAD_ACKS"]
_acks_lock = threading.Lock()
_counters = {name: itertools.count() for name in ("officer", "reviewer", "director")}
_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _ack(kind: str, **data: Any) -> None:
    with _acks_lock, open(ACKS_PATH, "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, **data}) + "\n")


def _next(role: str, people: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    i = next(_counters[role]) % len(people)
    return i, people[i]


# Think times of people at work (seconds between two actions of one user).
class Officer(HttpUser):
    fixed_count = len(PLAN["officers"])
    wait_time = between(2, 5)

    def on_start(self) -> None:
        _, self.person = _next("officer", PLAN["officers"])
        self.slots = list(self.person["slots"])
        random.shuffle(self.slots)
        self.client.headers["Authorization"] = f"Token {self.person['token']}"

    @task
    def submit_a_report(self) -> None:
        if not self.slots:
            self.client.get("/api/v1/reports/?status=submitted", name="officer: my reports")
            return
        slot = self.slots.pop()
        body = {
            "program": slot["program"],
            "period_end": slot["period_end"],
            "values": {"CUM": random.randint(0, 500), "LVL": random.randint(0, 100)},
            "executed_won": random.randint(0, 200_000_000),
            "narrative": "load test",
        }
        created = self.client.post(
            "/api/v1/reports/",
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            name="officer: create draft",
        )
        if created.status_code != 201:
            return
        report = created.json()
        submitted = self.client.post(
            f"/api/v1/reports/{report['id']}/submit/",
            json={},
            headers={"If-Match": created.headers["ETag"], "Idempotency-Key": uuid.uuid4().hex},
            name="officer: submit",
        )
        if submitted.status_code == 200:
            _ack(
                "submitted",
                id=report["id"],
                program=slot["program"],
                period_end=slot["period_end"],
                officer=self.person["username"],
            )


class Reviewer(HttpUser):
    fixed_count = len(PLAN["reviewers"])
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.index, self.person = _next("reviewer", PLAN["reviewers"])
        self.client.headers["Authorization"] = f"Token {self.person['token']}"

    @task
    def approve_submitted_reports(self) -> None:
        listed = self.client.get("/api/v1/reports/?status=submitted", name="reviewer: queue")
        if listed.status_code != 200:
            return
        # Each reviewer takes its own share of the queue (no two approve the same report).
        mine = [
            r for r in listed.json()["results"] if r["id"] % len(PLAN["reviewers"]) == self.index
        ]
        for report in mine[:5]:
            approved = self.client.post(
                f"/api/v1/reports/{report['id']}/approve/",
                json={},
                headers={
                    "If-Match": f'"{report["version"]}"',
                    "Idempotency-Key": uuid.uuid4().hex,
                },
                name="reviewer: approve",
            )
            if approved.status_code == 200:
                _ack("approved", id=report["id"], program=report["program"])


class Director(HttpUser):
    fixed_count = len(PLAN["directors"])
    wait_time = between(2, 6)

    def on_start(self) -> None:
        _, self.person = _next("director", PLAN["directors"])
        page = self.client.get("/accounts/login/", name="director: login form")
        match = _CSRF_RE.search(page.text)
        token = match.group(1) if match else ""
        self.client.post(
            "/accounts/login/",
            data={
                "username": self.person["username"],
                "password": self.person["password"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="director: sign in",
        )

    @task(3)
    def board(self) -> None:
        with self.client.get("/", name="director: board", catch_response=True) as r:
            if r.status_code == 200 and "/accounts/login/" in r.url:
                r.failure("not signed in")

    @task(2)
    def programmes(self) -> None:
        page = random.randint(1, 20)
        self.client.get(f"/programs/?page={page}", name="director: programmes page")

    @task(1)
    def programmes_filtered(self) -> None:
        self.client.get("/programs/?status=off_track&ministry=MSIT", name="director: filtered")

    @task(2)
    def my_account(self) -> None:
        """The minimal signed-in page: every other kind's p95 is read against its p95."""
        with self.client.get("/accounts/me/", name=MINIMAL, catch_response=True) as r:
            if r.status_code == 200 and "/accounts/login/" in r.url:
                r.failure("not signed in")


@events.quitting.add_listener
def _summary(environment: Any, **kwargs: Any) -> None:
    stats = environment.stats
    total = stats.total
    print("\n== load summary ==")
    print(
        f"requests {total.num_requests:,}, failures {total.num_failures:,}, "
        f"throughput {total.total_rps:.1f} req/s"
    )
    entries = sorted(stats.entries.values(), key=lambda e: e.name)
    rows = ratios(
        [Kind(e.name, e.method or "", e.get_response_time_percentile(0.95) or 0.0) for e in entries]
    )
    print(
        f"{'name':34} {'reqs':>7} {'fail':>5} {'rps':>6} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'max':>7} {'p95 x':>6}"
    )
    for entry, row in [*zip(entries, rows, strict=True), (total, None)]:
        ratio = f"{row.ratio:6.2f}" if row and row.ratio is not None else f"{'':6}"
        mark = "" if row is None or row.page else " (not a page)"
        print(
            f"{entry.name[:34]:34} {entry.num_requests:7d} {entry.num_failures:5d} "
            f"{entry.total_rps:6.1f} {entry.get_response_time_percentile(0.5):6.0f} "
            f"{entry.get_response_time_percentile(0.95):6.0f} "
            f"{entry.get_response_time_percentile(0.99):6.0f} {entry.max_response_time or 0:7.0f}"
            f" {ratio}{mark}"
        )
    print(f"(times in ms; p95 x: the kind's p95 over the p95 of {MINIMAL!r})")
    print(verdict(rows))
    for error in stats.errors.values():
        print(f"error: {error.method} {error.name}: {error.error} x{error.occurrences}")
