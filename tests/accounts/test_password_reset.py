"""Password reset, as decided (docs/security.md): no self-service e-mail reset (no mail server is
part of a deployment); an administrator sets a new password in the admin, which is audited (the
value masked) and revokes the user's API tokens."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from api.services import api_token_create
from audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_there_is_no_self_service_reset(client):
    for path in ("/accounts/password_reset/", "/accounts/password/reset/"):
        assert client.get(path).status_code == 404


def test_administrator_resets_a_password_audited_and_tokens_revoked(client):
    officer = UserFactory(username="forgetful", role=Role.OFFICER)
    _row, token = api_token_create(user=officer)
    admin = UserFactory(username="reset-admin", role=Role.ADMINISTRATOR, is_staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    mark = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    new = "a-new-long-password-2026"
    response = client.post(
        f"/admin/accounts/user/{officer.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    officer.refresh_from_db()
    assert officer.check_password(new)
    change = AuditEntry.objects.get(
        seq__gt=mark, object_type="accounts.user", object_id=str(officer.pk), action="update"
    )
    assert change.actor_username == "reset-admin"
    assert new not in str(change.after) and "password" in (change.after or {})
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/programs/").status_code == 401
    assert AuditEntry.objects.filter(
        seq__gt=mark, object_type="knox.authtoken", action="delete"
    ).exists()
