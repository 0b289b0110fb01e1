"""Login throttling on top of django-axes: which failures lock what, and what a locked-out person
is told.

* A username and the address it is tried from are locked together after ``AXES_FAILURE_LIMIT``
  failures (5 by default): a colleague behind the same office NAT or proxy still signs in, and the
  same username from another address too.
* An address has its own, higher limit over every username (``LOGIN_FAILURE_LIMIT_PER_ADDRESS``,
  50 by default), against one client guessing many usernames. django-axes takes one limit for all
  its lockout parameters, so :func:`lockout_parameters` (``AXES_LOCKOUT_PARAMETERS``) switches to
  locking the address once that address's failures within the cool-off time reach the higher
  limit.
* :func:`lockout_response` (``AXES_LOCKOUT_CALLABLE``) answers 429 with a ``Retry-After`` and a
  message saying what is locked, for how long and what to do: JSON in the API's error shape under
  ``/api/``, a page elsewhere.
"""

from __future__ import annotations

import math
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

PAIR: list[Any] = [["username", "ip_address"]]
ADDRESS: list[Any] = ["ip_address"]
DEFAULT_ADDRESS_LIMIT = 50


def address_failure_limit() -> int:
    return int(getattr(settings, "LOGIN_FAILURE_LIMIT_PER_ADDRESS", DEFAULT_ADDRESS_LIMIT))


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address within the cool-off time, every username."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    total = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return int(total or 0)


def lockout_parameters(request_or_attempt: Any, credentials: Any = None) -> list[Any]:
    """``AXES_LOCKOUT_PARAMETERS``: the username-and-address pair, or the address alone once it
    has reached its own limit (remembered on the request for :func:`lockout_response`)."""
    request = request_or_attempt
    if not isinstance(request, HttpRequest) or not hasattr(request, "axes_ip_address"):
        return PAIR  # an AccessAttempt (axes' admin and clean-up): the pair it was recorded for
    if address_failures(request) >= address_failure_limit():
        request.login_address_locked = True  # type: ignore[attr-defined]
        return ADDRESS
    return PAIR


def lockout_message(request: HttpRequest) -> tuple[str, int]:
    """(what the person is told, seconds until they may try again)."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = max(1, math.ceil(seconds / 60))
    if getattr(request, "login_address_locked", False):
        message = _(
            "Too many failed sign-ins from your network address: signing in from it is paused "
            "for %(minutes)d minutes. If you did not cause this, tell an administrator."
        )
    else:
        message = _(
            "This account is locked after too many failed sign-ins from your network address. "
            "Try again in %(minutes)d minutes, or ask an administrator to unlock it."
        )
    return message % {"minutes": minutes}, seconds


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429, with the message of :func:`lockout_message`."""
    message, seconds = lockout_message(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"errors": [{"field": None, "message": message}]}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
