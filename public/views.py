"""The public pages and their open data: no sign-in, approved figures only (public.selectors).

Anonymous by design: no view here reads ``request.user`` and the templates have their own frame
(public/_layout.html), so a signed-in reader sees exactly what anyone sees. Every response is
built from the cached figures (one query, the data version, when the cache is warm); the data
files are cached as bytes too. CSP and the security headers come from the middleware as on every
page.
"""

from __future__ import annotations

import csv
import io
import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from boards import cache as board_cache
from ops.cells import neutralize_row
from public.opendata import CSV_HEADER, csv_rows, open_data
from public.selectors import SHAPE, public_overview

# Caches and proxies may keep the data files this long (seconds); the pages carry a CSRF token
# (the language switch) and are not marked public.
DATA_MAX_AGE = 300


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    with board_cache.pinned_version():
        data = public_overview(timezone.localdate())
    return render(request, "public/overview.html", {"overview": data})


@require_safe
def program(request: HttpRequest, code: str) -> HttpResponse:
    with board_cache.pinned_version():
        data = public_overview(timezone.localdate())
    found = data.program(code) if data else None
    if found is None:
        raise Http404
    return render(request, "public/program.html", {"overview": data, "program": found})


def _json_bytes() -> bytes:
    data = public_overview(timezone.localdate())
    document = open_data(data) if data else {"format_version": 1, "programmes": []}
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def _csv_bytes() -> bytes:
    data = public_overview(timezone.localdate())
    out = io.StringIO()
    out.write("\ufeff")  # BOM: Excel opens UTF-8 (Korean) correctly
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in csv_rows(data) if data else []:
        writer.writerow(neutralize_row("" if v is None else v for v in row))
    return out.getvalue().encode()


def _data_response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={DATA_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@require_safe
def data_json(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate().isoformat()
    with board_cache.pinned_version():
        body = board_cache.cached("public-json", (SHAPE, day), _json_bytes)
    return _data_response(body, "application/json")


@require_safe
def data_csv(request: HttpRequest) -> HttpResponse:
    day = timezone.localdate().isoformat()
    with board_cache.pinned_version():
        body = board_cache.cached("public-csv", (SHAPE, day), _csv_bytes)
    response = _data_response(body, "text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ai-budget-results.csv"'
    return response
