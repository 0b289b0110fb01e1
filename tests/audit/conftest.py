"""Shared fixtures for the audit tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from accounts.roles import Role
from audit.models import AuditEntry
from reporting.models import ProgressReport
from tests.factories import KPIFactory, MinistryFactory, ProgramFactory, UserFactory


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("seq"))


@pytest.fixture
def ministry(db):
    return MinistryFactory(code="MSIT")


@pytest.fixture
def program(ministry):
    return ProgramFactory(ministry=ministry)


@pytest.fixture
def kpi(program):
    return KPIFactory(program=program)


@pytest.fixture
def officer(ministry):
    return UserFactory(username="officer-msit", role=Role.OFFICER, ministry=ministry)


@pytest.fixture
def report(program, officer):
    return ProgressReport.objects.create(
        program=program,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        created_by=officer,
    )


@pytest.fixture
def users(ministry) -> dict[str, Any]:
    return {
        "officer": UserFactory(username="u-officer", role=Role.OFFICER, ministry=ministry),
        "reviewer": UserFactory(username="u-reviewer", role=Role.REVIEWER, ministry=ministry),
        "director": UserFactory(username="u-director", role=Role.DIRECTOR),
        "auditor": UserFactory(username="u-auditor", role=Role.AUDITOR),
        "admin": UserFactory(username="u-admin", role=Role.ADMINISTRATOR, is_staff=True),
    }


@pytest.fixture
def tamper():
    """Run raw SQL on the audit table past the append-only trigger (the replica role for the rest
    of this test's transaction, as only a superuser can)."""

    def run(sql: str, params: list[Any] | None = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params or [])
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    return run


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
