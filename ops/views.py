"""The operations views: /healthz, the 500 handler that answers 503 when the database is down
(config/urls.py ``handler500``), and the 404 handler that answers the API's JSON error shape under
/api/ (``handler404``)."""

from __future__ import annotations

import sys

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import server_error as django_server_error

from ops.health import health

DATABASE_ERRORS = (OperationalError, InterfaceError)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """No login, no sensitive data; 200 when healthy, 503 otherwise."""
    healthy, body = health()
    return JsonResponse(body, status=200 if healthy else 503)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except when the database is unreachable: then 503 (try again later),
    with Retry-After, so clients and load balancers see a temporary outage."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
        message = _("The service is temporarily unavailable. Please try again shortly.")
        response: HttpResponse
        if wants_json:
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "5"
        return response
    return django_server_error(request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A URL under /api/ that matches no route answers like the API's own 404s
    (``{"errors": [{"field": null, "message": ...}]}``, JSON); elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [{"field": None, "message": _("Not found.")}]}, status=404)
    return django_page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 400 that says why: the message of a ``BadRequest`` our code raised (a date parameter
    that is not a usable date, a filter out of range); Django's page for anything else."""
    if isinstance(exception, BadRequest) and str(exception):
        message = str(exception)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": None, "message": message}]}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return django_bad_request(request, exception or BadRequest())
