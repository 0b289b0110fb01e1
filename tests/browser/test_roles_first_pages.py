"""Each role's first page of the demo in Korean and English in a real browser: it opens, speaks
the language, shows no raw won figure, long decimal or machine word; at 390 px the English board
and a programme page do not scroll sideways. Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.walk.walker import page_findings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ROLES = ["admin", "director", "reviewer", "auditor", "officer-msit"]
PASSWORD = "tracker-demo-2026"


def _demo(settings: Any) -> None:
    settings.DEBUG = True
    quiet = io.StringIO()
    call_command("load_budget", str(ROOT / "data" / "ai_budget_2026.yaml"), stdout=quiet)
    call_command("seed_demo", "--force", stdout=quiet)
    call_command("recompute_status", stdout=quiet)


def _login(page: Any, base: str, username: str, language: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_each_roles_first_page(page, live_server, settings, language: str) -> None:  # type: ignore[no-untyped-def]
    _demo(settings)
    base = live_server.url
    for username in ROLES:
        _login(page, base, username, language)
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        assert page.locator("html").get_attribute("lang") == language
        findings, _links = page_findings(page.url, page.content(), language)
        assert not findings, "\n".join(str(f) for f in findings)
        _shot(page, f"first-{username}-{language}")


def test_narrow_english_pages_do_not_scroll_sideways(browser, live_server, settings) -> None:  # type: ignore[no-untyped-def]
    _demo(settings)
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    try:
        _login(page, base, "director", "en")
        for path in ("/", "/programs/P4-FIN/"):
            page.goto(f"{base}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide at 390 px"
            scrolling = page.evaluate(
                "Array.from(document.querySelectorAll('.kpi-table'))"
                ".map(t => t.closest('.table-scroll'))"
                ".filter(s => s && s.scrollWidth > s.clientWidth + 1).length"
            )
            assert scrolling == 0, f"{path}: the KPI table scrolls sideways"
            _shot(page, f"narrow-director-en{path.replace('/', '_')}")
    finally:
        context.close()


def _narrow_pages() -> dict[str, list[str]]:
    """Per role, the pages a phone must show without sideways scrolling (after ``_demo``)."""
    from reporting.models import ProgressReport

    approved = ProgressReport.objects.filter(status="approved", program__ministry__code="MSIT")
    submitted = ProgressReport.objects.filter(status="submitted").first()
    report = approved.first()
    assert report is not None and submitted is not None
    return {
        "director": [
            "/",
            "/?as_of=2026-06-30",
            "/programs/",
            "/programs/P4-FIN/",
            "/ministries/",
            "/ministries/MSIT/",
            "/classification/",
            "/briefing/",
            "/budget/",
            "/budget/2026/P3-AX/",
            "/budget/2026/NACC/",
        ],
        "reviewer": ["/review/", f"/reports/{submitted.pk}/"],
        "officer-msit": [
            "/reports/",
            "/reports/programmes/",
            "/reports/new/?program=NACC&period_end=2026-12-31",  # an MSIT programme with KPIs
            "/reports/upload/",
            f"/reports/{report.pk}/",
        ],
        "auditor": [
            "/audit/",
            "/audit/day/",
            "/audit/verify/",
            f"/audit/object/reporting.progressreport/{report.pk}/",
        ],
    }


@pytest.mark.parametrize("language", ["ko", "en"])
def test_no_page_scrolls_sideways_at_390_px(browser, live_server, settings, language: str) -> None:  # type: ignore[no-untyped-def]
    """The programmes list, ministry pages, classification, budget tree and nodes, the review
    queue, report pages and forms, and the audit pages, as the roles that use them: at 390 px the
    page never scrolls sideways as a whole (wide tables become cards, or scroll in their own
    box)."""
    _demo(settings)
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    wide: list[str] = []
    try:
        for username, paths in _narrow_pages().items():
            _login(page, base, username, language)
            for path in paths:
                response = page.goto(f"{base}{path}")
                assert response is not None and response.status == 200, (username, path)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 390:
                    wide.append(f"{username} {path}: {width} px")
                _shot(page, f"narrow-{username}-{language}{path.replace('/', '_')}")
    finally:
        context.close()
    assert not wide, "\n".join(wide)
