"""The heartbeat: beat schedules ``ops.heartbeat`` (config/settings.py, every
OPS_HEARTBEAT_INTERVAL seconds), the worker runs it. Two timestamps are kept in the broker's Redis:

* ``ops:heartbeat:sent``: written by the process that publishes the task (beat), through Celery's
  ``before_task_publish`` signal: its age is the age of the last beat run;
* ``ops:heartbeat:ran``: written by the task itself in the worker: its age is the age of the last
  worker heartbeat.

/healthz (ops/health.py) reads both. Without a broker (the in-process demo) nothing is kept and the
health check reports "eager".
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import redis
from django.conf import settings

TASK_NAME = "ops.heartbeat"
SENT_KEY = "ops:heartbeat:sent"
RAN_KEY = "ops:heartbeat:ran"
# Old enough to outlive any sensible max age, short enough to leave nothing behind.
KEY_TTL_SECONDS = 7 * 24 * 60 * 60
TIMEOUT_SECONDS = 1.0


def broker_is_redis() -> bool:
    url = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    return not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) and url.startswith(
        ("redis://", "rediss://", "unix://")
    )


def redis_client(*, timeout: float = TIMEOUT_SECONDS) -> redis.Redis:
    """A client on the broker's Redis with short timeouts (never hangs a request or a task)."""
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry_on_timeout=False,
    )


def record(key: str, *, at: float | None = None) -> None:
    client = redis_client()
    try:
        client.set(key, repr(time.time() if at is None else at), ex=KEY_TTL_SECONDS)
    finally:
        client.close()


def read(client: redis.Redis) -> dict[str, float | None]:
    sent, ran = client.mget([SENT_KEY, RAN_KEY])
    return {
        "sent": float(sent) if sent is not None else None,
        "ran": float(ran) if ran is not None else None,
    }


def _before_publish(sender: str | None = None, **kwargs: Any) -> None:
    if sender != TASK_NAME or not broker_is_redis():
        return
    # When Redis is down the publish itself fails and Celery reports it; nothing to add here.
    with contextlib.suppress(redis.RedisError):
        record(SENT_KEY)


def connect() -> None:
    from celery.signals import before_task_publish

    before_task_publish.connect(_before_publish, weak=False, dispatch_uid="ops:heartbeat_sent")
