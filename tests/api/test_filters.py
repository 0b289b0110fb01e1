"""The API lists' filters (api/filters.py, django-filter): what they select, a clear 400 for a
bad value, and the parameters the OpenAPI schema lists."""

from __future__ import annotations

import json

import pytest

from tests.reporting.test_api import REPORTS, _build_world, _client, _create, _errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = _build_world()
    officer = _client(world.officer)
    first = _create(officer, period_end="2026-03-31")
    assert first.status_code == 201, first.json()
    second = _create(officer, period_end="2026-06-30")
    assert second.status_code == 201, second.json()
    submit = officer.post(
        f"{REPORTS}{second.json()['id']}/submit/",
        {"version": second.json()["version"]},
        format="json",
    )
    assert submit.status_code == 200, submit.json()
    return world


def _periods(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [report["period_end"] for report in response.json()["results"]]


def test_reports_are_filtered_by_status_period_and_programme(world):
    director = _client(world.director)
    assert _periods(director.get(REPORTS)) == ["2026-06-30", "2026-03-31"]
    assert _periods(director.get(REPORTS, {"status": "submitted"})) == ["2026-06-30"]
    assert _periods(director.get(REPORTS, {"status": "draft"})) == ["2026-03-31"]
    assert _periods(director.get(REPORTS, {"period_end": "2026-03-31"})) == ["2026-03-31"]
    assert _periods(director.get(REPORTS, {"program": "NACC", "status": "draft"})) == ["2026-03-31"]
    assert _periods(director.get(REPORTS, {"program": "EDU"})) == []


def test_filters_stay_within_the_users_scope(world):
    assert _periods(_client(world.officer_moe).get(REPORTS, {"program": "NACC"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "finished"}, "status"), ({"period_end": "2026-13-01"}, "period_end")],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(world, params, field):
    response = _client(world.director).get(REPORTS, params)
    assert response.status_code == 400
    errors = _errors(response)
    assert list(errors) == [field]
    assert errors[field]


def test_kpis_are_filtered_by_programme(world):
    director = _client(world.director)
    codes = [k["code"] for k in director.get("/api/v1/kpis/", {"program": "EDU"}).json()["results"]]
    assert codes == ["EDU-DEG"]
    assert len(director.get("/api/v1/kpis/").json()["results"]) == 3


def test_the_schema_lists_the_filters(world):
    schema = json.loads(_client(world.director).get("/api/schema/?format=json").content)
    reports = schema["paths"]["/api/v1/reports/"]["get"]
    parameters = {p["name"]: p for p in reports["parameters"]}
    assert parameters["status"]["schema"]["enum"] == ["approved", "draft", "returned", "submitted"]
    assert parameters["period_end"]["schema"]["format"] == "date"
    assert parameters["program"]["schema"]["type"] == "string"
    assert "400" in reports["responses"]
    kpis = schema["paths"]["/api/v1/kpis/"]["get"]
    assert "program" in {p["name"] for p in kpis["parameters"]}
