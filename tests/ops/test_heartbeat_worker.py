"""Integration: the heartbeat published to the real Redis and run by a real Celery worker (in a
thread): both timestamps recorded, /healthz healthy."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from ops import heartbeat


def _reset_broker_pools(app):
    app._pool = None
    app.amqp._producer_pool = None
    app.control.mailbox.__dict__.pop("producer_pool", None)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_published_heartbeat_is_run_by_the_worker(client, redis_broker):
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager")}
    from tests.ops.conftest import TEST_REDIS

    celery_app.conf.update(broker_url=TEST_REDIS, task_always_eager=False)
    _reset_broker_pools(celery_app)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            celery_app.send_task(heartbeat.TASK_NAME)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                stamps = heartbeat.read(redis_broker)
                if stamps["ran"] is not None:
                    break
                time.sleep(0.1)
    finally:
        celery_app.conf.update(saved)
        _reset_broker_pools(celery_app)
    assert stamps["sent"] is not None, "the publisher did not record the send"
    assert stamps["ran"] is not None, "the worker did not run the heartbeat"
    assert stamps["sent"] <= stamps["ran"]
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
