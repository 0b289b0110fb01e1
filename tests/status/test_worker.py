"""Integration: a real Celery worker (in a thread) on the real Redis (db 10 unless
STATUS_TEST_WORKER_BROKER says otherwise), not eager. Approving a report enqueues the recompute
after commit; the worker stores the status."""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app as celery_app
from reporting.services import report_approve, report_create_draft, report_submit
from status.models import ProgramState, ProgramStatus, TaskRun
from tests.status.portfolio import role_user

BROKER = os.environ.get("STATUS_TEST_WORKER_BROKER", "redis://127.0.0.1:6379/10")


def _reset_broker_pools(app):
    """Forget the connection pools so that the next publish uses the new broker_url."""
    app._pool = None
    app.amqp._producer_pool = None
    app.control.mailbox.__dict__.pop("producer_pool", None)


@pytest.fixture
def real_worker():
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {BROKER}")
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False)
    _reset_broker_pools(celery_app)
    celery_app.control.purge()
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
    ) as worker:
        yield worker
    celery_app.conf.update(saved)
    _reset_broker_pools(celery_app)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_approval_is_recomputed_by_a_real_worker(portfolio, real_worker):
    officer = role_user("officer-msit", "officer", portfolio.ministry)
    reviewer = role_user("reviewer", "reviewer", None)
    report = report_create_draft(
        user=officer,
        program=portfolio.a,
        period_end="2026-03-31",
        values={"A-CUM": 200, "A-LVL": 30},
        executed_won=200_000_000,
    )
    report_submit(user=officer, report=report)
    report_approve(user=reviewer, report=report)

    today = timezone.localdate()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not ProgramState.objects.filter(program=portfolio.a, stale=True).exists():
            break
        time.sleep(0.2)
    row = ProgramStatus.objects.get(program=portfolio.a, as_of=today)
    assert row.executed_won == 200_000_000
    assert not ProgramState.objects.get(program=portfolio.a).stale
    run = TaskRun.objects.get(task_name="status.recompute_program")
    assert run.state == "success" and run.args == [portfolio.a.id]
    assert run.task_id  # it came through the broker
