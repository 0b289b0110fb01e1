"""Production settings pass `check --deploy`; the admin is for administrators only."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory

BASE = Path(settings.BASE_DIR)


def _production_env() -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the whole session by the browser tests (Playwright's
    # sync API runs an event loop in the test thread); production never has it.
    overrides = (
        "DEBUG",
        "SECURE_",
        "SESSION_",
        "CSRF_",
        "LANGUAGE_COOKIE_",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(overrides)}
    env.update(
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        AUDIT_HMAC_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS="x",
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_password_validators_are_on():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("1234")
    with pytest.raises(ValidationError):
        validate_password("password")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OFFICER, Role.REVIEWER, Role.DIRECTOR, Role.AUDITOR, None])
def test_admin_refuses_staff_who_are_not_administrators(client, role):
    user = UserFactory(username=f"staff-{role}", role=role, is_staff=True)
    client.force_login(user)
    for url in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_admin_admits_administrators(client):
    admin = UserFactory(username="boss", role=Role.ADMINISTRATOR, is_staff=True)
    client.force_login(admin)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200


@pytest.mark.django_db
def test_admin_audit_trail_is_read_only(client, ministry):
    from audit.models import AuditEntry

    admin = UserFactory(username="boss", role=Role.ADMINISTRATOR, is_staff=True)
    client.force_login(admin)
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    change = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    response = client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk]},
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert response.status_code in (200, 302)


@pytest.mark.django_db
def test_security_headers_on_pages(client, users):
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
