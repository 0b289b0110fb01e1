"""The admin in Korean: translated app labels and plurals, targets as numbers, revision history
readable, and a way to add a revision from the revision list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from accounts.roles import Role
from kpis.services import kpi_revise_target
from tests.factories import KPIFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(settings) -> Client:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.cookies["django_language"] = "ko"
    client.force_login(
        UserFactory(username="admin", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    )
    return client


def test_app_labels_are_korean(admin_client: Client) -> None:
    html = admin_client.get("/admin/").content.decode()
    for label in ("사용자 및 역할", "로그인 시도", "성과지표 및 목표", "실적 보고"):
        assert label in html
    for raw in (">Accounts<", ">Axes<", ">Kpis<", "Access attempts"):
        assert raw not in html
    assert "사업 수" not in html


def test_targets_and_revisions_read_as_numbers(admin_client: Client) -> None:
    program = ProgramFactory(start=date(2026, 1, 1), end=date(2030, 12, 31))
    kpi = KPIFactory(program=program, target=Decimal(25), unit="persons")
    admin = UserFactory(username="admin2", role=Role.ADMINISTRATOR)
    kpi_revise_target(
        user=admin, kpi=kpi, effective_from="2026-07-01", target=30, reason="scope_change"
    )
    html = admin_client.get(f"/admin/kpis/kpi/{kpi.pk}/change/").content.decode()
    assert "25.0000" not in html and "30.0000" not in html

    listing = admin_client.get("/admin/kpis/targetrevision/").content.decode()
    assert "범위 변경" in listing  # the reason as a label, not "scope_change"
    assert ">scope_change<" not in listing
    assert "25 명" in listing and "30 명" in listing  # before/after as fields, not JSON
    assert '"target"' not in listing
    assert "/admin/kpis/kpi/" in listing  # where a revision is added
    assert "보기위한" not in listing
