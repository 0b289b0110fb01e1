"""Logins, failed logins, lockouts (django-axes) and logouts are recorded."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEntry
from tests.audit.conftest import entries
from tests.factories import UserFactory

DEFAULT_PASSWORD = "a-long-test-password-1"

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(ministry):
    user = UserFactory(username="kim", ministry=ministry)
    user.set_password(DEFAULT_PASSWORD)
    user.save()
    return user


def _login(client, username, password):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_REQUEST_ID="req-123",
    )


def test_login_and_logout_are_recorded(client, person):
    mark = AuditEntry.objects.count()
    response = _login(client, "kim", DEFAULT_PASSWORD)
    assert response.status_code == 302
    (login,) = entries(action="login")
    assert login.actor_id == person.pk
    assert login.actor_username == "kim"
    assert login.actor_ministry_id == person.ministry_id
    assert login.client_address == "10.1.2.3"
    assert login.request_id == "req-123"
    assert response["X-Request-ID"] == "req-123"
    assert not entries(action="update", seq__gt=mark), "last_login is not a change"

    client.post(reverse("logout"), REMOTE_ADDR="10.1.2.3")
    (logout,) = entries(action="logout")
    assert logout.actor_id == person.pk


def test_failed_login_is_recorded(client, person):
    response = _login(client, "kim", "wrong-password")
    assert response.status_code == 200
    (failed,) = entries(action="login_failed")
    assert failed.actor_id is None
    assert failed.actor_username == "kim"
    assert failed.extra["username"] == "kim"
    assert failed.client_address == "10.1.2.3"
    assert "wrong-password" not in str(failed.extra)


def test_axes_locks_out_after_the_failure_limit(client, person):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        _login(client, "kim", "wrong-password")
    response = _login(client, "kim", DEFAULT_PASSWORD)
    assert response.status_code == 429, "locked out even with the right password"
    assert "_auth_user_id" not in client.session
    assert entries(action="locked_out")
    assert len(entries(action="login_failed")) == limit + 1
    assert not entries(action="login")


def test_below_the_limit_the_right_password_still_works(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "kim", "wrong-password")
    assert _login(client, "kim", DEFAULT_PASSWORD).status_code == 302
    assert entries(action="login")


def test_client_address_behind_trusted_proxies(rf, settings):
    from audit.context import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7", "the client-supplied part is not trusted"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_address(request) == "10.0.0.1"
