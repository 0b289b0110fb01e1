"""Every API error as ``{"errors": [{"field": ..., "message": ...}]}`` with the right status.

``field`` names the input the error concerns (``"values.NACC-GPU"``, ``"period_end"``,
``"If-Match"``), or is ``null`` when the error concerns the whole request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import IdempotencyKeyError
from reporting.services import InvalidTransitionError, StaleReportError
from reporting.validation import DuplicateReportError, ReportInputError


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy(
        "Send the version you read: an If-Match header with the ETag, or a version field."
    )
    default_code = "precondition_required"


class StaleVersion(exceptions.APIException):
    """The report changed since the client read it: 412 for If-Match, 409 for a version field."""

    def __init__(self, error: StaleReportError, *, field: str, status_code: int):
        super().__init__(str(error))
        self.status_code = status_code
        self.field = field
        self.current_version = error.current_version


def error_body(errors: list[tuple[str | None, str]]) -> dict[str, Any]:
    return {"errors": [{"field": f, "message": str(m)} for f, m in errors]}


def _flatten(detail: Any, prefix: str | None = None) -> list[tuple[str | None, str]]:
    if isinstance(detail, dict):
        out: list[tuple[str | None, str]] = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else str(key)
            full = f"{prefix}.{name}" if prefix and name else (name or prefix)
            out.extend(_flatten(value, full))
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out.extend(_flatten(item, prefix))
        return out
    return [(prefix, str(detail))]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, DuplicateReportError):
        return Response(
            error_body([(e.field, e.message) for e in exc.errors]),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ReportInputError):
        return Response(
            error_body([(e.field, e.message) for e in exc.errors]),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, InvalidTransitionError):
        return Response(error_body([("status", exc.message)]), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, StaleVersion):
        headers["ETag"] = f'"{exc.current_version}"'
        return Response(
            error_body([(exc.field, str(exc.detail))]), status=exc.status_code, headers=headers
        )
    if isinstance(exc, IdempotencyKeyError):
        return Response(error_body([(IDEMPOTENCY_HEADER, exc.message)]), status=exc.status_code)
    if isinstance(exc, PreconditionRequired):
        return Response(error_body([("If-Match", str(exc.detail))]), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or not in your scope."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    elif isinstance(exc, exceptions.APIException):
        errors = [(None, str(exc.detail))]
    else:
        errors = [(None, str(exc))]
    response.data = error_body(errors)
    return response
