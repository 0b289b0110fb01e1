"""Logs as JSON lines, with the request id, user and ministry of the audit context
(audit/context.py): ``RequestContextFilter`` adds them to every record, python-json-logger's
``JsonFormatter`` (as :func:`json_formatter` configures it) writes one JSON object per line with
them and any ``extra=`` fields. ``RequestLogMiddleware`` writes one line per request on the
``ops.request`` logger.

Wired in config/settings.py (LOGGING and MIDDLEWARE) and gunicorn.conf.py (gunicorn's own lines).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pythonjsonlogger.json import JsonFormatter

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

request_logger = logging.getLogger("ops.request")


def json_formatter() -> JsonFormatter:
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the fields the
    record carries beyond the standard ones (the context fields, ``extra=``), and ``exc`` (the
    traceback) when there is one; non-ASCII text as is, anything not JSON as its ``str()``."""
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger", "exc_info": "exc"},
        timestamp="time",
        json_ensure_ascii=False,
    )


_busy: contextvars.ContextVar[bool] = contextvars.ContextVar("ops_log_busy", default=False)


def _loaded_user(request: Any) -> Any:
    """The request's user if authentication has already loaded it, else None (reading a lazy
    user runs a query: never from inside a log call)."""
    user = getattr(request, "__dict__", {}).get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    from django.utils.functional import empty

    return None if wrapped is empty else wrapped


def context_fields() -> dict[str, Any]:
    """request_id, user, ministry and source from the audit context; never raises, never
    queries."""
    if _busy.get():
        return {}
    token = _busy.set(True)
    try:
        from audit import context as audit_context

        ctx = audit_context._current.get()
        if ctx is None:
            actor = audit_context.current_actor()
            return {
                "request_id": actor.request_id,
                "user": actor.username,
                "ministry": actor.ministry_id,
                "source": actor.source,
            }
        user = ctx.user if ctx.user is not None else _loaded_user(ctx.request)
        authenticated = user is not None and getattr(user, "is_authenticated", False)
        return {
            "request_id": ctx.request_id,
            "user": user.get_username() if authenticated else "",
            "ministry": getattr(user, "ministry_id", None) if authenticated else None,
            "source": ctx.source,
        }
    except Exception:  # logging must never fail the caller
        return {}
    finally:
        _busy.reset(token)


class StderrHandler(logging.StreamHandler):
    """A StreamHandler on whatever ``sys.stderr`` is when a record is written (not the one of
    when logging was configured, which test runners and daemonising may have closed)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class RequestContextFilter(logging.Filter):
    """Adds request_id, user, ministry and source to each record (unless already set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in context_fields().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _load_user(request: HttpRequest) -> None:
    """Loads the lazy request user (one session query, when the view did not already) so the
    request line names the user; a database error here only leaves the user out."""
    user = getattr(request, "user", None)
    with contextlib.suppress(Exception):
        bool(user is not None and user.is_authenticated)


class RequestLogMiddleware:
    """One log line per request (method, path, status, duration), inside the audit context (so
    after audit.context.AuditContextMiddleware in MIDDLEWARE). The query string is left out
    (it may carry tokens or personal data)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.monotonic()
        response = self.get_response(request)
        _load_user(request)
        status = response.status_code
        level = (
            logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        )
        request_logger.log(
            level,
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.monotonic() - start) * 1000, 1),
            },
        )
        return response
