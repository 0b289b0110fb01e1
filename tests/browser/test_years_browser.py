"""The boards and the budget across two years in a real browser, in English and Korean: the year
selector switches the board, the programmes a year does not fund are listed apart, the programme
page marks the year boundaries in its charts, and the budget page compares the years. Full-page
screenshots are saved under YEARSUI_SHOTS (default /tmp/yearsui-shots/) to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from accounts.roles import Role
from tests.boards.data import AS_OF, build_two_years
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-1234"
SHOTS = Path(os.environ.get("YEARSUI_SHOTS", "/tmp/yearsui-shots"))
Q = f"as_of={AS_OF.isoformat()}"


def _login(page: Any, base: str, language: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "years-director")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert "/accounts/login/" not in page.url


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_two_years_in_the_browser(page, live_server, language):
    build_two_years(6)
    user_with_role(Role.DIRECTOR, username="years-director")
    base = live_server.url
    _login(page, base, language)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/?{Q}")
    assert page.locator("html").get_attribute("lang") == language
    years = page.locator("nav.board-years")
    assert years.locator("a[aria-current=page]").inner_text() == "2026"
    assert page.locator("section.unfunded").count() == 0
    with page.expect_navigation():
        years.get_by_role("link", name="2027").click()
    assert "year=2027" in page.url and Q in page.url
    assert page.locator("nav.board-years a[aria-current=page]").inner_text() == "2027"
    unfunded = page.locator("section.unfunded")
    assert "PG00000" in unfunded.inner_text()
    _shot(page, f"board-2027-{language}")
    # the navigation keeps the year
    with page.expect_navigation():
        page.locator("nav.board-nav a").nth(1).click()
    assert "year=2027" in page.url
    assert "PG00000" in page.locator("section.unfunded").inner_text()

    page.goto(f"{base}/programs/PG00000/?{Q}")
    assert page.locator("g.chart__years text", has_text="2027").count() >= 1
    _shot(page, f"program-{language}")

    page.goto(f"{base}/budget/")
    with page.expect_navigation():
        page.locator("p.compare-link a").click()
    table = page.locator("table.compare-table")
    assert table.locator("tr.change-row--added").count() == 1
    assert table.locator("tr.change-row--removed").count() == 1
    assert "NEW27" in table.locator("tr.change-row--added").inner_text()
    _shot(page, f"compare-{language}")
    with page.expect_download() as download:
        page.locator("a[download]").click()
    assert download.value.suggested_filename == "budget-2026-2027.csv"
