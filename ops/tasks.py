"""Celery tasks of the operations app."""

from __future__ import annotations

import time

from celery import shared_task

from ops import heartbeat


@shared_task(name=heartbeat.TASK_NAME, ignore_result=True, acks_late=False)
def heartbeat_task() -> float:
    """Records that a worker is alive and consuming (see ops/heartbeat.py)."""
    now = time.time()
    if heartbeat.broker_is_redis():
        heartbeat.record(heartbeat.RAN_KEY, at=now)
    return now
