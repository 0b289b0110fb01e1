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
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.roles import Role, has_role
from audit import presentation, selectors
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
            "views": presentation.describe(page.object_list, get_language() or "ko"),
            "querystring": _querystring(request),
        },
        status=400 if entry_filter.is_bound and not entry_filter.is_valid() else 200,
    )


@auditor_required
def object_history(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    entries = selectors.audit_entry_list().filter(
        presentation.report_history_q(object_type, object_id)
    )
    language = get_language() or "ko"
    views = presentation.describe(entries.order_by("seq"), language)
    own = [v for v in views if v.entry.object_type == object_type]
    return render(
        request,
        "audit/object.html",
        {
            "object_type": object_type,
            "object_id": object_id,
            "type_label": presentation.type_label(object_type),
            "object_label": own[-1].object_label if own else object_id,
            "views": views,
        },
    )


def _board_for(day: dt.date) -> Any:
    """The stored status board of that day, when the status app provides it."""
    try:
        from status.selectors import board_for
    except ImportError:  # pragma: no cover (the status app is optional for the audit trail)
        return None
    return board_for(day)


def _labelled(state: Any) -> Any:
    presentation.label_report_states(state.reports)
    return state


@auditor_required
def day_view(request: HttpRequest) -> HttpResponse:
    day = parse_optional_day(request.GET.get("date"), name="date") or timezone.localdate()
    entries = presentation.describe(selectors.audit_entries_on(day), get_language() or "ko")
    return render(
        request,
        "audit/day.html",
        {
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "entries": entries,
            "board": _board_for(day),
            "state": _labelled(selectors.replay_state(day=day)),
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


# The exported columns; people read them under translated headers (EXPORT_LABELS). The before,
# after and extra columns keep the recorded JSON: they are the record the hashes cover.
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
EXPORT_LABELS = {
    "seq": gettext_lazy("Seq"),
    "at": gettext_lazy("When"),
    "actor": gettext_lazy("Who"),
    "actor_ministry": gettext_lazy("Their ministry"),
    "source": gettext_lazy("Source"),
    "action": gettext_lazy("Action"),
    "object_type": gettext_lazy("Kind of object"),
    "object_id": gettext_lazy("Object id"),
    "object": gettext_lazy("Object"),
    "ministry": gettext_lazy("Ministry"),
    "before": gettext_lazy("Before"),
    "after": gettext_lazy("After"),
    "extra": gettext_lazy("Details"),
    "request_id": gettext_lazy("Request"),
    "client_address": gettext_lazy("Address"),
    "prev_hash": gettext_lazy("Previous hash"),
    "hash": gettext_lazy("Hash"),
}
EXPORT_WIDTHS = (8, 20, 14, 10, 18, 10, 20, 8, 50, 10, 60, 60, 30, 34, 16, 66, 66)


def export_header() -> list[str]:
    return [str(EXPORT_LABELS[key]) for key in EXPORT_HEADER]


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _export_rows(entries: list[AuditEntry]) -> Iterator[list[Any]]:
    for e in entries:
        yield [
            e.seq,
            presentation.local_time(e.at),
            e.actor_username,
            e.actor_ministry.code if e.actor_ministry else "",
            presentation.source_label(e.source),
            e.get_action_display(),
            presentation.type_label(e.object_type) if e.object_type else "",
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
    header = export_header()
    if file_format == "xlsx":
        return xlsx_response(
            name, header, _export_rows(entries), title="audit trail", widths=EXPORT_WIDTHS
        )
    return csv_response(name, header, _export_rows(entries))


@auditor_required
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@auditor_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
