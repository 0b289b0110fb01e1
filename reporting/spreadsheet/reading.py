"""Reading an uploaded file (.xlsx or CSV) into rows, with no checks against the database yet:
size and format limits, finding the key row, formulas refused as they are read."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reporting.spreadsheet.layout import (
    FORMAT_NAME,
    FORMAT_VERSION,
    META_SHEET,
    OPTIONAL_KEYS,
    REQUIRED_KEYS,
    column_labels,
)
from reporting.spreadsheet.preview import UploadError, UploadPreview, UploadRow, is_blank

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
MAX_BLANK_RUN = 1000
MAX_COLUMNS = 60
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _read_bytes(file: Any) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    limit = _setting("REPORT_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        chunks = []
        total = 0
        for chunk in file.chunks():
            total += len(chunk)
            chunks.append(chunk)
            if total > limit:
                break  # the size check reports it; no need to read the rest
        return b"".join(chunks)
    data: bytes = file.read(limit + 1)
    return data


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _save_as_xlsx(kind: str) -> str:
    return _(
        "this file is %(kind)s, which is not read here: open it in Excel or LibreOffice, "
        "choose File > Save As > Excel Workbook (.xlsx), and upload that file"
    ) % {"kind": kind}


def _sniff_kind(data: bytes) -> str | None:
    """A description of a known non-spreadsheet binary format, for the error message."""
    signatures = (
        (b"\x89PNG\r\n\x1a\n", _("a PNG image")),
        (b"\xff\xd8\xff", _("a JPEG image")),
        (b"GIF8", _("a GIF image")),
        (b"%PDF-", _("a PDF document")),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _("an old Excel 97-2003 workbook (.xls)")),
    )
    for magic, label in signatures:
        if data.startswith(magic):
            return str(label)
    return None


def _cell_text(value: Any) -> Any:
    """A cell value made JSON-safe, keeping numbers as numbers."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def _percent_cell(cell: Any) -> Any:
    """A cell's value; a number shown with a percent format (0.8 shown as 80%) is read as the
    text "80%", as it reads on screen: the checks then take it for a KPI measured in per cent
    and refuse it, saying what to type, for any other."""
    value = getattr(cell, "value", None)
    number_format = getattr(cell, "number_format", None) or ""
    if (
        "%" in number_format
        and isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
    ):
        try:
            shown = (Decimal(repr(value)) * 100).normalize()
        except ArithmeticError:
            return value
        return f"{shown:f}%"
    return value


def _looks_like_formula(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text.startswith(FORMULA_PREFIXES):
        return False
    if text[0] in "+-":
        try:
            Decimal(text.replace(",", ""))
        except ArithmeticError:
            return True
        return False
    return True


def _label_keys() -> dict[str, str]:
    """The template's column labels in every language -> their keys."""
    out: dict[str, str] = {}
    for language in ("en", "ko"):
        with translation.override(language):
            for key, label in column_labels().items():
                out[str(label).strip().lower()] = key
    return out


def _header_keys(cells: list[Any], names: dict[str, str] | None) -> dict[str, int]:
    keys: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            text = " ".join(cell.split()).lower()
            key = names.get(text) if names is not None else text
            if key:
                keys.setdefault(key, i)
    return keys


def _find_header(rows: Iterable[tuple[int, list[Any]]]) -> tuple[int, dict[str, int]] | None:
    """The row of column keys; without one (the template's hidden key row deleted), the row of
    the template's column labels, in Korean or English."""
    rows = list(rows)
    for number, cells in rows:
        keys = _header_keys(cells, None)
        if all(k in keys for k in REQUIRED_KEYS):
            return number, keys
    names = _label_keys()
    for number, cells in rows:
        keys = _header_keys(cells, names)
        if all(k in keys for k in REQUIRED_KEYS):
            return number, keys
    return None


def _rows_from_table(
    *,
    file_name: str,
    sheet: str,
    table: Iterable[tuple[int, list[Any], list[bool]]],
    preview: UploadPreview,
    max_rows: int,
) -> bool:
    """Read one sheet (or the CSV): find the key row, then every data row below it; False when
    there is no key row. ``table`` yields (row number, cell values, whether each cell holds a
    formula)."""
    iterator = iter(table)
    head: list[tuple[int, list[Any], list[bool]]] = []
    for item in iterator:
        head.append(item)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    found = _find_header((number, cells) for number, cells, _f in head)
    if found is None:
        return False
    header_number, keys = found
    columns = {k: keys[k] for k in (*REQUIRED_KEYS, *OPTIONAL_KEYS) if k in keys}
    letters = {k: get_column_letter(i + 1) for k, i in columns.items()}

    def data_rows() -> Iterable[tuple[int, list[Any], list[bool]]]:
        for item in head:
            if item[0] > header_number:
                yield item
        yield from iterator

    blank_run = 0
    for number, cells, formulas in data_rows():
        raw = {k: (cells[i] if i < len(cells) else None) for k, i in columns.items()}
        if all(is_blank(v) for v in raw.values()) and not any(formulas):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break  # the rest of a sheet whose stated size is far larger than its data
            continue
        blank_run = 0
        if len(preview.rows) >= max_rows:
            preview.file_errors.append(
                UploadError(
                    file=file_name,
                    sheet=sheet,
                    row=number,
                    message=_("too many rows: at most %(max)d data rows per upload")
                    % {"max": max_rows},
                )
            )
            return True
        row = UploadRow(sheet=sheet, row=number, columns=letters)
        for key, value in raw.items():
            setattr(row, key, _cell_text(value))
        for i, is_formula in enumerate(formulas):
            value = cells[i] if i < len(cells) else None
            is_input = i in columns.values()
            if is_formula or (is_input and _looks_like_formula(value)):
                key = next((k for k, c in columns.items() if c == i), "")
                row.formulas.append([get_column_letter(i + 1), key, _short(value)])
                if key:
                    setattr(row, key, None)
        preview.rows.append(row)
    return True


def _short(value: Any, limit: int = 30) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _no_header_error(file_name: str) -> UploadError:
    return UploadError(
        file=file_name,
        message=_(
            "no header row with the column keys %(keys)s in the first %(n)d rows; start from "
            "the downloaded template"
        )
        % {"keys": ", ".join(REQUIRED_KEYS), "n": HEADER_SEARCH_ROWS},
    )


def _damaged_workbook(file_name: str, exc: BaseException) -> UploadError:
    """The one error for a workbook that cannot be opened, whatever the library raised."""
    return UploadError(
        file=file_name,
        message=_("the workbook is damaged and cannot be read (%(reason)s)")
        % {"reason": str(exc) or exc.__class__.__name__},
    )


def _read_xlsx(data: bytes, file_name: str, preview: UploadPreview, max_rows: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
                preview.file_errors.append(
                    UploadError(
                        file=file_name, message=str(_save_as_xlsx(_("an OpenDocument file (.ods)")))
                    )
                )
                return
            if "[Content_Types].xml" not in names:
                preview.file_errors.append(
                    UploadError(
                        file=file_name,
                        message=_(
                            "this is a zip archive, not an Excel workbook; upload the .xlsx "
                            "template or a CSV file"
                        ),
                    )
                )
                return
            if "xl/workbook.xml" not in names:
                preview.file_errors.append(
                    UploadError(
                        file=file_name,
                        message=_(
                            "this Office file is not an Excel workbook (no xl/workbook.xml); "
                            "upload the .xlsx template or a CSV file"
                        ),
                    )
                )
                return
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
                preview.file_errors.append(
                    UploadError(
                        file=file_name,
                        message=_("the workbook unpacks to more than %(mb)d MB; it is refused")
                        % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)},
                    )
                )
                return
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        preview.file_errors.append(_damaged_workbook(file_name, exc))
        return
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        preview.file_errors.append(_damaged_workbook(file_name, exc))
        return
    try:
        if META_SHEET in wb.sheetnames:
            meta = {
                str(r[0]): r[1]
                for r in wb[META_SHEET].iter_rows(min_row=1, max_row=20, values_only=True)
                if r and r[0] is not None and len(r) > 1
            }
            version = meta.get("version")
            if meta.get("format") == FORMAT_NAME and str(version) != str(FORMAT_VERSION):
                preview.file_errors.append(
                    UploadError(
                        file=file_name,
                        sheet=META_SHEET,
                        message=_(
                            "the template is format version %(found)s; this site reads version "
                            "%(expected)d: download a new template"
                        )
                        % {"found": version, "expected": FORMAT_VERSION},
                    )
                )
                return
        read_any = False
        for ws in wb.worksheets:
            if ws.title == META_SHEET:
                continue

            def table(ws: Any = ws) -> Iterable[tuple[int, list[Any], list[bool]]]:
                for number, cells in enumerate(
                    ws.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1
                ):
                    values = [_percent_cell(c) for c in cells]
                    formulas = [getattr(c, "data_type", None) == "f" for c in cells]
                    yield number, values, formulas

            # A sheet without the key row is not a report sheet (notes, a chart): skipped.
            if _rows_from_table(
                file_name=file_name,
                sheet=ws.title,
                table=table(),
                preview=preview,
                max_rows=max_rows,
            ):
                read_any = True
        if not read_any:
            preview.file_errors.append(_no_header_error(file_name))
    except Exception as exc:  # a damaged sheet part fails while it is read
        preview.rows.clear()
        preview.file_errors.append(
            UploadError(
                file=file_name,
                message=_("the workbook is damaged and cannot be read (%(reason)s)")
                % {"reason": str(exc) or exc.__class__.__name__},
            )
        )
    finally:
        wb.close()


def _read_csv(data: bytes, file_name: str, preview: UploadPreview, max_rows: int) -> None:
    text: str | None = None
    # Excel's "Unicode text" is UTF-16 with a byte order mark (and tabs); its CSV is CP949 in
    # Korean Windows, or UTF-8 with a BOM ("CSV UTF-8").
    encodings = ("utf-16",) if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ()
    for encoding in (*encodings, "utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        preview.file_errors.append(
            UploadError(
                file=file_name,
                message=_(
                    "the CSV file is neither UTF-8 nor CP949 (EUC-KR) text; save it as CSV UTF-8"
                ),
            )
        )
        return
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)

    def table() -> Iterable[tuple[int, list[Any], list[bool]]]:
        for cells in reader:
            yield reader.line_num, list(cells), [False] * len(cells)

    try:
        if not _rows_from_table(
            file_name=file_name, sheet="", table=table(), preview=preview, max_rows=max_rows
        ):
            preview.file_errors.append(_no_header_error(file_name))
    except csv.Error as exc:
        preview.file_errors.append(
            UploadError(
                file=file_name,
                row=reader.line_num,
                message=_("the CSV file cannot be read here (%(reason)s)") % {"reason": exc},
            )
        )


def read_upload(*, file: Any, file_name: str | None = None) -> UploadPreview:
    """Read the uploaded file into rows (no checks against the database yet). The format is
    decided by the content: an .xlsx is a zip with ``[Content_Types].xml``; anything else must be
    CSV text."""
    name = file_name or getattr(file, "name", None) or "upload"
    name = str(name).replace("\\", "/").rsplit("/", 1)[-1][:200]
    limit = _setting("REPORT_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    max_rows = _setting("REPORT_UPLOAD_MAX_ROWS", DEFAULT_MAX_ROWS)
    size = getattr(file, "size", None)
    data = b"" if size is not None and size > limit else _read_bytes(file)
    preview = UploadPreview(file_name=name, file_format="")
    if (size is not None and size > limit) or len(data) > limit:
        preview.file_errors.append(
            UploadError(
                file=name,
                message=_("the file is %(size)s bytes; the limit is %(limit)s bytes")
                % {"size": f"{max(size or 0, len(data)):,}", "limit": f"{limit:,}"},
            )
        )
        return preview
    if not data:
        preview.file_errors.append(UploadError(file=name, message=_("the file is empty")))
        return preview
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        preview.file_format = "xlsx"
        _read_xlsx(data, name, preview, max_rows)
        return preview
    known = _sniff_kind(data)
    if known is not None and data.startswith(_OLE_MAGIC):
        preview.file_errors.append(UploadError(file=name, message=str(_save_as_xlsx(known))))
        return preview
    unicode_text = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if known is not None or (b"\x00" in data[:8192] and not unicode_text):
        preview.file_errors.append(
            UploadError(
                file=name,
                message=_(
                    "this file is %(kind)s, not an Excel workbook (.xlsx) or a CSV file; "
                    "upload the filled-in template"
                )
                % {"kind": known or _("binary data")},
            )
        )
        return preview
    preview.file_format = "csv"
    _read_csv(data, name, preview, max_rows)
    return preview
