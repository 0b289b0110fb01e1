"""Bad input that used to be a 500 is a clear 4xx; over-size bodies are a 413 before they are read
(ops/guard.py, ops/dates.py)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from accounts.roles import Role
from reporting.models import ProgressReport
from tests.factories import MinistryFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ministry():
    return MinistryFactory(code="MSIT")


def client_for(role: Role, ministry=None) -> Client:
    user = UserFactory(username=f"g-{role}", role=role, ministry=ministry)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def admin_client_(ministry) -> Client:
    return client_for(Role.ADMINISTRATOR)


@pytest.fixture
def auditor_client(ministry) -> Client:
    return client_for(Role.AUDITOR)


@pytest.mark.parametrize(
    "url",
    [
        "/programs/%00/",
        "/ministries/%00/",
        "/budget/2026/%00/",
        "/audit/object/%00/1/",
        "/api/v1/reports/?status=%00",
        "/api/v1/kpis/?program=%00",
        "/programs/export/csv/?sort=%00",
    ],
)
def test_nul_in_path_or_query_is_400(admin_client_, url):
    response = admin_client_.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_nul_in_review_comment_is_400(ministry):
    program = ProgramFactory(ministry=ministry)
    officer = UserFactory(username="g-officer", role=Role.OFFICER, ministry=ministry)
    report = ProgressReport.objects.create(
        program=program,
        period_start="2026-01-01",
        period_end="2026-03-31",
        created_by=officer,
        status="submitted",
    )
    reviewer = client_for(Role.REVIEWER, ministry)
    response = reviewer.post(
        "/review/", {"return_one": str(report.pk), f"comment_{report.pk}": "bad\x00comment"}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == "submitted"


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31"])
def test_audit_day_refuses_impossible_dates(auditor_client, value):
    response = auditor_client.get("/audit/day/", {"date": value})
    assert response.status_code == 400
    assert value in response.content.decode()


@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_audit_list_refuses_out_of_range_dates(auditor_client, name):
    response = auditor_client.get("/audit/", {name: "9999-12-31"})
    assert response.status_code == 400


def test_board_as_of_year_one_is_not_a_500(admin_client_):
    response = admin_client_.get("/", {"as_of": "0001-01-01"})
    assert response.status_code < 500
    assert "0001-01-01" in response.content.decode()


def test_if_match_of_5000_digits_is_400(admin_client_, ministry):
    officer = UserFactory(username="g-officer2", role=Role.OFFICER, ministry=ministry)
    report = ProgressReport.objects.create(
        program=ProgramFactory(ministry=ministry),
        period_start="2026-01-01",
        period_end="2026-03-31",
        created_by=officer,
    )
    response = admin_client_.patch(
        f"/api/v1/reports/{report.pk}/",
        data=json.dumps({"narrative": "x"}),
        content_type="application/json",
        headers={"If-Match": '"' + "9" * 5000 + '"'},
    )
    assert 400 <= response.status_code < 500


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deep_json_unauthenticated_on_token_endpoint_is_400(db):
    response = Client().post(
        "/api/v1/auth/token/", data=deep_json(50_000), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_deep_json_on_a_report_is_400(admin_client_):
    body = '{"values": ' + deep_json(50_000) + "}"
    response = admin_client_.post("/api/v1/reports/", data=body, content_type="application/json")
    assert response.status_code == 400


def test_moderate_json_still_accepted(db):
    response = Client().post(
        "/api/v1/auth/token/",
        data=json.dumps({"username": "nobody", "password": "x", "a": [[[1]]]}),
        content_type="application/json",
    )
    assert response.status_code != 413 and "nests deeper" not in response.content.decode()


def test_nul_in_json_string_is_400(admin_client_):
    response = admin_client_.post(
        "/api/v1/reports/",
        data=json.dumps({"program": "X\x00"}),
        content_type="application/json",
    )
    assert response.status_code == 400


# --- item 8: body limits --------------------------------------------------------------------


class NeverRead(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):  # type: ignore[override]
        raise AssertionError("the body was read")

    readline = read


def _huge_post(client: Client, path: str, content_type: str, size: int):
    return client.generic(
        "POST",
        path,
        data=b"",
        content_type=content_type,
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": NeverRead()},
    )


@pytest.mark.parametrize("path", ["/reports/upload/", "/reports/1/evidence/"])
def test_300_mb_upload_is_413_unread(admin_client_, path):
    response = _huge_post(
        admin_client_, path, "multipart/form-data; boundary=xyz", 300 * 1024 * 1024
    )
    assert response.status_code == 413


def test_json_body_over_its_limit_is_413_unread(db, settings):
    response = _huge_post(
        Client(), "/api/v1/auth/token/", "application/json", settings.REQUEST_BODY_MAX_BYTES + 1
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"]


def test_upload_at_the_documented_limit_is_not_413(admin_client_, settings):
    response = admin_client_.post(
        "/reports/upload/", {"file": io.BytesIO(b"x" * (5 * 1024 * 1024 - 100))}
    )
    assert response.status_code != 413


def test_content_length_not_a_number_is_400(db):
    response = Client().generic(
        "POST",
        "/api/v1/auth/token/",
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH="9" * 5000,
    )
    assert response.status_code in (400, 413)


def test_the_schema_documents_the_guards_answers(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
