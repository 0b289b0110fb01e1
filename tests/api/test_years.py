"""The API across budget years: /api/v1/fiscal-years/ (each year's total), /api/v1/budget/compare/
(the JSON of ``compare_budget``) and a programme's allocations per year, all in the schema."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.roles import Role
from api.services import api_token_create
from tests.boards.data import build_two_years
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(db):
    return build_two_years(4)


def _client(role: Role = Role.DIRECTOR, **kwargs: object) -> APIClient:
    _instance, token = api_token_create(user=UserFactory(role=role, **kwargs))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_fiscal_years_list_with_totals(two):
    response = _client().get("/api/v1/fiscal-years/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "year": 2027,
            "title": "Test budget 2027",
            "title_ko": "시험 예산 2027",
            "total_won": 8_000_000_000,
        },
        {"year": 2026, "title": "Test budget", "title_ko": "", "total_won": 4_000_000_000},
    ]


def test_fiscal_years_need_a_token(two):
    assert APIClient().get("/api/v1/fiscal-years/").status_code == 401


def test_comparison_is_the_json_of_compare_budget(two):
    client = _client(Role.OFFICER, ministry=two.first.moe)
    response = client.get("/api/v1/budget/compare/?year1=2026&year2=2027")
    assert response.status_code == 200
    out = StringIO()
    call_command("compare_budget", "2026", "2027", stdout=out)
    assert response.json() == json.loads(out.getvalue())
    by_code = {r["code"]: r for r in response.json()["rows"]}
    assert by_code["NEW27"]["change"] == "added"
    assert by_code["PG00000"]["change"] == "removed"
    assert by_code["TOTAL"]["change_ratio"] == 1.0
    # default: the two latest years, the earlier first
    assert client.get("/api/v1/budget/compare/").json()["year1"] == 2026


def test_comparison_of_a_year_not_loaded_is_a_clear_400(two):
    response = _client().get("/api/v1/budget/compare/?year1=2026&year2=2031")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "field": "year2",
                "message": "year2: fiscal year 2031 is not loaded (loaded: 2026, 2027).",
            }
        ]
    }


def test_programme_allocations_per_year(two):
    data = _client().get("/api/v1/programs/PG00001/").json()
    assert data["allocations"] == [
        {"fiscal_year": 2026, "node": "PG00001", "amount_won": 1_000_001_000},
        {"fiscal_year": 2027, "node": "PG00001", "amount_won": 2_000_002_000},
    ]
    assert (data["fiscal_year"], data["allocated_won"]) == (2027, 2_000_002_000)
    assert _client().get("/api/v1/programs/PG00000/").json()["allocations"] == [
        {"fiscal_year": 2026, "node": "PG00000", "amount_won": 1_000_000_000}
    ]


def test_schema_documents_years(db):
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.DIRECTOR))
    document = json.loads(client.get("/api/schema/?format=json").content)
    validate_schema(document)
    paths = document["paths"]
    assert "/api/v1/fiscal-years/" in paths
    compare = paths["/api/v1/budget/compare/"]["get"]
    assert {p["name"] for p in compare["parameters"]} >= {"year1", "year2"}
    assert "400" in compare["responses"]
    schemas = document["components"]["schemas"]
    assert set(schemas["FiscalYear"]["properties"]) == {"year", "title", "title_ko", "total_won"}
    assert "rows" in schemas["Comparison"]["properties"]
    assert "allocations" in schemas["Program"]["properties"]
    assert set(schemas["Allocation"]["properties"]) == {"fiscal_year", "node", "amount_won"}


def test_root_lists_the_year_resources(two):
    data = _client().get("/api/v1/").json()
    assert data["fiscal_years"].endswith("/api/v1/fiscal-years/")
    assert data["budget_compare"].endswith("/api/v1/budget/compare/")


@pytest.mark.parametrize("size", [4, 30])
def test_year_endpoints_queries_do_not_grow(db, django_assert_num_queries, size):
    build_two_years(size)
    client = _client()
    client.get("/api/v1/fiscal-years/")
    # token, user (with groups) and the page: a fixed number whatever the size
    with django_assert_num_queries(4):
        client.get("/api/v1/fiscal-years/")
    with django_assert_num_queries(5):
        client.get("/api/v1/budget/compare/")
