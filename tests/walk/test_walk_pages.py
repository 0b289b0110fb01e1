"""Every page of the demo, as each role, in Korean and English: no raw won figure (nine or more
digits), no long decimal, no machine word, and no English interface word on a Korean page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tests.walk.walker import Walk

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
        body = response.content.decode() if hasattr(response, "content") else ""
        return response.status_code, response.get("Content-Type", ""), body

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
