"""What a request may carry, checked before any view (or Django) reads it: the one middleware.

* **Size.** A body larger than its limit is refused with 413 from its ``Content-Length`` alone,
  before a byte of it is read or written to disk: ``multipart/form-data`` (the spreadsheet upload,
  evidence files) up to ``REQUEST_UPLOAD_MAX_BYTES``, any other body (JSON, forms) up to
  ``REQUEST_BODY_MAX_BYTES``. A ``Content-Length`` that is not a number is a 400. The proxy in
  front should refuse earlier still (``client_max_body_size``, see docs/audit.md).
* **NUL characters.** PostgreSQL cannot store ``\\x00`` in text, and no name, code, date or comment
  of ours contains one, so a NUL anywhere in the path, the query or a form field is a 400.
* **JSON.** A JSON body deeper than ``REQUEST_JSON_MAX_DEPTH`` levels, or with a NUL in a string,
  or that is not JSON at all, is a 400 here, whichever view (and parser) would receive it.

Refusals under ``/api/`` use the API's error shape (``{"errors": [{"field", "message"}]}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"
DEFAULT_BODY_MAX_BYTES = 1024 * 1024
DEFAULT_UPLOAD_MAX_BYTES = 12 * 1024 * 1024
DEFAULT_JSON_MAX_DEPTH = 32


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def refuse(
    request: HttpRequest, status: int, message: str, field: str | None = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"field": field, "message": message}]}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _depth_ok(value: Any, limit: int) -> bool:
    """Whether no container in the parsed JSON value nests deeper than ``limit`` (iterative)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
            if isinstance(item, dict) and any(NUL in k for k in item):
                return False
        elif isinstance(item, str) and NUL in item:
            return False
    return True


def json_problem(body: bytes) -> str:
    """Why a JSON body is refused, or "" when it is acceptable."""
    limit = _limit("REQUEST_JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH)
    try:
        value = json.loads(body)
    except RecursionError:
        return _("the JSON body nests deeper than %(n)d levels") % {"n": limit}
    except (ValueError, UnicodeDecodeError):
        return _("the body is not valid JSON")
    if not _depth_ok(value, limit):
        return _("the JSON body nests deeper than %(n)d levels or contains a NUL character") % {
            "n": limit
        }
    return ""


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.check(request)
        return refused if refused is not None else self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        nul = _("a NUL character is not allowed in %(where)s")
        if NUL in request.path_info or NUL in request.path:
            return refuse(request, 400, nul % {"where": _("the address")})
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in v for v in values):
                return refuse(request, 400, nul % {"where": key[:40] or "?"}, key[:40])
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length.strip()) if len(raw_length) <= 20 else -1
        except ValueError:
            length = -1
        if length < 0:
            return refuse(request, 400, _("the Content-Length header is not a number of bytes"))
        if length == 0:
            return None
        content_type = (request.content_type or "").lower()
        multipart = content_type.startswith("multipart/")
        limit = (
            _limit("REQUEST_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)
            if multipart
            else _limit("REQUEST_BODY_MAX_BYTES", DEFAULT_BODY_MAX_BYTES)
        )
        if length > limit:
            return refuse(
                request,
                413,
                _("the request body is %(size)s bytes; at most %(limit)s bytes are accepted here")
                % {"size": length, "limit": limit},
            )
        if content_type == "application/json" or content_type.endswith("+json"):
            problem = json_problem(request.body)
            if problem:
                return refuse(request, 400, problem)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.POST.lists():
                if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
                    return refuse(request, 400, nul % {"where": key[:40] or "?"}, key[:40])
        return None
