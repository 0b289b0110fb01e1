"""``/performance/``: the performance report of a fiscal year on a page, and its xlsx and PDF
downloads (the files of ``manage.py performance_report``). Officers and ministry reviewers read
their own ministry's; directors, auditors, administrators (and reviewers of every ministry) read
every ministry's, or one's."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.roles import Role, sees_all_ministries, user_roles
from audit.services import audit_export
from boards import cache as board_cache
from budget.formatting import base_language
from budget.models import FiscalYear, Ministry
from budget.selectors import fiscal_year_list, pick_fiscal_year
from results.exports import CONTENT_TYPES, file_name, report_file, row_count
from results.report import Report, performance_report


@dataclass
class Scope:
    years: list[FiscalYear]
    fiscal_year: FiscalYear | None
    ministry: Ministry | None
    ministries: list[Ministry]  # the ministry selector ([] when the reader sees one ministry)


def _scope(request: HttpRequest) -> Scope:
    """The year and ministry asked for, within what the reader may see (403 for a reader with no
    ministry to see; 404 for a year not loaded or a ministry out of reach)."""
    user = request.user
    years = list(fiscal_year_list())
    raw_year = request.GET.get("year", "").strip()
    if raw_year:
        fiscal_year = next((y for y in years if str(y.year) == raw_year), None)
        if fiscal_year is None:
            raise Http404(_("Fiscal year %(year)s is not loaded.") % {"year": raw_year})
    else:
        today = timezone.localdate()
        fiscal_year = pick_fiscal_year(years, today) or (years[0] if years else None)
    code = request.GET.get("ministry", "").strip()
    if sees_all_ministries(user):
        ministries = list(Ministry.objects.order_by("code"))
        ministry = None
        if code:
            ministry = next((m for m in ministries if m.code == code), None)
            if ministry is None:
                raise Http404(_("No ministry %(code)s.") % {"code": code})
        return Scope(years, fiscal_year, ministry, ministries)
    ministry_id = getattr(user, "ministry_id", None)
    if ministry_id is None or not user_roles(user) & {Role.OFFICER, Role.REVIEWER}:
        raise PermissionDenied(_("You have no ministry whose report you may read."))
    own = Ministry.objects.get(pk=ministry_id)
    if code and code != own.code:
        raise Http404(_("No ministry %(code)s.") % {"code": code})
    return Scope(years, fiscal_year, own, [])


def _report(scope: Scope) -> Report | None:
    if scope.fiscal_year is None:
        return None
    with board_cache.pinned_version():
        return performance_report(
            fiscal_year=scope.fiscal_year, ministry=scope.ministry, today=timezone.localdate()
        )


@login_required
def performance(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    report = _report(scope)
    query = ""
    if scope.fiscal_year is not None:
        query = f"?year={scope.fiscal_year.year}"
        if scope.ministry is not None and scope.ministries:
            query += f"&ministry={scope.ministry.code}"
    return render(
        request,
        "results/performance.html",
        {"scope": scope, "report": report, "query": query},
    )


@login_required
def performance_download(request: HttpRequest, file_format: str) -> HttpResponse:
    scope = _scope(request)
    report = _report(scope)
    if report is None:
        raise Http404(_("No fiscal year is loaded."))
    language = base_language(get_language())
    content = report_file(report, file_format=file_format, language=language)
    audit_export(
        what="performance_report",
        file_format=file_format,
        rows=row_count(report),
        filters={
            "year": report.fiscal_year.year,
            "ministry": report.ministry.code if report.ministry else None,
            "language": language,
        },
        actor=request.user,
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{file_name(report, file_format)}"'
    return response
