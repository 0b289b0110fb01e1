"""The auditor's pages: the trail (filtered, paginated), one object's history, one day beside the
board as it stood, and CSV/xlsx exports of the filtered trail (each export itself audited).

Auditors and administrators only: everyone else gets 403, anonymous users the login page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role, has_role
from audit import selectors
from audit.exporting import csv_response, xlsx_response
from audit.filters import AuditEntryFilter
from audit.models import AuditEntry
from audit.services import audit_export
from audit.verification import verify_chain
from ops.dates import parse_optional_day

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def auditor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_role(request.user, Role.AUDITOR, Role.ADMINISTRATOR):
            raise PermissionDenied(_("The audit trail is for auditors and administrators."))
        return view(request, *args, **kwargs)

    return wrapped


def _querystring(request: HttpRequest, **drop: Any) -> str:
    params = request.GET.copy()
    for key in ("page", *drop):
        params.pop(key, None)
    return params.urlencode()


def changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field an entry names."""
    before = entry.before or {}
    after = entry.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [(k, before.get(k), after.get(k)) for k in keys]


@auditor_required
def entry_list(request: HttpRequest) -> HttpResponse:
    entry_filter = AuditEntryFilter(request.GET or None, queryset=selectors.audit_entry_list())
    paginator = Paginator(entry_filter.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "audit/list.html",
        {
            "filter": entry_filter,
            "page": page,
            "querystring": _querystring(request),
        },
        status=400 if entry_filter.is_bound and not entry_filter.is_valid() else 200,
    )


@auditor_required
def object_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    entries = list(selectors.audit_object_history(object_type=object_type, object_id=object_id))
    rows = [(e, changes(e)) for e in entries]
    return render(
        request,
        "audit/object.html",
        {"object_type": object_type, "object_id": object_id, "rows": rows},
    )


def _board_for(day: dt.date) -> Any:
    """The stored status board of that day, when the status app provides it."""
    try:
        from status.selectors import board_for
    except ImportError:  # pragma: no cover (the status app is optional for the audit trail)
        return None
    return board_for(day)


@auditor_required
def day_view(request: HttpRequest) -> HttpResponse:
    day = parse_optional_day(request.GET.get("date"), name="date") or timezone.localdate()
    entries = [(e, changes(e)) for e in selectors.audit_entries_on(day)]
    return render(
        request,
        "audit/day.html",
        {
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "entries": entries,
            "board": _board_for(day),
            "state": selectors.replay_state(day=day),
        },
    )


@auditor_required
def verify(request: HttpRequest) -> HttpResponse:
    """The verify button: walk the chain (as ``manage.py verify_audit``) and show the result and
    the head; optionally check a head recorded earlier (``SEQ:HASH``)."""
    verdict = None
    expect_head = ""
    if request.method == "POST":
        expect_head = (request.POST.get("expect_head") or "").strip()[:200]
        verdict = verify_chain(expect_head=expect_head)
    return render(request, "audit/verify.html", {"verdict": verdict, "expect_head": expect_head})


EXPORT_HEADER = (
    "seq",
    "at",
    "actor",
    "actor_ministry",
    "source",
    "action",
    "object_type",
    "object_id",
    "object",
    "ministry",
    "before",
    "after",
    "extra",
    "request_id",
    "client_address",
    "prev_hash",
    "hash",
)


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _export_rows(entries: list[AuditEntry]) -> Iterator[list[Any]]:
    for e in entries:
        yield [
            e.seq,
            timezone.localtime(e.at).isoformat(),
            e.actor_username,
            e.actor_ministry.code if e.actor_ministry else "",
            e.source,
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.ministry.code if e.ministry else "",
            _json(e.before),
            _json(e.after),
            _json(e.extra),
            e.request_id,
            e.client_address,
            e.prev_hash,
            e.hash,
        ]


def _export(request: HttpRequest, file_format: str) -> HttpResponse:
    entry_filter = AuditEntryFilter(request.GET or None, queryset=selectors.audit_entry_list())
    if entry_filter.is_bound and not entry_filter.is_valid():
        raise BadRequest(" ".join(str(e) for errs in entry_filter.errors.values() for e in errs))
    entries = list(entry_filter.qs[:EXPORT_LIMIT])
    audit_export(
        what="audit.auditentry",
        file_format=file_format,
        rows=len(entries),
        filters=entry_filter.applied() if entry_filter.is_bound else {},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"audit-trail-{stamp}.{file_format}"
    if file_format == "xlsx":
        return xlsx_response(name, EXPORT_HEADER, _export_rows(entries), title="audit trail")
    return csv_response(name, EXPORT_HEADER, _export_rows(entries))


@auditor_required
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@auditor_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
