"""The public pages in a real browser, as an anonymous visitor: Korean and English (through the
site's language switch), at a desktop width and at 390 px (no sideways scroll), with nothing
unapproved or personal in what is shown, and the reader's checks of every page (no raw won
figure, no machine word, no English word on a Korean page). Screenshots go to
$SCREENSHOT_DIR (default /tmp/public-shots)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.public.conftest import SECRET_NUMBERS, SECRET_TEXTS, number_forms
from tests.walk.walker import page_findings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/public-shots"))


def _check(page: Any, language: str, name: str) -> None:
    html = page.content()
    assert page.locator("html").get_attribute("lang") == language
    findings, _links = page_findings(page.url, html, language)
    assert not findings, "\n".join(str(f) for f in findings)
    for secret in SECRET_TEXTS:
        assert secret not in html, secret
    for number in SECRET_NUMBERS:
        for form in number_forms(number):
            assert form not in html, form
    assert page.locator(".site-nav").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{name} is {width} px wide at {viewport} px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_an_anonymous_visitor_reads_the_results_in_both_languages(
    browser: Any, live_server: Any, public_data: Any, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        base = live_server.url
        page.goto(f"{base}/public/")
        assert page.locator("h1").inner_text() == "What the 2026 AI budget has produced so far"
        _check(page, "en", f"overview-en-{width}")

        page.get_by_role("link", name="Programme 00000").click()
        page.wait_for_load_state()
        assert page.url.endswith("/public/programs/PG00000/")
        assert "600 people" in page.locator("main").inner_text()
        _check(page, "en", f"programme-en-{width}")

        page.locator(".lang-switch button[lang=ko]").click()  # the site's switch, anonymous
        page.wait_for_load_state()
        assert page.url.endswith("/public/programs/PG00000/")
        assert page.locator("h1").inner_text() == "사업 00000"
        assert "600 people" not in page.locator("main").inner_text()
        assert "600" in page.locator("main").inner_text()
        _check(page, "ko", f"programme-ko-{width}")

        page.goto(f"{base}/public/")
        assert page.locator("h1").inner_text() == "2026년 AI 예산이 지금까지 만든 성과"
        _check(page, "ko", f"overview-ko-{width}")
    finally:
        context.close()
