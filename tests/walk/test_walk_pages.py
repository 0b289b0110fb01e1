"""Every page of the demo, as each role, in Korean and English: no raw won figure (nine or more
digits), no long decimal, no machine word, and no English interface word on a Korean page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests.walk.walker import Walk, page_findings

ROOT = Path(__file__).resolve().parents[2]
ROLES = ["admin", "director", "reviewer", "auditor", "officer-msit"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        quiet = io.StringIO()
        call_command("load_budget", str(ROOT / "data" / "ai_budget_2026.yaml"), stdout=quiet)
        call_command("seed_demo", "--force", stdout=quiet)
        call_command("recompute_status", stdout=quiet)
        yield
        from django.db import connection

        # The audit trail refuses TRUNCATE; for this flush only, skip its triggers (as
        # tests/conftest.py does after a transactional test).
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        call_command("flush", "--noinput", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def walk(username: str, language: str) -> Walk:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    from accounts.models import User

    client.force_login(User.objects.get(username=username))

    def get(url: str) -> tuple[int, str, str]:
        response = client.get(url, follow=True)
        content_type = response.get("Content-Type", "")
        # Pages are read; downloads (PDF, spreadsheets) are only fetched.
        readable = "html" in content_type and hasattr(response, "content")
        body = response.content.decode() if readable else ""
        return response.status_code, content_type, body

    start = ["/", "/admin/"] if username == "admin" else ["/"]
    return Walk(get=get, language=language).run(start)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_every_page_reads_well(demo, username: str, language: str, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    result = walk(username, language)
    assert len(result.visited) > 3, result.visited
    assert not result.errors, result.errors
    unique = sorted({(f.kind, f.text): f for f in result.findings}.values(), key=str)
    report = "\n".join(str(f) for f in unique[:80])
    assert not unique, f"{len(unique)} findings on {len(result.visited)} pages:\n{report}"


ADMIN_LIST = re.compile(r'href="(/admin/[a-z_]+/[a-z_]+/)"')
ADMIN_CHANGE = re.compile(r'href="(/admin/[a-z_]+/[a-z_]+/\d+/change/)')
# A decimal padded with zeros as the database stores it: "22.0000", "0.500000".
PADDED_DECIMAL = re.compile(r"\d\.\d*000\b")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_admin_change_lists_and_forms_read_well(demo, language: str, settings) -> None:  # type: ignore[no-untyped-def]
    """Every change list of the admin and the first record's change form: figures at reading
    precision (no raw won figure, long or zero-padded decimal). Words are the records' own."""
    settings.DEBUG = True
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    from accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    index = client.get("/admin/").content.decode()
    # The audit trail's hashes and django-axes' own records (their names carry microseconds)
    # are not figures.
    lists = sorted(
        url
        for url in set(ADMIN_LIST.findall(index))
        if not url.startswith(("/admin/axes/", "/admin/audit/"))
    )
    assert "/admin/status/kpistatus/" in lists and "/admin/kpis/kpi/" in lists
    problems: list[str] = []
    visited = 0
    for url in lists:
        body = client.get(url).content.decode()
        pages = [(url, body)]
        change = ADMIN_CHANGE.search(body)
        if change:
            pages.append((change.group(1), client.get(change.group(1)).content.decode()))
        for page_url, html in pages:
            visited += 1
            findings, _links = page_findings(page_url, html, language)
            problems += [str(f) for f in findings if f.kind in ("raw figure", "long decimal")]
            parser_text = re.sub(r"<[^>]+>", " ", html)
            problems += [
                f"{page_url}: padded decimal: {m.group()!r}"
                for m in PADDED_DECIMAL.finditer(parser_text)
            ]
    assert visited > 20
    assert not problems, "\n".join(problems[:60])
