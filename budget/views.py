"""The budget pages: the tree of a fiscal year, one node, and two years compared. Thin: the
selectors read, the templates (with the ``money`` and ``budget_ui`` tags) present. Every
signed-in user may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.exporting import csv_response
from audit.services import audit_export
from budget import selectors
from budget.comparison import (
    CSV_COLUMNS,
    ComparisonYearError,
    compare_years,
    comparison_data,
    comparison_years,
)


@login_required
def budget_tree(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """``/budget/`` (the latest fiscal year) and ``/budget/<year>/``."""
    fiscal_years = list(selectors.fiscal_year_list())  # the latest first; also the year switch
    if year is None:
        fiscal_year = fiscal_years[0] if fiscal_years else None
    else:
        fiscal_year = next((fy for fy in fiscal_years if fy.year == year), None)
        if fiscal_year is None:
            raise Http404(_("No budget is loaded for fiscal year %(year)s.") % {"year": year})
    context: dict[str, object] = {
        "fiscal_year": fiscal_year,
        "fiscal_years": fiscal_years,
        "tree": selectors.budget_tree(fiscal_year) if fiscal_year is not None else None,
    }
    return render(request, "budget/tree.html", context)


@login_required
def budget_node(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """``/budget/<year>/<code>/``: one node of the tree."""
    fiscal_year = selectors.fiscal_year_get(year)
    if fiscal_year is None:
        raise Http404(_("No budget is loaded for fiscal year %(year)s.") % {"year": year})
    detail = selectors.budget_node_detail(fiscal_year, code)
    if detail is None:
        raise Http404(
            _("Fiscal year %(year)s has no budget item %(code)s.") % {"year": year, "code": code}
        )
    return render(request, "budget/node.html", {"fiscal_year": fiscal_year, "detail": detail})


@login_required
def budget_compare(request: HttpRequest) -> HttpResponse:
    """``/budget/compare/?year1=&year2=``: two fiscal years side by side (default: the two
    latest), one row per node code of either year."""
    fiscal_years = list(selectors.fiscal_year_list())
    context: dict[str, object] = {"fiscal_years": fiscal_years, "error": ""}
    try:
        year1, year2 = comparison_years(
            fiscal_years, request.GET.get("year1"), request.GET.get("year2")
        )
    except ComparisonYearError as exc:
        context["error"] = str(exc)
        asked = request.GET.get("year1") or request.GET.get("year2")
        return render(request, "budget/compare.html", context, status=404 if asked else 200)
    rows = compare_years(year1, year2)
    context.update(
        {
            "year1": year1,
            "year2": year2,
            "rows": rows,
            "totals": [r for r in rows if r.depth == 0],
            "counts": {
                change: sum(1 for r in rows if r.change == change)
                for change in ("added", "removed", "changed", "unchanged")
            },
        }
    )
    return render(request, "budget/compare.html", context)


@login_required
def budget_compare_csv(request: HttpRequest) -> HttpResponse:
    """``/budget/compare/export/csv/?year1=&year2=``: the comparison as ``compare_budget --format
    csv`` writes it."""
    try:
        year1, year2 = comparison_years(
            list(selectors.fiscal_year_list()), request.GET.get("year1"), request.GET.get("year2")
        )
    except ComparisonYearError as exc:
        raise Http404(str(exc)) from exc
    data = comparison_data(year1, year2)
    audit_export(
        what="budget comparison",
        file_format="csv",
        rows=len(data["rows"]),
        filters={"year1": year1.year, "year2": year2.year},
        actor=request.user,
    )
    rows = ([row[c] for c in CSV_COLUMNS] for row in data["rows"])
    return csv_response(f"budget-{year1.year}-{year2.year}.csv", CSV_COLUMNS, rows)
