"""JSON log lines with the request id, user and ministry of the audit context."""

from __future__ import annotations

import io
import json
import logging
from typing import cast

import pytest
from django.conf import settings as django_settings
from django.utils.module_loading import import_string
from pythonjsonlogger.json import JsonFormatter

from accounts.roles import Role
from audit.context import audit_context
from budget.models import Ministry
from ops.logs import RequestContextFilter
from tests.factories import MinistryFactory, user_with_role


def configured_formatter() -> logging.Formatter:
    """The JSON formatter exactly as LOGGING configures it."""
    config = dict(django_settings.LOGGING["formatters"]["json"])
    formatter = import_string(config.pop("()"))(**config)
    assert isinstance(formatter, JsonFormatter)  # the kept library, not our own
    return formatter


@pytest.fixture
def json_lines():
    """Captures what the configured handler would write (same formatter and filter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configured_formatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    lines: list[dict] = []

    def read() -> list[dict]:
        lines[:] = [json.loads(line) for line in stream.getvalue().splitlines() if line]
        return lines

    yield read
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_settings_wire_the_json_formatter_and_filter(settings):
    console = settings.LOGGING["handlers"]["console"]
    assert settings.LOGGING["formatters"][console["formatter"]]["()"] == "ops.logs.json_formatter"
    assert settings.LOGGING["filters"]["context"]["()"] == "ops.logs.RequestContextFilter"
    assert "context" in console["filters"]
    assert "ops.logs.RequestLogMiddleware" in settings.MIDDLEWARE
    assert settings.MIDDLEWARE.index("ops.logs.RequestLogMiddleware") > settings.MIDDLEWARE.index(
        "audit.context.AuditContextMiddleware"
    )


@pytest.mark.django_db
def test_one_line_per_request_with_request_id_user_and_ministry(client, json_lines):
    ministry = cast(Ministry, MinistryFactory())
    officer = user_with_role(Role.OFFICER, username="officer-log", ministry=ministry)
    client.force_login(officer)
    response = client.get("/", HTTP_X_REQUEST_ID="req-abc-123")
    assert response["X-Request-ID"] == "req-abc-123"
    lines = [line for line in json_lines() if line["logger"] == "ops.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-abc-123"
    assert line["user"] == "officer-log"
    assert line["ministry"] == ministry.pk
    assert line["method"] == "GET" and line["path"] == "/"
    assert line["status"] == response.status_code
    assert line["level"] == ("INFO" if response.status_code < 400 else "WARNING")
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_user_named_even_when_the_view_does_not_read_it(client, json_lines):
    director = user_with_role(Role.DIRECTOR, username="director-log")
    client.force_login(director)
    client.get("/healthz")
    line = next(x for x in json_lines() if x["logger"] == "ops.request")
    assert line["user"] == "director-log"
    assert line["ministry"] is None


@pytest.mark.django_db
def test_anonymous_request_and_generated_request_id(client, json_lines):
    response = client.get("/healthz?token=secret")
    line = next(x for x in json_lines() if x["logger"] == "ops.request")
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["user"] == ""
    assert line["ministry"] is None
    assert line["path"] == "/healthz"
    assert "secret" not in json.dumps(line)  # the query string is not logged


@pytest.mark.django_db
def test_client_errors_are_warnings(client, json_lines):
    client.get("/no-such-page-at-all/")
    line = next(x for x in json_lines() if x["logger"] == "ops.request")
    assert line["status"] == 404 and line["level"] == "WARNING"


@pytest.mark.django_db
def test_lines_inside_a_command_or_task_context(json_lines):
    officer = user_with_role(Role.OFFICER, username="cmd-user")
    with audit_context(actor=officer, source="command:import_progress", request_id="run-1"):
        logging.getLogger("reporting").info("imported %d rows", 3, extra={"file": "p.json"})
    line = json_lines()[-1]
    assert line["message"] == "imported 3 rows"
    assert line["request_id"] == "run-1"
    assert line["user"] == "cmd-user"
    assert line["source"] == "command:import_progress"
    assert line["file"] == "p.json"


def test_exceptions_and_unserialisable_extras(json_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("x").exception("failed", extra={"obj": object()})
    line = json_lines()[-1]
    assert line["level"] == "ERROR"
    assert line["message"] == "failed"
    assert line["exc"].startswith("Traceback") and "ValueError: boom" in line["exc"]
    assert line["obj"].startswith("<object")
    assert line["user"] == "system"


def test_non_ascii_is_written_as_is(json_lines):
    logging.getLogger("x").info("보고서 %s건", 3)
    assert json_lines()[-1]["message"] == "보고서 3건"
