"""What /healthz reports: the database, the broker, beat and the worker (ops/heartbeat.py).

Each check gives ``{"status": "ok" | "eager" | "fail" | "missing" | "stale", ...}``; the whole is
healthy when none is "fail", "missing" or "stale". Nothing sensitive: no URLs, hosts, users or
error texts beyond the exception's class name.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from django.conf import settings
from django.db import connection

from ops import heartbeat

HEALTHY = frozenset({"ok", "eager"})


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


def check_database() -> dict[str, Any]:
    start = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" here
        return {"status": "fail", "error": type(exc).__name__, "latency_ms": _ms(start)}
    return {"status": "ok", "latency_ms": _ms(start)}


def _age(stamp: float | None, now: float, max_age: float) -> dict[str, Any]:
    if stamp is None:
        return {"status": "missing", "age_seconds": None, "max_age_seconds": max_age}
    age = round(max(0.0, now - stamp), 1)
    return {
        "status": "ok" if age <= max_age else "stale",
        "age_seconds": age,
        "max_age_seconds": max_age,
    }


def check_broker_and_heartbeat() -> dict[str, dict[str, Any]]:
    if not heartbeat.broker_is_redis():
        eager = {"status": "eager"}
        return {"broker": dict(eager), "beat": dict(eager), "worker": dict(eager)}
    max_age = float(getattr(settings, "OPS_HEARTBEAT_MAX_AGE", 120))
    start = time.monotonic()
    client = heartbeat.redis_client()
    try:
        client.ping()
        stamps = heartbeat.read(client)
    except (redis.RedisError, OSError) as exc:
        failed = {"status": "fail", "error": type(exc).__name__}
        unknown = {"status": "fail", "error": "broker unreachable"}
        return {
            "broker": {**failed, "latency_ms": _ms(start)},
            "beat": dict(unknown),
            "worker": dict(unknown),
        }
    finally:
        client.close()
    now = time.time()
    return {
        "broker": {"status": "ok", "latency_ms": _ms(start)},
        "beat": _age(stamps["sent"], now, max_age),
        "worker": _age(stamps["ran"], now, max_age),
    }


def health() -> tuple[bool, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {"database": check_database()}
    checks.update(check_broker_and_heartbeat())
    healthy = all(c["status"] in HEALTHY for c in checks.values())
    return healthy, {"status": "ok" if healthy else "fail", "checks": checks}
