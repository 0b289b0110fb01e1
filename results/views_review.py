"""``/budget-review/``: the budget review of a fiscal year (results/review.py, docs/review.md) for
directors, auditors and administrators (everyone else: 403), with its CSV and xlsx exports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.roles import Role, has_role
from audit.exporting import csv_response, xlsx_response
from audit.services import audit_export
from budget.formatting import base_language
from budget.models import FiscalYear
from budget.selectors import pick_fiscal_year
from results import review_export
from results.review import Review, budget_review
from results.review_chart import scatter

READERS = (Role.DIRECTOR, Role.AUDITOR, Role.ADMINISTRATOR)


def _check(request: HttpRequest) -> None:
    if not has_role(request.user, *READERS):
        raise PermissionDenied


def _year(request: HttpRequest, years: list[FiscalYear]) -> FiscalYear | None:
    """``?year=`` when loaded, else the year of today (the latest loaded before it)."""
    raw = request.GET.get("year", "")
    asked = next((y for y in years if str(y.year) == raw), None) if raw else None
    return asked or pick_fiscal_year(years, timezone.localdate())


def _review(request: HttpRequest) -> tuple[list[FiscalYear], Review | None]:
    years = list(FiscalYear.objects.order_by("-year"))
    fy = _year(request, years)
    if fy is None:
        return years, None
    return years, budget_review(year=fy.year, today=timezone.localdate())


@login_required
def page(request: HttpRequest) -> HttpResponse:
    _check(request)
    years, review = _review(request)
    context: dict[str, Any] = {"years": years, "review": review}
    if review is not None:
        context["chart"] = scatter(
            review.points,
            execution_line=review.execution_line,
            achievement_line=review.rules.low_achievement,
            cap=review.rules.achievement_cap,
        )
        context["program_url_prefix"] = reverse("boards:program", args=["-"])[:-2]
        context["year_query"] = f"?year={review.fiscal_year}"
    return render(request, "results/review.html", context)


@login_required
def export(request: HttpRequest, file_format: str) -> HttpResponse:
    _check(request)
    _years, review = _review(request)
    if review is None:
        raise Http404(_("No budget is loaded."))
    data = list(review_export.rows(review, language=base_language(get_language())))
    audit_export(
        what="results.budget_review",
        file_format=file_format,
        rows=len(data),
        filters={"year": review.fiscal_year},
        actor=request.user,
    )
    name = f"budget-review-{review.fiscal_year}"
    header = review_export.header(review.fiscal_year)
    if file_format == "xlsx":
        return xlsx_response(
            f"{name}.xlsx",
            header,
            data,
            title=name,
            formats=review_export.formats(),
            widths=review_export.widths(),
        )
    return csv_response(f"{name}.csv", header, data)
