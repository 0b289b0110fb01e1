"""The budget pages: the tree of a fiscal year and one node. Thin: the selectors read, the
templates (with the ``money`` and ``budget_ui`` tags) present. Every signed-in user may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from budget import selectors


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
