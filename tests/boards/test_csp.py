"""Content-Security-Policy on every page, and nothing in the templates that it would block: no
inline scripts, event handler attributes or style attributes; the API docs are served from our
own static files, to signed-in users only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts.roles import Role
from tests.boards.data import AS_OF
from tests.factories import user_with_role

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "inline <style>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_templates_have_nothing_the_policy_blocks():
    found = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern, what in INLINE:
                if pattern.search(text):
                    found.append(f"{path.relative_to(ROOT)}: {what}")
    assert not found, found


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        f"/?as_of={AS_OF.isoformat()}",
        "/programs/",
        "/classification/",
        "/reports/",
        "/admin/",
        "/api/docs/",
    ],
)
def test_every_page_has_a_strict_policy(client, small, url):
    client.force_login(user_with_role(Role.ADMINISTRATOR, username="csp-admin", is_staff=True))
    response = client.get(url)
    assert response.status_code == 200, url
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]


@pytest.mark.django_db
def test_api_docs_are_for_signed_in_users_and_served_locally(client):
    assert client.get("/api/docs/").status_code in (401, 403)
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(user_with_role(Role.OFFICER, username="docs-reader"))
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg" not in html and "@latest" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert client.get("/api/schema/?format=json").status_code == 200
