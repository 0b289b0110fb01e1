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


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "",
    formats: Sequence[str | None] = (),
    widths: Sequence[int | None] = (),
) -> bytes:
    """A workbook with a frozen, bold header row; ``formats`` gives a column's number format
    (e.g. ``"#,##0"``, ``"0.0%"``) and ``widths`` its width in characters (default: from the
    header)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(title or "export")[:31])
    ws.freeze_panes = "A2"
    for index, name in enumerate(header):
        width = widths[index] if index < len(widths) and widths[index] else None
        ws.column_dimensions[get_column_letter(index + 1)].width = width or max(
            10, min(40, len(str(name)) * 2 + 2)
        )
    bold = Font(bold=True)
    head = []
    for name in neutralize_row(header):
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        values = neutralize_row(row)
        if formats:
            cells: list[Any] = []
            for index, value in enumerate(values):
                number_format = formats[index] if index < len(formats) else None
                if number_format and isinstance(value, (int, float)):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = number_format
                    cells.append(cell)
                else:
                    cells.append(value)
            ws.append(cells)
        else:
            ws.append(values)
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
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "",
    formats: Sequence[str | None] = (),
    widths: Sequence[int | None] = (),
) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(header, rows, title=title, formats=formats, widths=widths),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
