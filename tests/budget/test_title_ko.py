"""The budget file's optional Korean title (``title_ko``): loaded, changed by a later load,
exported only when given, and shown on the Korean pages that carry the year's title."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.roles import Role
from audit.models import AuditEntry
from budget.exporting import budget_export
from budget.io import dump_budget, parse_budget_text, read_budget_file
from budget.models import FiscalYear
from budget.schema import BudgetFileError
from budget.services import budget_load
from tests.budget.samples import SHIPPED_BUDGET, small_budget
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

KOREAN_TITLE = "시험용 2026년 AI 예산"


def load(data: dict[str, Any]) -> Any:
    return budget_load(data=data, source="budget.yaml")


def without_title_ko() -> dict[str, Any]:
    data = small_budget()
    del data["title_ko"]
    return data


@pytest.fixture
def director_client(client: Client, settings) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(user_with_role(Role.DIRECTOR, username="director"))
    return client


def test_title_ko_is_loaded() -> None:
    load(small_budget())
    year = FiscalYear.objects.get(year=2026)
    assert (year.title, year.title_ko) == ("Test AI budget 2026", KOREAN_TITLE)


def test_title_ko_is_optional_and_left_out_of_the_export_when_empty() -> None:
    load(without_title_ko())
    assert FiscalYear.objects.get(year=2026).title_ko == ""
    exported = budget_export(fiscal_year=FiscalYear.objects.get(year=2026))
    assert "title_ko" not in exported
    assert not load(exported).changed


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_title_ko_round_trips_through_the_exported_text(fmt: str) -> None:
    load(small_budget())
    text = dump_budget(budget_export(fiscal_year=FiscalYear.objects.get(year=2026)), fmt=fmt)
    assert KOREAN_TITLE in text
    read_back = parse_budget_text(text.encode(), source=f"export.{fmt}", fmt=fmt)
    assert read_back["title_ko"] == KOREAN_TITLE
    assert not load(read_back).changed


def test_a_changed_title_ko_updates_the_year_and_is_audited() -> None:
    load(without_title_ko())
    result = load(small_budget())
    assert result.changed
    assert FiscalYear.objects.get(year=2026).title_ko == KOREAN_TITLE
    entry = AuditEntry.objects.filter(object_type="budget.fiscalyear").latest("seq")
    assert entry.after is not None and entry.after["title_ko"] == KOREAN_TITLE


def test_title_ko_that_is_not_text_is_refused_by_key_path() -> None:
    data = small_budget()
    data["title_ko"] = 2026
    with pytest.raises(BudgetFileError) as raised:
        load(data)
    assert "title_ko" in str(raised.value)
    assert not FiscalYear.objects.exists()


def test_the_shipped_budget_has_a_korean_title() -> None:
    data = read_budget_file(SHIPPED_BUDGET)
    assert data["title"] == "Korea's AI Budget 2026"
    assert data["title_ko"] == "대한민국 2026년 AI 예산"


def test_the_korean_briefing_and_budget_tree_use_the_korean_title(director_client: Client) -> None:
    load(small_budget())
    director_client.cookies["django_language"] = "ko"
    briefing = director_client.get("/briefing/").content.decode()
    assert f"브리핑: {KOREAN_TITLE}" in briefing
    assert "Test AI budget 2026" not in briefing
    tree = director_client.get("/budget/").content.decode()
    assert f"<h1>{KOREAN_TITLE}</h1>" in tree


def test_the_english_pages_keep_the_english_title(director_client: Client) -> None:
    load(small_budget())
    director_client.cookies["django_language"] = "en"
    assert "Briefing: Test AI budget 2026" in director_client.get("/briefing/").content.decode()
    assert "<h1>Test AI budget 2026</h1>" in director_client.get("/budget/").content.decode()


def test_without_title_ko_the_korean_pages_show_the_title(director_client: Client) -> None:
    load(without_title_ko())
    director_client.cookies["django_language"] = "ko"
    assert "브리핑: Test AI budget 2026" in director_client.get("/briefing/").content.decode()
