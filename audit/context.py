"""Who is acting, for the audit trail: set per request by AuditContextMiddleware, or around a
command or task by ``audit_context(actor=..., source="command:load_budget")``. Outside both the
actor is "system", with the source "command:<name>" under manage.py (so every command is named
without calling anything) and "celery:<task>" in a Celery task (audit/signals.py).

The request context keeps the request itself, so the actor is read when an entry is written (after
a login the new user is the actor; DRF's token authentication sets ``request.user`` too).
"""

from __future__ import annotations

import contextvars
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

SYSTEM = "system"
# Groups the entries of one manage.py run made outside any audit_context.
_PROCESS_RUN_ID = uuid.uuid4().hex
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class Actor:
    """The actor as recorded on an entry."""

    user_id: int | None
    username: str
    ministry_id: int | None
    source: str
    request_id: str
    client_address: str


@dataclass(frozen=True)
class _Context:
    source: str
    request: HttpRequest | None = None
    user: Any = None
    request_id: str = ""
    client_address: str = ""


_current: contextvars.ContextVar[_Context | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def _actor_from_user(user: Any, ctx: _Context) -> Actor:
    if user is not None and getattr(user, "is_authenticated", False):
        return Actor(
            user_id=user.pk,
            username=user.get_username(),
            ministry_id=getattr(user, "ministry_id", None),
            source=ctx.source,
            request_id=ctx.request_id,
            client_address=ctx.client_address,
        )
    return Actor(
        user_id=None,
        username="" if ctx.request is not None else SYSTEM,
        ministry_id=None,
        source=ctx.source,
        request_id=ctx.request_id,
        client_address=ctx.client_address,
    )


def _default_source() -> str:
    """Outside any request or audit_context: "command:<name>" when run by manage.py, else
    "system"."""
    argv = sys.argv
    if len(argv) > 1 and os.path.basename(argv[0]) in ("manage.py", "django-admin"):
        return f"command:{argv[1]}"[:100]
    return SYSTEM


def current_actor() -> Actor:
    """The actor to record now."""
    ctx = _current.get()
    if ctx is None:
        source = _default_source()
        run_id = _PROCESS_RUN_ID if source != SYSTEM else ""
        return _actor_from_user(None, _Context(source=source, request_id=run_id))
    user = ctx.user
    if user is None and ctx.request is not None:
        user = getattr(ctx.request, "user", None)
    return _actor_from_user(user, ctx)


def is_active() -> bool:
    return _current.get() is not None


@contextmanager
def audit_context(
    *, actor: Any = None, source: str = SYSTEM, request_id: str = ""
) -> Iterator[None]:
    """Record ``actor`` (a User, or None for "system") as the actor of every entry written inside.

    Commands use it: ``with audit_context(actor=user, source="command:import_progress"): ...``.
    """
    token = _current.set(
        _Context(source=source, user=actor, request_id=request_id or uuid.uuid4().hex)
    )
    try:
        yield
    finally:
        _current.reset(token)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, behind ``settings.TRUSTED_PROXY_COUNT`` reverse
    proxies, the address the outermost of them saw (X-Forwarded-For, read from the right; the
    left part is whatever the client claimed). Also django-axes' AXES_CLIENT_IP_CALLABLE."""
    from django.conf import settings

    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies][:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def request_id_for(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex


class AuditContextMiddleware:
    """Sets the audit context for the request (after AuthenticationMiddleware) and echoes the
    request id in the X-Request-ID response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_for(request)
        request.audit_request_id = rid  # type: ignore[attr-defined]
        token = _current.set(
            _Context(
                source="web",
                request=request,
                request_id=rid,
                client_address=client_address(request),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = rid
        return response
