"""/healthz on the real PostgreSQL and Redis."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from celery.signals import before_task_publish
from django.db import OperationalError
from django.test import Client

from ops import heartbeat
from ops.tasks import heartbeat_task

pytestmark = pytest.mark.django_db


def _get(client: Client):
    response = client.get("/healthz")
    return response, response.json()


def test_healthy_with_fresh_beat_and_worker_heartbeats(client, redis_broker):
    before_task_publish.send(sender=heartbeat.TASK_NAME, body=(), headers={})  # as beat does
    heartbeat_task()  # as the worker does
    response, body = _get(client)
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"]["status"] == "ok"
    assert checks["beat"]["status"] == "ok" and checks["beat"]["age_seconds"] < 5
    assert checks["worker"]["status"] == "ok" and checks["worker"]["age_seconds"] < 5
    assert response["Cache-Control"].startswith("max-age=0")


def test_no_login_and_nothing_sensitive(client, redis_broker, settings):
    heartbeat.record(heartbeat.SENT_KEY)
    heartbeat.record(heartbeat.RAN_KEY)
    response = client.get("/healthz")
    text = response.content.decode()
    assert response.status_code == 200
    for secret in ("redis://", "postgres", settings.SECRET_KEY, "127.0.0.1", "6379"):
        assert secret not in text


def test_missing_heartbeats_are_unhealthy(client, redis_broker):
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["broker"]["status"] == "ok"
    assert body["checks"]["beat"]["status"] == "missing"
    assert body["checks"]["worker"]["status"] == "missing"


def test_stale_worker_heartbeat_is_unhealthy(client, redis_broker, settings):
    settings.OPS_HEARTBEAT_MAX_AGE = 60
    heartbeat.record(heartbeat.SENT_KEY)
    heartbeat.record(heartbeat.RAN_KEY, at=time.time() - 600)
    response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["beat"]["status"] == "ok"
    assert body["checks"]["worker"] == {
        "status": "stale",
        "age_seconds": pytest.approx(600, abs=5),
        "max_age_seconds": 60,
    }


def test_unreachable_broker_is_503(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    started = time.monotonic()
    response, body = _get(client)
    assert time.monotonic() - started < 5  # short timeout, never hangs
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["broker"]["error"] == "ConnectionError"


def test_eager_mode_without_a_broker_is_healthy(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response, body = _get(client)
    assert response.status_code == 200
    assert {k: v["status"] for k, v in body["checks"].items()} == {
        "database": "ok",
        "broker": "eager",
        "beat": "eager",
        "worker": "eager",
    }


def test_database_down_is_503(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with mock.patch(
        "ops.health.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["database"] == {
        "status": "fail",
        "error": "OperationalError",
        "latency_ms": mock.ANY,
    }


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


def test_database_errors_anywhere_answer_503_not_500(settings):
    """handler500 (ops.views.server_error): an OperationalError escaping a view is a 503 with
    Retry-After; other errors stay 500."""
    client = Client(raise_request_exception=False)
    with mock.patch("ops.views.health", side_effect=OperationalError("server closed")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    with mock.patch("ops.views.health", side_effect=ValueError("bug")):
        response = client.get("/healthz")
    assert response.status_code == 500
    with mock.patch("ops.views.health", side_effect=OperationalError("server closed")):
        response = client.get("/healthz", HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and "detail" in response.json()


def test_heartbeat_without_broker_records_nothing(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with mock.patch("ops.heartbeat.record") as record:
        assert heartbeat_task() > 0
        before_task_publish.send(sender=heartbeat.TASK_NAME, body=(), headers={})
    record.assert_not_called()


def test_unknown_api_urls_answer_json_404(client):
    response = client.get("/api/v1/kpis/null,null/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"errors": [{"field": None, "message": "Not found."}]}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]
