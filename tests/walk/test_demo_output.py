"""What the demo commands print and the favicon: one language, the real port, no raw codes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from budget.models import Ministry

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_the_url_and_one_language(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    Ministry.objects.create(code="MOE", name="Ministry of Education", name_ko="교육부")
    out = io.StringIO()
    with translation.override("ko"):
        call_command("seed_demo", "--no-progress", "--url", "http://127.0.0.1:8123/", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text
    assert "교육부(MOE) 담당자" in text
    assert "Ministry of Education" not in text


def test_recompute_status_prints_status_words(settings) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with translation.override("ko"):
        call_command("recompute_status", "--as-of", "2026-06-30", stdout=out)
    text = out.getvalue()
    assert "미착수" in text
    assert "not_started" not in text and "off_track" not in text


def test_favicon_is_served() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
