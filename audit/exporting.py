"""CSV and xlsx download responses for the exports (the audit trail, the programme boards).

Every cell goes through the one neutralising rule of ops/cells.py (text a spreadsheet would run as
a formula gets a leading single quote; numbers stay numbers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

from ops.cells import neutralize_cell, neutralize_row

__all__ = ["csv_response", "neutralize_cell", "neutralize_row", "write_csv", "xlsx_response"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_csv(out: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(out)
    writer.writerow(neutralize_row(header))
    for row in rows:
        writer.writerow(neutralize_row("" if v is None else v for v in row))


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "") -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or "export")[:31])
    ws.append(neutralize_row(header))
    for row in rows:
        ws.append(neutralize_row(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # BOM: Excel opens UTF-8 (Korean) correctly
    write_csv(response, header, rows)
    return response


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = ""
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(header, rows, title=title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
