"""An officer's first hour in a real browser, in English and Korean: sign in lands on the
reporting page, the upload page is one click away, a workbook written by LibreOffice Calc with a
percent-formatted cell previews as "80% → 80", confirming submits; the reviewer's queue shows the
values against expected, the evidence flag and the ministry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from accounts.roles import Role
from reporting.models import ProgressReport, ReportStatus
from tests.factories import KPIFactory, MinistryFactory, ProgramFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-1234"
FILES = Path(__file__).parent.parent / "reporting" / "files"


def _world() -> None:
    msit = MinistryFactory(code="MSIT", name="Ministry of Science and ICT", name_ko="과기정통부")
    nacc = ProgramFactory(
        ministry=msit,
        node__code="NACC",
        node__name="National AI computing centre",
        node__name_ko="국가 AI 컴퓨팅 센터",
        node__path="A/01",
        node__amount_won=1_000_000_000_000,
        start=date(2025, 10, 1),
    )
    KPIFactory(program=nacc, code="NACC-CAP", kind="level", unit="% capacity increase", position=1)
    KPIFactory(program=nacc, code="NACC-GPU", kind="level", unit="GPUs", position=2)
    user_with_role(Role.OFFICER, username="officer-msit", ministry=msit)
    user_with_role(Role.REVIEWER, username="reviewer", ministry=None)


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def _upload(page: Any) -> str:
    page.set_input_files("main input[type=file]", str(FILES / "percent.xlsx"))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and preview").or_(
            page.get_by_role("button", name="올리고 미리보기")
        ).click()
    return page.inner_text("main")


def test_officer_uploads_a_calc_workbook_and_the_reviewer_sees_it(page, live_server):
    _world()
    base = live_server.url

    _login(page, base, "officer-msit")
    assert page.url == f"{base}/reports/"
    with page.expect_navigation():
        page.get_by_role("link", name="Report many programmes from a spreadsheet").click()
    assert page.url == f"{base}/reports/upload/"
    text = _upload(page)
    assert "80% → 80" in text, text
    assert "1,200억 원 → 120 billion won" in text

    # The same preview in Korean.
    page.context.add_cookies([{"name": "django_language", "value": "ko", "url": base}])
    page.reload()
    korean = page.inner_text("main")
    assert "업로드 확인" in korean and "80% → 80" in korean
    assert "1,200억 원 → 1,200억 원" in korean
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.reload()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm: save and submit all").click()
    report = ProgressReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED

    _login(page, base, "reviewer")
    page.goto(f"{base}/review/")
    row = page.locator("tbody tr", has_text="NACC").inner_text()
    assert "NACC-CAP" in row and "80 % capacity increase" in row
    assert "expected" in row
    assert "none" in row  # no evidence attached


def test_report_form_opens_the_shortfall_fields_as_a_short_value_is_typed(page, live_server):
    _world()  # NACC-GPU: level, 0 -> 1000 by 2026-12-31 (expected about 500 mid-2026)
    gpu = KPIFactory._meta.model.objects.get(code="NACC-GPU")
    base = live_server.url
    _login(page, base, "officer-msit")
    page.goto(f"{base}/reports/new/?program=NACC&period_end=2026-06-30")
    details = page.locator(f"#shortfall-{gpu.pk}")
    assert details.get_attribute("open") is None
    page.fill(f"#id_kpi_{gpu.pk}", "900")
    assert details.get_attribute("open") is None  # ahead of the expected value
    page.fill(f"#id_kpi_{gpu.pk}", "12")
    page.wait_for_function(f"document.getElementById('shortfall-{gpu.pk}').open")
    assert page.locator(f"#id_reason_{gpu.pk}").is_visible()
