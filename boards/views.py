"""The status boards: thin views over boards.selectors. Every signed-in role may
read the boards; the programmes table and its exports are scoped to the reader's ministry for
officers and ministry reviewers (programs.selectors.program_scope_q)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from audit.exporting import csv_response, xlsx_response
from audit.services import audit_export
from boards import cache as board_cache
from boards import charts, selectors
from boards.exports import export_formats, export_header, export_rows, export_widths
from boards.filters import ProgramFilter
from boards.tables import CountedPaginator, ProgramTable, decorate_rows
from budget.formatting import base_language, format_value
from budget.models import FiscalYear, Ministry
from budget.selectors import pick_fiscal_year
from ops.dates import DateParameterError, parse_day
from status.services import status_results

PER_PAGE = 50


class NoBudget(Exception):
    """No fiscal year is loaded: the boards show how to load one."""


def _boards_view(view: Any) -> Any:
    """Signed-in readers only; with no budget loaded, an explanation instead of a 404."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # One read of the data's version for all the request's cached reads (``boards.cache``).
        with board_cache.pinned_version():
            as_of = _as_of(request)
            years = selectors.fiscal_years()
            asked = _asked_year(request, years)
            read_in = pick_fiscal_year(years, as_of.day)
            # A date with nothing stored (the dates listed have results), or a year other than
            # the one the date's results are stored for: computed for this request only, never
            # stored.
            other_year = asked is not None and read_in is not None and asked.pk != read_in.pk
            known_stored = as_of.day in as_of.dates and not other_year
            with status_results(
                as_of=as_of.day,
                known_stored=known_stored,
                fiscal_year=asked.year if other_year and asked else None,
            ) as recomputed:
                if recomputed:
                    board_cache.repin()  # read what was computed, not the cache's entries
                as_of.recomputed = recomputed
                as_of.year = asked.year if asked is not None else None
                request.board_as_of = as_of  # type: ignore[attr-defined]
                try:
                    return view(request, *args, **kwargs)
                except NoBudget:
                    return render(request, "boards/no_budget.html", status=200)

    return login_required(wrapper)


@dataclass
class AsOf:
    day: date
    today: date
    error: str
    dates: list[date]
    # Nothing is stored for the date: computed for this request from today's approvals.
    recomputed: bool = False
    # The fiscal year asked for with ``?year=`` (None: the as-of date's), kept in every link.
    year: int | None = None

    @property
    def params(self) -> list[str]:
        out = [] if self.day == self.today else [f"as_of={self.day.isoformat()}"]
        if self.year is not None:
            out.append(f"year={self.year}")
        return out

    @property
    def query(self) -> str:
        """``?as_of=...&year=...`` for a link to another board page (each only when chosen)."""
        return "?" + "&".join(self.params) if self.params else ""

    @property
    def more(self) -> str:
        """``&as_of=...&year=...``: the same, after a query string's own parameters."""
        return "".join(f"&{p}" for p in self.params)

    @property
    def is_today(self) -> bool:
        return self.day == self.today


def _as_of(request: HttpRequest) -> AsOf:
    today = timezone.localdate()
    raw = (request.GET.get("as_of") or "").strip()
    day, error = today, ""
    if raw:
        try:
            day = parse_day(raw, name="as_of")
        except DateParameterError as exc:
            error = _("%(problem)s Showing today.") % {"problem": exc}
        if day > today:
            day = today
            error = _("%(value)s is after today: showing today.") % {"value": raw}
    dates = selectors.as_of_dates()
    return AsOf(day, today, error, dates)


def _asked_year(request: HttpRequest, years: list[FiscalYear]) -> FiscalYear | None:
    """The loaded fiscal year asked for with ``?year=``, or None."""
    raw = request.GET.get("year", "")
    return next((y for y in years if str(y.year) == raw), None) if raw else None


def _fiscal_year(request: HttpRequest) -> tuple[FiscalYear, list[FiscalYear]]:
    """The fiscal year asked for (``?year=``), else the year of the as-of date (the latest loaded
    year before it when that year is not loaded); and every loaded year (the year selector)."""
    years = selectors.fiscal_years()
    as_of: AsOf = request.board_as_of  # type: ignore[attr-defined]
    fy = _asked_year(request, years) or pick_fiscal_year(years, as_of.day)
    if fy is None:
        raise NoBudget
    return fy, years


def _lang() -> str:
    return base_language(get_language())


def _base(request: HttpRequest) -> tuple[AsOf, FiscalYear, dict[str, Any]]:
    as_of: AsOf = request.board_as_of  # type: ignore[attr-defined]
    fy, years = _fiscal_year(request)
    context = {
        "as_of": as_of,
        "fiscal_year": fy,
        "fiscal_years": sorted(years, key=lambda y: y.year),
        "only_year": len(years) == 1,
    }
    return as_of, fy, context


@_boards_view
def board(request: HttpRequest) -> HttpResponse:
    """``/``: what is off track, how much money is at stake, and why."""
    as_of, fy, context = _base(request)
    context["page"] = selectors.board_page(
        as_of=as_of.day, fiscal_year=fy, only_year=context["only_year"]
    )
    return render(request, "boards/board.html", context)


def _program_filter(
    request: HttpRequest, as_of: AsOf, fy: FiscalYear, only_year: bool
) -> ProgramFilter:
    tree = selectors.board_tree(fy)
    ministries = selectors.ministries()
    rows = selectors.program_rows(
        as_of=as_of.day, fiscal_year=fy, user=request.user, only_year=only_year
    )
    return ProgramFilter(
        request.GET, queryset=rows, tree=tree, ministries=ministries, as_of=as_of.day
    )


@_boards_view
def programs(request: HttpRequest) -> HttpResponse:
    """``/programs/``: the filterable, sortable, paginated programmes table (htmx updates)."""
    as_of, fy, context = _base(request)
    filterset = _program_filter(request, as_of, fy, context["only_year"])
    table = ProgramTable(filterset.qs, as_of=as_of.day)
    paginate = {
        "per_page": PER_PAGE,
        "paginator_class": CountedPaginator,
        "count": selectors.program_count(filterset.qs),
    }
    RequestConfig(request, paginate=paginate).configure(table)
    # The page's rows as the table ordered and sliced them (``object_list.data`` is the sliced
    # queryset), loaded by ``program_page`` rather than by iterating the table.
    page_rows = selectors.program_page(table.page.object_list.data, as_of=as_of.day)
    rows = decorate_rows(page_rows, filterset.tree, as_of=as_of.day)
    context.update(
        {
            "filter": filterset,
            "table": table,
            "rows": rows,
            "program_url_prefix": reverse("boards:program", args=["-"])[:-2],
        }
    )
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "programs-results":
        return render(request, "boards/_programs_results.html", context)
    context["unfunded"] = selectors.unfunded_rows(
        as_of=as_of.day, fiscal_year=fy, user=request.user
    )
    return render(request, "boards/programs.html", context)


@_boards_view
def programs_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """``/programs/export/csv/`` and ``/programs/export/xlsx/``: the filtered rows, all pages, in
    the table's order."""
    as_of, fy, _context = _base(request)
    filterset = _program_filter(request, as_of, fy, _context["only_year"])
    table = ProgramTable(filterset.qs, as_of=as_of.day)
    RequestConfig(request, paginate=False).configure(table)
    rows = decorate_rows((row.record for row in table.rows), filterset.tree, as_of=as_of.day)
    filters = {k: v for k, v in request.GET.lists() if k not in ("page",)}
    audit_export(
        what="boards.programs",
        file_format=file_format,
        rows=len(rows),
        filters=filters,
        actor=request.user,
    )
    data = list(export_rows(rows, tree=filterset.tree, language=_lang()))
    name = f"programmes-{as_of.day.isoformat()}"
    header = export_header()
    if file_format == "xlsx":
        return xlsx_response(
            f"{name}.xlsx",
            header,
            data,
            title=name,
            formats=export_formats(),
            widths=export_widths(),
        )
    return csv_response(f"{name}.csv", header, data)


def _kpi_tick(kpi: Any, language: str, value: Decimal) -> str:
    return format_value(value, language, unit=kpi.unit, decimals=kpi.value_decimals)


def _day_tick(language: str, day: date, years: bool) -> str:
    """An x tick: "2027" for a year, "2026년 4월" / "Apr 2026" for a quarter."""
    if years:
        return str(day.year)
    if language == "ko":
        return f"{day.year}년 {day.month}월"
    return day.strftime("%b %Y")


@_boards_view
def program(request: HttpRequest, code: str) -> HttpResponse:
    """``/programs/<code>/``: KPIs with status, explanation, forecast and charts; budget
    execution; report history; status history."""
    as_of, fy, context = _base(request)
    detail = selectors.program_detail(code=code, as_of=as_of.day, fiscal_year=fy, user=request.user)
    if detail is None:
        raise Http404(_("No programme %(code)s.") % {"code": code})
    kpi_charts = []
    lang = base_language(get_language())
    for view in detail.kpis:
        actual_by_day: dict[date, Any] = {}
        for h in view.history:
            if h.assessed_at is not None and h.actual is not None:
                actual_by_day[h.assessed_at] = h.actual
        row = view.row
        forecast = None
        if row and row.forecast_value is not None and row.assessed_at and row.actual is not None:
            forecast = (
                row.assessed_at,
                row.actual,
                row.target_date or view.version.target_date,
                row.forecast_value,
            )
        chart = charts.kpi_chart(
            kind=view.kpi.kind,
            version=view.version,
            start=detail.program.start,
            end=detail.program.end,
            actual=sorted(actual_by_day.items()),
            forecast=forecast,
            value_label=functools.partial(_kpi_tick, view.kpi, lang),
            day_label=functools.partial(_day_tick, lang),
        )
        if row is not None:
            row.kpi = view.kpi  # money KPIs explain their figures as amounts
        kpi_charts.append((view, chart))
    bars = []
    if detail.row is not None and detail.row.allocated_won is not None:
        bars = charts.execution_bars(
            allocated=detail.row.allocated_won,
            executed=detail.row.executed_won,
            expected_share=detail.row.expected_share,
            labels={
                "allocated": _("Allocated"),
                "expected": _("Expected by now"),
                "executed": _("Executed"),
            },
        )
    context.update({"detail": detail, "kpi_charts": kpi_charts, "bars": bars})
    return render(request, "boards/program.html", context)


@_boards_view
def ministries(request: HttpRequest) -> HttpResponse:
    as_of, fy, context = _base(request)
    context["lines"] = selectors.ministry_lines(as_of=as_of.day, fiscal_year=fy)
    context["periods"] = selectors.current_periods(as_of.day)
    return render(request, "boards/ministries.html", context)


@_boards_view
def ministry(request: HttpRequest, code: str) -> HttpResponse:
    as_of, fy, context = _base(request)
    m = Ministry.objects.filter(code=code).first()
    if m is None:
        raise Http404(_("No ministry %(code)s.") % {"code": code})
    page = selectors.board_page(
        as_of=as_of.day,
        fiscal_year=fy,
        ministry=m,
        attention_limit=None,
        only_year=context["only_year"],
    )
    context.update(
        {
            "ministry": m,
            "page": page,
            "overdue": list(
                selectors.overdue_reports(
                    as_of=as_of.day, fiscal_year=fy, ministry=m, known_by=page.known_by
                )
            ),
            "rows": list(
                selectors.program_rows(
                    as_of=as_of.day, fiscal_year=fy, only_year=context["only_year"]
                ).filter(program__ministry=m)
            ),
        }
    )
    return render(request, "boards/ministry.html", context)


@_boards_view
def classification(request: HttpRequest) -> HttpResponse:
    _as_of_unused, fy, context = _base(request)
    context["data"] = selectors.classification(fiscal_year=fy)
    return render(request, "boards/classification.html", context)


@_boards_view
def briefing(request: HttpRequest) -> HttpResponse:
    """``/briefing/`` (whole budget), ``?pillar=CODE``, ``?ministry=CODE``: print-ready."""
    as_of, fy, context = _base(request)
    pillar = ministry_obj = None
    tree = selectors.board_tree(fy)
    if code := request.GET.get("pillar"):
        pillar = next((n for n in tree.pillars if n.code == code), None)
        if pillar is None:
            raise Http404(_("No pillar %(code)s.") % {"code": code})
    elif code := request.GET.get("ministry"):
        ministry_obj = Ministry.objects.filter(code=code).first()
        if ministry_obj is None:
            raise Http404(_("No ministry %(code)s.") % {"code": code})
    context["page"] = selectors.board_page(
        as_of=as_of.day,
        fiscal_year=fy,
        pillar=pillar,
        ministry=ministry_obj,
        attention_limit=None,
        only_year=context["only_year"],
    )
    context["tree"] = tree
    return render(request, "boards/briefing.html", context)
