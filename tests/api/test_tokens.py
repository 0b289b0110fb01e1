"""API tokens: stored hashed, shown once, expiring, revoked when the user's password changes or
the user is deactivated; creation and revocation are in the audit trail; nobody (not even an
administrator) can read a token back or mint one for someone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "pw-test-1234"


@pytest.fixture
def officer():
    return UserFactory(username="token-officer", role=Role.OFFICER)


def _obtain(username: str = "token-officer", password: str = PASSWORD):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")


def _get(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/programs/").status_code


def _all_text_in_database_tables() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name LIKE ANY (ARRAY['%token%', 'knox%'])"
        )
        tables = [r[0] for r in cursor.fetchall()]
        out = []
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            out.extend(str(row) for row in cursor.fetchall())
    return "\n".join(out)


def test_token_is_stored_hashed_and_shown_once(officer):
    response = _obtain()
    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    assert response.json()["expiry"]
    assert _get(token) == 200
    assert token not in _all_text_in_database_tables()
    again = _obtain().json()["token"]
    assert again != token  # a new token each time: the first one is never shown again
    assert _get(token) == 200 and _get(again) == 200


def test_token_expires(officer, settings):
    from knox.models import AuthToken

    token = _obtain().json()["token"]
    AuthToken.objects.filter(user=officer).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _get(token) == 401


def test_password_change_revokes_tokens(officer):
    token = _obtain().json()["token"]
    officer.set_password("another-password-2026")
    officer.save()
    assert _get(token) == 401


def test_deactivation_revokes_tokens(officer):
    token = _obtain().json()["token"]
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    officer.is_active = True
    officer.save(update_fields=["is_active"])
    assert _get(token) == 401


def test_other_changes_keep_the_token(officer):
    token = _obtain().json()["token"]
    officer.email = "new@example.go.kr"
    officer.save()
    assert _get(token) == 200


def test_creation_and_revocation_are_audited(officer):
    mark = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    token = _obtain().json()["token"]
    created = AuditEntry.objects.filter(seq__gt=mark, object_type="knox.authtoken")
    entry = created.get(action="create")
    assert entry.actor_username == "token-officer"
    assert token not in str(entry.after) + str(entry.extra) + entry.object_repr
    officer.set_password("another-password-2026")
    officer.save()
    revoked = AuditEntry.objects.filter(
        seq__gt=mark, object_type="knox.authtoken", action="delete"
    ).get()
    assert revoked.extra["reason"] == "password_changed"


def test_revoke_endpoint_revokes_the_token_used(officer):
    token = _obtain().json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post(f"{TOKEN_URL}revoke/").status_code == 204
    assert _get(token) == 401
    assert AuditEntry.objects.filter(object_type="knox.authtoken", action="delete").exists()


def test_admin_cannot_read_or_mint_tokens(client, officer):
    _obtain()
    admin = UserFactory(username="token-admin", role=Role.ADMINISTRATOR, is_staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert client.get("/admin/authtoken/token/").status_code == 404
    listing = client.get("/admin/knox/authtoken/")
    assert listing.status_code == 200
    assert client.get("/admin/knox/authtoken/add/").status_code == 403
