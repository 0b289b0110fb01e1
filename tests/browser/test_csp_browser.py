"""In chromium: the boards, a programme page with its charts, the reporting, review, budget, audit
and admin pages and the API docs load under the Content-Security-Policy with no violation (nor
any other error) reported in the console."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.roles import Role
from tests.boards.data import AS_OF, build_board_data
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-test-1234"


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def test_pages_load_without_csp_violations(live_server, page):
    build_board_data(6)
    user_with_role(Role.ADMINISTRATOR, username="csp-browser", is_staff=True, is_superuser=True)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    base = live_server.url
    _sign_in(page, base, "csp-browser")
    q = f"as_of={AS_OF.isoformat()}"
    pages = (
        f"/?{q}",
        f"/programs/PG00001/?{q}",
        f"/programs/?{q}",
        "/classification/",
        "/reports/",
        "/reports/upload/",
        "/review/",
        "/budget/",
        "/audit/",
        "/admin/",
        "/admin/accounts/user/",
    )
    for path in pages:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
    page.goto(f"{base}/programs/PG00001/?{q}")
    assert page.locator("svg").count() > 0  # the KPI charts render
    page.goto(f"{base}/?{q}")
    bar = page.locator(".mixbar__seg").first
    assert bar.bounding_box()["width"] > 2  # widths from the stylesheet, not style attributes
    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    problems = [p for p in problems if "favicon.ico" not in p and "404 (Not Found)" not in p]
    assert not problems, problems
