"""The REST API, /api/v1/: authentication, scope, the report workflow, idempotency, optimistic
locking, input errors, the OpenAPI schema and pinned query counts."""

from __future__ import annotations

import json
import threading
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.roles import Role
from api.models import IdempotencyRecord
from api.services import api_token_create
from reporting.models import ProgressReport, ReportStatus, ReportTransition
from tests.factories import KPIFactory, MinistryFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports/"


_TOKENS: dict[int, str] = {}


def _token_for(user) -> str:
    """One token per user per test (like a client that keeps the token it was given once)."""
    if user.pk not in _TOKENS:
        _TOKENS[user.pk] = api_token_create(user=user)[1]
    return _TOKENS[user.pk]


@pytest.fixture(autouse=True)
def _forget_tokens():
    _TOKENS.clear()


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {_token_for(user)}")
    return client


def _build_world():
    msit = MinistryFactory(code="MSIT")
    moe = MinistryFactory(code="MOE")
    nacc = ProgramFactory(ministry=msit, node__code="NACC", node__path="A/NACC")
    gpu = KPIFactory(program=nacc, code="NACC-GPU", kind="level", unit="GPUs", target=10000)
    phd = KPIFactory(program=nacc, code="NACC-PHD", kind="cumulative", unit="people")
    edu = ProgramFactory(ministry=moe, node__code="EDU", node__path="A/EDU")
    KPIFactory(program=edu, code="EDU-DEG", kind="annual")
    officer = UserFactory(username="officer-msit", role=Role.OFFICER, ministry=msit)
    officer_moe = UserFactory(username="officer-moe", role=Role.OFFICER, ministry=moe)
    reviewer = UserFactory(username="reviewer-msit", role=Role.REVIEWER, ministry=msit)
    director = UserFactory(username="director", role=Role.DIRECTOR)
    return SimpleNamespace(**locals())


@pytest.fixture
def world():
    return _build_world()


def _create(client, **overrides):
    body = {
        "program": "NACC",
        "period_end": "2026-03-31",
        "values": {"NACC-GPU": 1200, "NACC-PHD": "35"},
        "executed_won": 120_000_000_000,
        "narrative": "Cluster procurement on schedule.",
    }
    body.update(overrides)
    return client.post(REPORTS, body, format="json")


def _errors(response) -> dict[str | None, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# Authentication ----------------------------------------------------------------------------------


def test_authentication_is_required(world):
    response = _client().get(REPORTS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] is None
    assert _client().get("/api/v1/programs/").status_code == 401
    assert _client().post(REPORTS, {}, format="json").status_code == 401


def test_token_from_username_and_password(world):
    client = _client()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "officer-msit", "password": "pw-test-1234"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["expiry"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(REPORTS).status_code == 200

    wrong = _client().post(
        "/api/v1/auth/token/", {"username": "officer-msit", "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"]


def test_api_root_lists_resources(world):
    response = _client(world.officer).get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["reports"].endswith("/api/v1/reports/")


# Programmes, KPIs, periods -----------------------------------------------------------------------


def test_programmes_are_scoped_and_carry_kpis(world):
    client = _client(world.officer)
    data = client.get("/api/v1/programs/").json()
    assert [p["code"] for p in data["results"]] == ["NACC"]
    detail = client.get("/api/v1/programs/NACC/").json()
    assert detail["ministry"] == "MSIT"
    assert [k["code"] for k in detail["kpis"]] == ["NACC-GPU", "NACC-PHD"]
    assert detail["kpis"][0]["target"] == "10000"
    assert client.get("/api/v1/programs/EDU/").status_code == 404
    assert client.get("/api/v1/programs/NOPE/").status_code == 404
    everything = _client(world.director).get("/api/v1/programs/").json()
    assert {p["code"] for p in everything["results"]} == {"NACC", "EDU"}


def test_periods_of_a_programme(world):
    response = _client(world.officer).get("/api/v1/programs/NACC/periods/")
    assert response.status_code == 200
    assert [p["end"] for p in response.json()] == [
        "2026-03-31",
        "2026-06-30",
        "2026-09-30",
        "2026-12-31",
    ]
    assert response.json()[0]["label"] == "2026-Q1"
    assert response.json()[0]["due_date"] == "2026-04-30"
    assert _client(world.officer).get("/api/v1/programs/EDU/periods/").status_code == 404


def test_kpis_are_scoped(world):
    client = _client(world.officer)
    codes = [k["code"] for k in client.get("/api/v1/kpis/").json()["results"]]
    assert codes == ["NACC-GPU", "NACC-PHD"]
    assert client.get(f"/api/v1/kpis/{world.gpu.pk}/").json()["program"] == "NACC"
    other = world.edu.kpis.get()
    assert client.get(f"/api/v1/kpis/{other.pk}/").status_code == 404
    filtered = client.get("/api/v1/kpis/?program=NACC").json()["results"]
    assert len(filtered) == 2


# The workflow ------------------------------------------------------------------------------------


def test_create_update_submit_approve(world):
    officer = _client(world.officer)
    created = _create(officer)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert body["values"] == {"NACC-GPU": "1200", "NACC-PHD": "35"}
    assert body["period_label"] == "2026-Q1"
    assert created["ETag"] == f'"{body["version"]}"'
    assert created["Location"] == f"/api/v1/reports/{body['id']}/"
    url = f"{REPORTS}{body['id']}/"

    fetched = officer.get(url)
    assert fetched.status_code == 200
    assert fetched["ETag"] == created["ETag"]

    patched = officer.patch(
        url,
        {"values": {"NACC-GPU": "1,500"}, "narrative": "Revised."},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["values"]["NACC-GPU"] == "1500"
    assert patched.json()["values"]["NACC-PHD"] == "35"
    assert patched.json()["narrative"] == "Revised."
    assert patched["ETag"] != created["ETag"]

    submitted = officer.post(f"{url}submit/", {}, format="json", HTTP_IF_MATCH=patched["ETag"])
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_by"] == "officer-msit"

    approved = _client(world.reviewer).post(
        f"{url}approve/", {"version": submitted.json()["version"]}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert approved.json()["is_current"] is True
    report = ProgressReport.objects.get(pk=body["id"])
    assert report.status == ReportStatus.APPROVED
    assert report.reviewed_by == world.reviewer


def test_return_with_comment_then_resubmit(world):
    officer = _client(world.officer)
    body = _create(officer).json()
    url = f"{REPORTS}{body['id']}/"
    submitted = officer.post(f"{url}submit/", {"version": body["version"]}, format="json")
    reviewer = _client(world.reviewer)
    missing = reviewer.post(
        f"{url}return/", {"version": submitted.json()["version"]}, format="json"
    )
    assert missing.status_code == 400
    assert "comment" in _errors(missing)
    returned = reviewer.post(
        f"{url}return/",
        {"version": submitted.json()["version"], "comment": "GPU count lacks evidence."},
        format="json",
    )
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "returned"
    assert returned.json()["review_comment"] == "GPU count lacks evidence."
    again = officer.post(f"{url}submit/", {"version": returned.json()["version"]}, format="json")
    assert again.status_code == 200
    assert again.json()["status"] == "submitted"


def test_wrong_status_is_a_conflict(world):
    officer = _client(world.officer)
    body = _create(officer).json()
    response = _client(world.reviewer).post(
        f"{REPORTS}{body['id']}/approve/", {"version": body["version"]}, format="json"
    )
    assert response.status_code == 409
    assert "status" in _errors(response)


def test_second_report_for_the_same_period_is_refused(world):
    officer = _client(world.officer)
    assert _create(officer).status_code == 201
    second = _create(officer)
    assert second.status_code == 409
    assert "period_end" in _errors(second)
    assert ProgressReport.objects.count() == 1


# Scope and permissions ---------------------------------------------------------------------------


def test_another_ministrys_report_is_not_found(world):
    body = _create(_client(world.officer)).json()
    other = _client(world.officer_moe)
    url = f"{REPORTS}{body['id']}/"
    assert other.get(url).status_code == 404
    assert (
        other.patch(url, {"narrative": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 404
    )
    assert other.post(f"{url}submit/", {"version": 1}, format="json").status_code == 404
    assert other.get(REPORTS).json()["results"] == []
    assert _errors(other.get(url)) == {None: "Not found, or not in your scope."}


def test_create_for_a_programme_outside_the_scope_is_refused(world):
    response = _create(_client(world.officer_moe))
    assert response.status_code == 400
    assert "program" in _errors(response)
    assert not ProgressReport.objects.exists()


def test_officer_cannot_approve(world):
    officer = _client(world.officer)
    body = _create(officer).json()
    url = f"{REPORTS}{body['id']}/"
    submitted = officer.post(f"{url}submit/", {"version": body["version"]}, format="json")
    response = officer.post(
        f"{url}approve/", {"version": submitted.json()["version"]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"]
    assert ProgressReport.objects.get(pk=body["id"]).status == ReportStatus.SUBMITTED


def test_reviewer_cannot_approve_own_report(world):
    both: Any = UserFactory(username="officer-reviewer", role=Role.OFFICER, ministry=world.msit)
    both.groups.add(Group.objects.get_or_create(name=Role.REVIEWER.value)[0])
    client = _client(both)
    body = _create(client).json()
    url = f"{REPORTS}{body['id']}/"
    submitted = client.post(f"{url}submit/", {"version": body["version"]}, format="json")
    assert submitted.status_code == 200
    response = client.post(
        f"{url}approve/", {"version": submitted.json()["version"]}, format="json"
    )
    assert response.status_code == 403
    assert ProgressReport.objects.get(pk=body["id"]).status == ReportStatus.SUBMITTED


def test_director_reads_but_cannot_write(world):
    body = _create(_client(world.officer)).json()
    director = _client(world.director)
    assert director.get(f"{REPORTS}{body['id']}/").status_code == 200
    assert _create(director, period_end="2026-06-30").status_code == 403


# Idempotency -------------------------------------------------------------------------------------


def test_same_idempotency_key_twice_creates_one_report(world):
    client = _client(world.officer)
    first = client.post(
        REPORTS,
        {"program": "NACC", "period_end": "2026-03-31", "values": {"NACC-GPU": 10}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    second = client.post(
        REPORTS,
        {"values": {"NACC-GPU": 10}, "period_end": "2026-03-31", "program": "NACC"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["ETag"] == first["ETag"]
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert ProgressReport.objects.count() == 1
    assert IdempotencyRecord.objects.get().user == world.officer


def test_same_idempotency_key_with_another_body_is_422(world):
    client = _client(world.officer)
    client.post(
        REPORTS,
        {"program": "NACC", "period_end": "2026-03-31"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-2",
    )
    other = client.post(
        REPORTS,
        {"program": "NACC", "period_end": "2026-06-30"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-2",
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in _errors(other)
    assert ProgressReport.objects.count() == 1


def test_idempotency_keys_are_per_user_and_expire(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    body = {"program": "NACC", "period_end": "2026-03-31"}
    first = _client(world.officer).post(REPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201
    # Another user with the same key is not served the first user's response.
    other = _client(world.officer_moe).post(REPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 400
    # After 24 hours the key is free again (here: the period is taken, so the work is redone).
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = _client(world.officer).post(REPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 409
    call_command("purge_idempotency_keys")
    assert not IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).exists()


def test_a_failed_request_does_not_burn_the_key(world):
    client = _client(world.officer)
    bad = client.post(
        REPORTS,
        {"program": "NACC", "period_end": "2026-03-30"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k3",
    )
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()


def test_retried_action_is_done_once(world):
    officer = _client(world.officer)
    body = _create(officer).json()
    url = f"{REPORTS}{body['id']}/submit/"
    first = officer.post(url, {}, format="json", HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="s1")
    second = officer.post(url, {}, format="json", HTTP_IF_MATCH='"1"', HTTP_IDEMPOTENCY_KEY="s1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert ReportTransition.objects.filter(report_id=body["id"], action="submitted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_report():
    world = _build_world()
    token = api_token_create(user=world.officer)[1]
    barrier = threading.Barrier(2)
    results: list[tuple[int, dict]] = []
    body = {"program": "NACC", "period_end": "2026-03-31", "values": {"NACC-GPU": 5}}

    def post() -> None:
        from django.db import connection as thread_connection

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=10)
            response = client.post(REPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY="race")
            results.append((response.status_code, response.json()))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [code for code, _body in results] == [201, 201]
    assert results[0][1]["id"] == results[1][1]["id"]
    assert ProgressReport.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


# Optimistic locking ------------------------------------------------------------------------------


def test_stale_if_match_is_412(world):
    officer = _client(world.officer)
    created = _create(officer)
    url = f"{REPORTS}{created.json()['id']}/"
    first = officer.patch(url, {"narrative": "one"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert first.status_code == 200
    stale = officer.patch(url, {"narrative": "two"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert stale.status_code == 412
    assert "If-Match" in _errors(stale)
    assert stale["ETag"] == first["ETag"]
    assert ProgressReport.objects.get().narrative == "one"


def test_stale_version_field_is_409(world):
    officer = _client(world.officer)
    body = _create(officer).json()
    url = f"{REPORTS}{body['id']}/"
    assert (
        officer.patch(
            url, {"narrative": "one", "version": body["version"]}, format="json"
        ).status_code
        == 200
    )
    stale = officer.patch(url, {"narrative": "two", "version": body["version"]}, format="json")
    assert stale.status_code == 409
    assert "version" in _errors(stale)
    submit = officer.post(f"{url}submit/", {"version": body["version"]}, format="json")
    assert submit.status_code == 409
    assert ProgressReport.objects.get().status == ReportStatus.DRAFT


def test_missing_if_match_is_428(world):
    officer = _client(world.officer)
    body = _create(officer).json()
    url = f"{REPORTS}{body['id']}/"
    response = officer.patch(url, {"narrative": "x"}, format="json")
    assert response.status_code == 428
    assert "If-Match" in _errors(response)
    assert officer.post(f"{url}submit/", {}, format="json").status_code == 428
    assert ProgressReport.objects.get().narrative == "Cluster procurement on schedule."


def test_unreadable_if_match_is_400(world):
    officer = _client(world.officer)
    body = _create(officer).json()
    response = officer.patch(
        f"{REPORTS}{body['id']}/", {"narrative": "x"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 400
    assert "If-Match" in _errors(response)


# Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"values": {"NACC-GPU": "twelve"}}, "values.NACC-GPU"),
        ({"values": {"NACC-GPU": "NaN"}}, "values.NACC-GPU"),
        ({"values": {"NACC-GPU": "Infinity"}}, "values.NACC-GPU"),
        ({"values": {"NACC-PHD": -3}}, "values.NACC-PHD"),
        ({"values": {"EDU-DEG": 5}}, "values.EDU-DEG"),
        ({"values": {"NACC-GPU": True}}, "values.NACC-GPU"),
        ({"values": ["NACC-GPU", 5]}, "values"),
        ({"executed_won": "lots"}, "executed_won"),
        ({"executed_won": -1}, "executed_won"),
        ({"executed_won": 1.5}, "executed_won"),
        ({"period_end": "2026-03-30"}, "period_end"),
        ({"period_end": "2031-03-31"}, "period_end"),
        ({"period_end": "31/03/2026"}, "period_end"),
    ],
)
def test_bad_input_is_400_with_the_field(world, overrides, field):
    response = _create(_client(world.officer), **overrides)
    assert response.status_code == 400, response.json()
    errors = _errors(response)
    assert field in errors, errors
    assert errors[field]
    assert not ProgressReport.objects.exists()


def test_every_error_is_reported_at_once(world):
    response = _create(
        _client(world.officer),
        values={"NACC-GPU": "x", "NACC-PHD": -1},
        period_end="2026-02-28",
    )
    assert response.status_code == 400
    assert {"values.NACC-GPU", "values.NACC-PHD", "period_end"} <= set(_errors(response))


def test_json_nan_literal_is_refused(world):
    client = _client(world.officer)
    raw = '{"program": "NACC", "period_end": "2026-03-31", "values": {"NACC-GPU": NaN}}'
    response = client.post(REPORTS, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    assert not ProgressReport.objects.exists()


def test_update_bad_value_is_400_and_changes_nothing(world):
    officer = _client(world.officer)
    created = _create(officer)
    response = officer.patch(
        f"{REPORTS}{created.json()['id']}/",
        {"values": {"NACC-GPU": "Infinity"}},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert response.status_code == 400
    assert "values.NACC-GPU" in _errors(response)
    assert officer.get(f"{REPORTS}{created.json()['id']}/").json()["values"]["NACC-GPU"] == "1200"


def test_submit_incomplete_is_400(world):
    officer = _client(world.officer)
    created = _create(officer, values={"NACC-GPU": 1})
    response = officer.post(
        f"{REPORTS}{created.json()['id']}/submit/", {}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert response.status_code == 400
    assert "values.NACC-PHD" in _errors(response)


# Schema ------------------------------------------------------------------------------------------


def test_schema_is_served_and_valid(world):
    assert _client().get("/api/schema/?format=json").status_code == 401  # signed-in users only
    response = _client(world.director).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/programs/",
        "/api/v1/programs/{code}/",
        "/api/v1/programs/{code}/periods/",
        "/api/v1/kpis/",
        "/api/v1/reports/",
        "/api/v1/reports/{id}/",
        "/api/v1/reports/{id}/submit/",
        "/api/v1/reports/{id}/approve/",
        "/api/v1/reports/{id}/return/",
    ):
        assert path in paths, path
    create = paths["/api/v1/reports/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ReportCreate"
    )
    assert {"201", "400", "409", "422"} <= set(create["responses"])
    assert "ETag" in create["responses"]["201"]["headers"]
    patch = paths["/api/v1/reports/{id}/"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
    assert "ErrorResponse" in schema["components"]["schemas"]


def test_spectacular_validate_reports_no_errors(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_docs_page(world):
    assert _client().get("/api/docs/").status_code == 401  # signed-in users only
    response = _client(world.officer).get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


# Query counts ------------------------------------------------------------------------------------


def _add_programmes(world, count: int) -> None:
    for i in range(count):
        program = ProgramFactory(ministry=world.msit, node__code=f"P{i}", node__path=f"B/P{i}")
        KPIFactory(program=program, code=f"P{i}-K1")
        KPIFactory(program=program, code=f"P{i}-K2", kind="level")


def _add_reports(world, count: int) -> None:
    from reporting.services import report_create_draft

    for i in range(count):
        program: Any = ProgramFactory(ministry=world.msit, node__code=f"R{i}", node__path=f"C/R{i}")
        KPIFactory(program=program, code=f"R{i}-K1")
        report_create_draft(
            user=world.officer,
            program=program,
            period_end=date(2026, 3, 31),
            values={f"R{i}-K1": 3},
            executed_won=10,
        )


# token lookup, the user's other tokens (knox deletes expired ones), the user's groups (roles),
# count, page, prefetched allocations (with their years), KPIs and their milestones
PROGRAM_LIST_QUERIES = 8
# token lookup, other tokens, groups, count, page, prefetched values with their KPIs
REPORT_LIST_QUERIES = 6
# token lookup, other tokens, groups, count, page, prefetched milestones
KPI_LIST_QUERIES = 6


@pytest.mark.parametrize("size", [1, 8])
def test_programme_list_queries_are_pinned(world, django_assert_num_queries, size):
    _add_programmes(world, size)
    client = _client(world.officer)
    with django_assert_num_queries(PROGRAM_LIST_QUERIES):
        response = client.get("/api/v1/programs/")
    assert response.json()["count"] == size + 1


@pytest.mark.parametrize("size", [1, 8])
def test_report_list_queries_are_pinned(world, django_assert_num_queries, size):
    _add_reports(world, size)
    client = _client(world.officer)
    with django_assert_num_queries(REPORT_LIST_QUERIES):
        response = client.get(REPORTS)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [1, 8])
def test_kpi_list_queries_are_pinned(world, django_assert_num_queries, size):
    _add_programmes(world, size)
    client = _client(world.officer)
    with django_assert_num_queries(KPI_LIST_QUERIES):
        response = client.get("/api/v1/kpis/")
    assert response.json()["count"] == 2 * size + 2


def test_connection_is_postgresql():
    assert connection.vendor == "postgresql"
