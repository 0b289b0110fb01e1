from __future__ import annotations

import os

import pytest
import redis

from ops import heartbeat

# The Redis of the test run (make test and the helpers pass CELERY_BROKER_URL); db 15 by default.
TEST_REDIS = os.environ.get("CELERY_BROKER_URL", "") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_broker(settings):
    """Settings pointing at the real Redis as a broker (not eager); the heartbeat keys are removed
    before and after."""
    client = redis.Redis.from_url(TEST_REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {TEST_REDIS}")
    settings.CELERY_BROKER_URL = TEST_REDIS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.delete(heartbeat.SENT_KEY, heartbeat.RAN_KEY)
    yield client
    client.delete(heartbeat.SENT_KEY, heartbeat.RAN_KEY)
    client.close()
