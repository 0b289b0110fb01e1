"""Bulk progress entry from a spreadsheet: /reports/upload/ (template download and file upload),
the preview of every row with its errors, and the confirmation that saves all or nothing.

Thin: reporting/spreadsheet/ reads, checks and saves. Between the preview and the confirmation
the rows read from the file are kept in the session (never the file itself), and everything is
checked again on confirmation.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role, has_role
from reporting import spreadsheet
from reporting.spreadsheet import UploadPreview, UploadRejected

SESSION_KEY = "report_uploads"
MAX_KEPT_UPLOADS = 3
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in template (.xlsx) or CSV file"),
        help_text=gettext_lazy("Nothing is saved before you have seen every row and confirmed."),
    )


def _require_entry(request: HttpRequest) -> None:
    if not has_role(request.user, Role.OFFICER, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only ministry officers and administrators enter progress."))


def _stored(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY, {}))


def _keep(request: HttpRequest, preview: UploadPreview) -> str:
    token = secrets.token_urlsafe(12)
    kept = _stored(request)
    for old in list(kept)[: max(0, len(kept) - MAX_KEPT_UPLOADS + 1)]:
        kept.pop(old)
    kept[token] = preview.to_data()
    request.session[SESSION_KEY] = kept
    return token


def _load(request: HttpRequest, token: str) -> UploadPreview:
    data = _stored(request).get(token)
    if data is None:
        raise Http404(_("This upload is no longer available; upload the file again."))
    return UploadPreview.from_data(data)


def _forget(request: HttpRequest, token: str) -> None:
    kept = _stored(request)
    kept.pop(token, None)
    request.session[SESSION_KEY] = kept


def _template_choices(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    ministries = spreadsheet.template_ministries(user=user)
    chosen = None
    code = request.GET.get("ministry")
    for ministry in ministries:
        if (ministry.code == code) if code else (ministry.pk == user.ministry_id):
            chosen = ministry
    if chosen is None and ministries:
        chosen = ministries[0]
    ends = spreadsheet.template_period_ends(user=user, ministry=chosen) if chosen else []
    return {
        "ministries": ministries,
        "ministry": chosen,
        "period_ends": ends,
        "default_end": spreadsheet.default_period_end(ends),
    }


@login_required
@require_http_methods(["GET", "POST"])
def upload_form(request: HttpRequest) -> HttpResponse:
    _require_entry(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        preview = spreadsheet.read_upload(file=form.cleaned_data["file"])
        token = _keep(request, preview)
        return redirect("reporting_upload:preview", token=token)
    context = {"form": form, **_template_choices(request)}
    return render(request, "reporting/upload.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def upload_template(request: HttpRequest) -> HttpResponse:
    _require_entry(request)
    choices = _template_choices(request)
    ministry = choices["ministry"]
    if ministry is None or ministry.code != request.GET.get("ministry"):
        raise Http404(_("No such ministry among those you may see."))
    try:
        period_end = date.fromisoformat(request.GET.get("period_end", ""))
    except ValueError:
        raise Http404(_("Choose a period end.")) from None
    if period_end not in choices["period_ends"]:
        raise Http404(_("No programme of this ministry has a period ending on that day."))
    data = spreadsheet.build_template(user=request.user, ministry=ministry, period_end=period_end)  # type: ignore[arg-type]
    response = HttpResponse(data, content_type=XLSX_TYPE)
    name = spreadsheet.template_filename(ministry=ministry, period_end=period_end)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _render_preview(
    request: HttpRequest, token: str, preview: UploadPreview, *, status: int = 200
) -> HttpResponse:
    rows_by_plan = {}
    for plan in preview.plans:
        for index in plan.rows:
            rows_by_plan[index] = plan
    rows = [
        {"row": row, "plan": rows_by_plan.get(i), "is_program": row.is_program_row}
        for i, row in enumerate(preview.rows)
    ]
    context = {
        "token": token,
        "preview": preview,
        "rows": rows,
        "errors": preview.errors,
        "file_errors": preview.file_errors,
        "to_save": preview.reports_to_save,
        "skipped": [p for p in preview.plans if p.action == "skip" and not p.errors and not p.note],
        "unchanged": [p for p in preview.plans if p.action == "skip" and p.note],
        "warnings": [w for row in preview.rows if not row.errors for w in row.warnings],
    }
    return render(request, "reporting/upload_preview.html", context, status=status)


@login_required
@require_GET
def upload_preview(request: HttpRequest, token: str) -> HttpResponse:
    _require_entry(request)
    preview = spreadsheet.check_upload(user=request.user, preview=_load(request, token))  # type: ignore[arg-type]
    return _render_preview(request, token, preview)


@login_required
@require_POST
def upload_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    _require_entry(request)
    preview = _load(request, token)
    try:
        saved = spreadsheet.upload_confirm(user=request.user, preview=preview)  # type: ignore[arg-type]
    except UploadRejected as exc:
        messages.error(request, _("Nothing was saved: the upload has errors (listed below)."))
        return _render_preview(request, token, exc.preview, status=400)
    _forget(request, token)
    messages.success(
        request,
        _("%(count)d reports saved and submitted for review from %(file)s.")
        % {"count": len(saved), "file": preview.file_name},
    )
    return redirect("reporting:dashboard")
