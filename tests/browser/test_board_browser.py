"""The whole story in a real browser: an officer submits a report, a reviewer approves it, the
recompute runs, the director sees the new status with its explanation; the language switch; an
export download; the as-of selector; htmx filtering without a page reload."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from budget.models import BudgetNode, FiscalYear, Ministry
from kpis.models import KPI
from programs.periods import period_containing
from reporting.models import ProgressReport, ReportStatus
from tests.factories import program_for_node, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-1234"


def _portfolio() -> dict[str, Any]:
    """One pillar, two programmes of one ministry, the quarter before today as the period to
    report; the users of the story."""
    today = timezone.localdate()
    last_quarter = period_containing(
        period_containing(today, "quarterly").start - timedelta(1), "quarterly"
    )
    start = last_quarter.start
    year = FiscalYear.objects.create(year=start.year, title="Browser budget")
    ministry = Ministry.objects.create(
        code="MSIT", name="Ministry of Science and ICT", name_ko="과기부"
    )
    total = BudgetNode.objects.create(
        fiscal_year=year,
        code="TOTAL",
        name="Total",
        name_ko="총계",
        amount_won=3_000_000_000_000,
        depth=0,
        path="0000",
    )
    pillar = BudgetNode.objects.create(
        fiscal_year=year,
        parent=total,
        code="P1",
        name="Pillar one",
        name_ko="제1축",
        amount_won=3_000_000_000_000,
        depth=1,
        path="0000/0000",
        cofog="04",
    )
    programs = []
    for i, (code, amount) in enumerate((("GPU", 2_000_000_000_000), ("TALENT", 1_000_000_000_000))):
        node = BudgetNode.objects.create(
            fiscal_year=year,
            parent=pillar,
            code=code,
            name=f"Programme {code}",
            name_ko=f"사업 {code}",
            amount_won=amount,
            depth=2,
            position=i,
            path=f"0000/0000/{i:04d}",
        )
        program = program_for_node(
            node,
            ministry=ministry,
            start=start,
            end=start + timedelta(days=729),
            frequency="quarterly",
        )
        KPI.objects.create(
            program=program,
            code=f"{code}-K",
            name=f"Units of {code}",
            name_ko=f"{code} 단위",
            unit="units",
            kind="cumulative",
            target=Decimal(1000),
            target_text="1,000+",
            target_date=start + timedelta(days=729),
        )
        programs.append(program)
    return {
        "period": last_quarter,
        "programs": programs,
        "officer": user_with_role(Role.OFFICER, username="officer-msit", ministry=ministry),
        "reviewer": user_with_role(Role.REVIEWER, username="reviewer", ministry=None),
        "director": user_with_role(Role.DIRECTOR, username="director"),
    }


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def test_officer_reviewer_recompute_director(page, live_server):
    data = _portfolio()
    base = live_server.url
    period = data["period"]
    gpu = data["programs"][0]

    # the director looks first: no data yet
    _login(page, base, "director")
    page.goto(f"{base}/")
    assert page.locator("h1").inner_text() == "Status board"
    attention = page.locator("section.attention")
    assert "GPU" in attention.inner_text()
    assert "No data" in attention.inner_text()

    # the officer submits the report for the quarter just ended
    _login(page, base, "officer-msit")
    page.goto(f"{base}/reports/new/?program=GPU&period_end={period.end.isoformat()}")
    page.get_by_label(re.compile("GPU-K")).fill("10")
    page.get_by_label("Budget executed this period (won)").fill("100000000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for review").click()
    assert "Submitted" in page.content(), page.inner_text("main")

    # the reviewer approves it from the queue
    _login(page, base, "reviewer")
    page.goto(f"{base}/review/")
    # The queue's bulk "return" comment is a required field of the same form, so the browser
    # refuses to submit the form empty, even for "Approve" (reported to the reporting app's owner).
    page.get_by_label("Comment for the officer").fill("Looks right.")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve", exact=True).first.click()
    report = ProgressReport.objects.get(program=gpu, period_end=period.end)
    assert report.status == ReportStatus.APPROVED, page.inner_text("main")

    # the recompute runs (the nightly job / stale sweep)
    call_command("recompute_status")

    # the director sees the new status, with why
    _login(page, base, "director")
    page.goto(f"{base}/")
    line = page.locator("li.attention__item", has_text="GPU")
    text = line.inner_text()
    assert "Off track" in text
    assert "actual 10:" in text and "of expected progress" in text
    assert line.locator(".status--off_track").count() >= 1  # word, icon (CSS) and colour
    # and on the programme page, the chart with its text alternative
    with page.expect_navigation():
        line.get_by_role("link", name="Programme GPU").click()
    assert page.locator("svg[role=img] desc").count() == 1
    assert "Off track" in page.locator("table.kpi-table").inner_text()
    assert gpu.code in page.content()


def test_language_switch(page, live_server):
    _portfolio()
    base = live_server.url
    _login(page, base, "director")
    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "trillion won" in page.locator(".figures").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="한국어").click()
    assert page.locator("html").get_attribute("lang") == "ko"
    figures = page.locator(".figures").inner_text()
    assert "3조 원" in figures
    assert re.search(r"\d{4}년 \d{1,2}월 \d{1,2}일", page.locator(".board-asof-line").inner_text())
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


def test_export_download_and_htmx_filter(page, live_server):
    _portfolio()
    base = live_server.url
    _login(page, base, "director")
    page.goto(f"{base}/programs/")
    assert "2 programmes match." in page.locator(".results-summary").inner_text()
    # filtering updates the results in place (htmx): the page is not reloaded
    page.evaluate("window.__notReloaded = true")
    page.select_option("#id_ministry", "MSIT")
    page.get_by_label("Search").fill("TALENT")
    page.get_by_label("Search").press("Enter")
    # a locator assertion polls without eval, which the Content-Security-Policy forbids
    expect(page.locator(".results-summary")).to_contain_text("1 programme matches.")
    assert page.evaluate("window.__notReloaded === true")
    assert "q=TALENT" in page.url
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    download = info.value
    body = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["Code"] for r in rows] == ["TALENT"]  # people's exports: translated headers
    assert download.suggested_filename.endswith(".csv")


def test_as_of_selector(page, live_server):
    data = _portfolio()
    base = live_server.url
    _login(page, base, "director")
    past = data["period"].start + timedelta(days=5)
    page.goto(f"{base}/")
    page.fill("#as-of-input", past.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert f"as_of={past.isoformat()}" in page.url
    head = page.locator(".board-asof-line").inner_text()
    assert "past date" in head
    assert str(past.year) in head
    # links carry the date along
    with page.expect_navigation():
        page.locator("nav.board-nav").get_by_role("link", name="Programmes", exact=True).click()
    assert f"as_of={past.isoformat()}" in page.url
    assert date.fromisoformat(page.input_value("#as-of-input")) == past
