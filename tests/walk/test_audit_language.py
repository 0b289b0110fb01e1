"""The audit trail in business language: names instead of database ids, translated labels and
status words, one time zone, and a report's whole history."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from accounts.roles import Role
from reporting.models import KPIValue
from tests.factories import KPIFactory, ProgramFactory, ProgressReportFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_reports_history_reads_in_korean(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    program = ProgramFactory(
        start=date(2026, 1, 1), end=date(2026, 12, 31), node__name_ko="컴퓨팅 인프라"
    )
    kpi = KPIFactory(program=program, unit="persons")
    report = ProgressReportFactory(
        program=program, period_start=date(2026, 1, 1), period_end=date(2026, 3, 31)
    )
    KPIValue.objects.create(report=report, kpi=kpi, value=Decimal("26.0000"))
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.cookies["django_language"] = "ko"
    client.force_login(UserFactory(username="aud", role=Role.AUDITOR))

    html = client.get(f"/audit/object/reporting.progressreport/{report.pk}/").content.decode()
    assert "reporting.progressreport" not in html.split("<main")[-1].split("href")[0]
    assert f"{program.code} 컴퓨팅 인프라" in html  # programme code and name
    assert "2026년 1월 1일 ~ 2026년 3월 31일" in html
    assert "is_current" not in html and "created_by" not in html
    assert "임시 저장" in html  # the status word, not "draft"
    assert str(kpi.code) in html and ">26<" in html  # the report's values are in its history
    text = re.sub(r"<[^>]+>", " ", html)
    assert "+00:00" not in text and not re.search(r"\dT\d", text)  # local times, not ISO UTC
