"""A paginated API list answers 404 for a page past the last one, and the OpenAPI schema says so
(api/schema.py): ``make fuzz`` with ``FUZZ_STRICT_STATUS=1`` checks every answer's status against
the schema."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.roles import Role
from api.services import api_token_create
from tests.factories import KPIFactory, MinistryFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGINATED_LISTS = ["/api/v1/programs/", "/api/v1/kpis/", "/api/v1/reports/"]
ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture
def schema() -> dict:
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.DIRECTOR))  # the schema is for signed-in users
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    document = json.loads(response.content)
    validate_schema(document)
    return document


@pytest.fixture
def director_client() -> APIClient:
    msit = MinistryFactory(code="MSIT")
    program = ProgramFactory(ministry=msit, node__code="NACC", node__path="A/NACC")
    KPIFactory(program=program, code="NACC-GPU", kind="level", target=100)
    _instance, token = api_token_create(user=UserFactory(role=Role.DIRECTOR))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.parametrize("path", PAGINATED_LISTS)
def test_paginated_list_declares_its_404(schema, path):
    responses = schema["paths"][path]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"]["$ref"].startswith(
        "#/components/schemas/Paginated"
    )
    assert responses["404"]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF
    assert "past the last page" in responses["404"]["description"]


def test_only_paginated_lists_get_the_page_404(schema):
    paths = schema["paths"]
    assert "404" not in paths["/api/v1/"]["get"]["responses"]  # the root: no list
    assert "404" not in paths["/api/v1/reports/"]["post"]["responses"]  # a create
    assert "404" not in paths["/api/v1/auth/token/"]["post"]["responses"]
    # A detail view keeps its own 404 (not found or out of scope), not the page one.
    detail = paths["/api/v1/kpis/{id}/"]["get"]["responses"]["404"]
    assert "past the last page" not in detail["description"]
    # The periods of a programme are one unpaginated list: its 404 is the programme's.
    periods = paths["/api/v1/programs/{code}/periods/"]["get"]["responses"]["404"]
    assert "past the last page" not in periods["description"]


@pytest.mark.parametrize("path", PAGINATED_LISTS)
def test_a_page_past_the_last_answers_the_declared_404(director_client, path):
    assert director_client.get(path, {"page": 1}).status_code == 200
    response = director_client.get(path, {"page": 999})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    # The shape of ErrorResponse: {"errors": [{"field": null, "message": "..."}]}.
    assert list(body) == ["errors"]
    assert body["errors"][0]["field"] is None
    assert body["errors"][0]["message"]
    assert director_client.get(path, {"page": "not-a-number"}).status_code == 404
