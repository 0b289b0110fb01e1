"""Login throttling (django-axes): failures lock the username-and-address pair, not the address;
an address has its own, higher limit over every username; the API's token endpoint says that the
account is locked (429 with a message) instead of a bare 400."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-test-1234"
OFFICE = "10.20.30.40"
ELSEWHERE = "10.99.99.99"


@pytest.fixture
def people():
    return {
        "kim": UserFactory(username="kim", role=Role.OFFICER),
        "director": UserFactory(username="director", role=Role.DIRECTOR),
    }


def _login(client, username, password, address=OFFICE):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _token(username, password, address=OFFICE):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def _fail(client, username, times, address=OFFICE):
    for _ in range(times):
        assert _login(client, username, "wrong-password", address).status_code in (200, 429)


def test_failures_for_one_user_do_not_lock_the_address(client, people):
    _fail(client, "kim", django_settings.AXES_FAILURE_LIMIT)
    assert _login(client, "kim", PASSWORD).status_code == 429
    assert _login(client, "director", PASSWORD).status_code == 302
    assert _token("director", PASSWORD).status_code == 200


def test_the_pair_is_locked_not_the_user_everywhere(client, people):
    _fail(client, "kim", django_settings.AXES_FAILURE_LIMIT)
    assert _login(client, "kim", PASSWORD).status_code == 429
    assert _login(client, "kim", PASSWORD, address=ELSEWHERE).status_code == 302


def test_an_address_has_its_own_higher_limit(client, people, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 8
    assert settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS > settings.AXES_FAILURE_LIMIT
    for i in range(8):  # eight usernames, one failure each: no pair reaches its limit
        _login(client, f"guess-{i}", "wrong-password")
    assert _login(client, "director", PASSWORD).status_code == 429
    assert _login(client, "director", PASSWORD, address=ELSEWHERE).status_code == 302
    locked = _token("director", PASSWORD)
    assert locked.status_code == 429
    assert "address" in locked.json()["errors"][0]["message"]


def test_token_endpoint_says_the_account_is_locked(client, people):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        assert _token("kim", "wrong-password").status_code in (400, 429)
    response = _token("kim", PASSWORD)
    assert response.status_code == 429
    message = response.json()["errors"][0]["message"]
    assert "locked" in message and "minutes" in message
    assert response["Retry-After"]
    assert _token("director", PASSWORD).status_code == 200


def test_login_page_says_the_account_is_locked(client, people):
    _fail(client, "kim", django_settings.AXES_FAILURE_LIMIT)
    response = _login(client, "kim", PASSWORD)
    assert response.status_code == 429
    assert b"locked" in response.content
