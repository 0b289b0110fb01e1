"""Progress in bulk from a spreadsheet: the template an officer downloads, the upload it comes back
as, the preview of every row with its errors, and the all-or-none confirmation.

The layout (format version :data:`FORMAT_VERSION`), one sheet "Report":

* row 1: a title (ministry and period); row 2: how to fill it in; row 3: the column labels in the
  user's language; row 4 (hidden): the machine keys of :data:`COLUMNS`, which the upload reads to
  find its columns, so a CSV saved from the template, or a hand-made CSV whose header row holds
  the keys ``program, period_end, kpi, value, executed_won, narrative``, is read the same way;
* then, per programme, one programme row (no ``kpi``) for the budget executed in the period
  (whole won), the narrative and the over-execution confirmation, followed by one row per KPI for
  its value. Only the input cells (yellow) are unlocked; the sheet is protected (no password) so
  the header and the reference columns are not changed by accident;
* a hidden sheet "_meta" carries the format name and version, the ministry and the period.

Every uploaded row is checked with reporting/validation.py and, without saving, with the workflow
of reporting/services.py; each error names the file, sheet, row, column and why. Confirming saves
every report or none: drafts are created or updated and submitted through the services.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kpis.kinds import kind_of
from kpis.models import KPI
from programs.models import Program
from programs.periods import Period
from programs.selectors import program_reporting_periods, programs_for_user
from reporting.models import KPIValue, ProgressReport, ReportStatus
from reporting.services import (
    InvalidTransitionError,
    StaleReportError,
    report_create_draft,
    report_submit,
    report_update,
)
from reporting.validation import InputError, ReportInputError, validate_report_input

if TYPE_CHECKING:
    from accounts.models import User
    from budget.models import Ministry

FORMAT_NAME = "ai-budget-tracker/progress-template"
FORMAT_VERSION = 1
SHEET_TITLE = "Report"
META_SHEET = "_meta"
KEY_ROW = 4
FIRST_DATA_ROW = 5

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
MAX_BLANK_RUN = 1000
MAX_COLUMNS = 60

# (key, width). Labels are in column_labels(); the keys are the file format.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("program", 14),
    ("period_end", 12),
    ("kpi", 16),
    ("name", 48),
    ("unit", 12),
    ("kind", 12),
    ("enter", 30),
    ("target", 30),
    ("previous", 36),
    ("value", 16),
    ("executed_won", 22),
    ("narrative", 48),
    ("confirm_over_execution", 16),
    ("report_status", 16),
)
COLUMN_INDEX = {key: i + 1 for i, (key, _width) in enumerate(COLUMNS)}
REQUIRED_KEYS = ("program", "period_end", "kpi", "value")
INPUT_KEYS = ("program", "period_end", "kpi", "value", "executed_won", "narrative")
OPTIONAL_KEYS = ("executed_won", "narrative", "confirm_over_execution")
FORMULA_PREFIXES = ("=", "+", "-", "@")
YES_WORDS = {"yes", "y", "true", "1", "o", "예", "네"}

INPUT_FILL = PatternFill("solid", fgColor="FFF4C2")
PROGRAM_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
UNLOCKED = Protection(locked=False)


def column_labels() -> dict[str, str]:
    return {
        "program": _("Programme code"),
        "period_end": _("Period end"),
        "kpi": _("KPI code"),
        "name": _("Programme / KPI"),
        "unit": _("Unit"),
        "kind": _("Kind"),
        "enter": _("What to enter"),
        "target": _("Target"),
        "previous": _("Previous approved values"),
        "value": _("Value (enter)"),
        "executed_won": _("Budget executed this period, won (enter)"),
        "narrative": _("Narrative (enter)"),
        "confirm_over_execution": _("Confirm over-execution (yes)"),
        "report_status": _("Current report"),
    }


def what_to_enter(kind: str) -> str:
    return str(kind_of(kind).sheet_help)


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value.normalize():,f}"
    return text


# Reads for the template form ---------------------------------------------------------------------


def template_ministries(*, user: User) -> list[Ministry]:
    """The ministries with programmes the user may see (one query)."""
    from budget.models import Ministry

    ids = programs_for_user(user).values("ministry_id")
    return list(Ministry.objects.filter(pk__in=ids).order_by("code"))


def template_period_ends(*, user: User, ministry: Ministry) -> list[date]:
    """Every period end of the ministry's programmes, sorted."""
    ends: set[date] = set()
    for program in programs_for_user(user).filter(ministry=ministry):
        ends.update(p.end for p in program_reporting_periods(program))
    return sorted(ends)


def default_period_end(ends: Sequence[date], *, today: date | None = None) -> date | None:
    """The latest period end on or before today, else the first."""
    today = today or timezone.localdate()
    past = [d for d in ends if d <= today]
    if past:
        return past[-1]
    return ends[0] if ends else None


# The template ------------------------------------------------------------------------------------


@dataclass
class _TemplateProgram:
    program: Program
    period: Period
    kpis: list[KPI]


def _template_programs(
    *, user: User, ministry: Ministry, period_end: date
) -> list[_TemplateProgram]:
    programs = (
        programs_for_user(user)
        .filter(ministry=ministry)
        .prefetch_related("kpis")
        .order_by("node__path")
    )
    out = []
    for program in programs:
        for period in program_reporting_periods(program):
            if period.end == period_end:
                out.append(_TemplateProgram(program, period, list(program.kpis.all())))
                break
    return out


def build_template(*, user: User, ministry: Ministry, period_end: date) -> bytes:
    """An .xlsx pre-filled with one row per programme of ``ministry`` (in the user's scope) that
    has a reporting period ending on ``period_end``, and one row per KPI of each."""
    items = _template_programs(user=user, ministry=ministry, period_end=period_end)
    program_ids = [item.program.pk for item in items]

    # Previous approved values (the current revisions of earlier periods), by KPI and programme.
    previous_values: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    previous_executed: dict[int, list[tuple[date, int]]] = defaultdict(list)
    approved = ProgressReport.objects.filter(
        program_id__in=program_ids, is_current=True, period_end__lt=period_end
    ).order_by("period_end")
    for report in approved.only("id", "program_id", "period_end", "executed_won"):
        if report.executed_won is not None:
            previous_executed[report.program_id].append((report.period_end, report.executed_won))
    for value in (
        KPIValue.objects.filter(report__in=approved)
        .select_related("report")
        .order_by("report__period_end")
    ):
        previous_values[value.kpi_id].append((value.report.period_end, value.value))

    # Open reports of this period: their values pre-fill the input cells.
    open_reports = {
        r.program_id: r
        for r in ProgressReport.objects.filter(
            program_id__in=program_ids, period_end=period_end
        ).exclude(status=ReportStatus.APPROVED)
    }
    current_reports = {
        r.program_id: r
        for r in ProgressReport.objects.filter(
            program_id__in=program_ids, period_end=period_end, is_current=True
        )
    }
    open_values: dict[tuple[int, int], Decimal] = {
        (v.report_id, v.kpi_id): v.value
        for v in KPIValue.objects.filter(report__in=list(open_reports.values()))
    }

    labels = column_labels()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    last_col = get_column_letter(len(COLUMNS))
    ministry_name = ministry.name_ko if _korean() and ministry.name_ko else ministry.name
    ws["A1"] = _("Progress report: %(ministry)s, period ending %(date)s") % {
        "ministry": f"{ministry.code} {ministry_name}",
        "date": period_end.isoformat(),
    }
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A2"] = _(
        "Fill in the yellow cells only: on each programme row the budget executed in this period "
        "(whole won) and a narrative; on each KPI row its value as the column 'What to enter' "
        "says. Type plain numbers, no formulas. Leave a programme empty to skip it. Then upload "
        "the file (xlsx, or CSV) on the bulk upload page: every row is checked and shown before "
        "anything is saved."
    )
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[2].height = 48
    for key, width in COLUMNS:
        col = COLUMN_INDEX[key]
        letter = get_column_letter(col)
        header = ws.cell(row=3, column=col, value=labels[key])
        header.font = Font(bold=True, color="FFFFFF")
        header.fill = HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="center")
        ws.cell(row=KEY_ROW, column=col, value=key)
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[3].height = 36
    ws.row_dimensions[KEY_ROW].hidden = True

    value_validation = DataValidation(
        type="decimal",
        operator="between",
        formula1="-999999999999999",
        formula2="999999999999999",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Not a number"),
        error=_("Enter a plain number."),
    )
    money_validation = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Not an amount"),
        error=_("Enter the whole won executed in this period (0 or more)."),
    )
    ws.add_data_validation(value_validation)
    ws.add_data_validation(money_validation)

    row = FIRST_DATA_ROW
    for item in items:
        program = item.program
        open_report = open_reports.get(program.pk)
        current = current_reports.get(program.pk)
        status_text = ""
        if open_report is not None:
            status_text = _("revision %(revision)d, %(status)s") % {
                "revision": open_report.revision,
                "status": open_report.get_status_display(),
            }
        elif current is not None:
            status_text = _("approved (revision %(revision)d)") % {"revision": current.revision}
        frequency = program.frequency
        previous_money = "; ".join(
            f"{_label(day, frequency)}: {_number(amount)}"
            for day, amount in previous_executed[program.pk][-4:]
        )
        cells: dict[str, Any] = {
            "program": program.code,
            "period_end": period_end.isoformat(),
            "kpi": None,
            "name": _node_name(program),
            "unit": _("won"),
            "kind": "",
            "enter": _("budget executed in this period (whole won) and a narrative"),
            "target": _("allocation %(amount)s won") % {"amount": _number(program.node.amount_won)},
            "previous": previous_money,
            "value": None,
            "executed_won": open_report.executed_won if open_report else None,
            "narrative": open_report.narrative if open_report and open_report.narrative else None,
            "confirm_over_execution": (
                "yes" if open_report is not None and open_report.over_execution_confirmed else None
            ),
            "report_status": status_text,
        }
        _write_row(ws, row, cells, program_row=True)
        money_validation.add(ws.cell(row=row, column=COLUMN_INDEX["executed_won"]))
        row += 1
        for kpi in item.kpis:
            target = _number(kpi.target)
            if kpi.target_text:
                target = f"{target} ({kpi.target_text})"
            target = _("%(target)s by %(date)s") % {
                "target": target,
                "date": kpi.target_date.isoformat(),
            }
            kpi_name = kpi.name_ko if _korean() and kpi.name_ko else kpi.name
            existing = (
                open_values.get((open_report.pk, kpi.pk)) if open_report is not None else None
            )
            cells = {
                "program": program.code,
                "period_end": period_end.isoformat(),
                "kpi": kpi.code,
                "name": kpi_name,
                "unit": kpi.unit,
                "kind": str(kpi.get_kind_display()),
                "enter": what_to_enter(kpi.kind),
                "target": target,
                "previous": "; ".join(
                    f"{_label(day, frequency)}: {_number(value)}"
                    for day, value in previous_values[kpi.pk][-4:]
                ),
                "value": existing,
                "executed_won": None,
                "narrative": None,
                "confirm_over_execution": None,
                "report_status": "",
            }
            _write_row(ws, row, cells, program_row=False)
            value_validation.add(ws.cell(row=row, column=COLUMN_INDEX["value"]))
            row += 1

    ws.freeze_panes = f"{get_column_letter(COLUMN_INDEX['name'] + 1)}{FIRST_DATA_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False

    meta = wb.create_sheet(META_SHEET)
    for i, (meta_key, meta_value) in enumerate(
        (
            ("format", FORMAT_NAME),
            ("version", FORMAT_VERSION),
            ("ministry", ministry.code),
            ("period_end", period_end.isoformat()),
            ("generated_at", timezone.now().isoformat(timespec="seconds")),
            ("generated_by", user.get_username()),
        ),
        start=1,
    ):
        meta.cell(row=i, column=1, value=meta_key)
        meta.cell(row=i, column=2, value=meta_value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_filename(*, ministry: Ministry, period_end: date) -> str:
    return f"progress-{ministry.code.lower()}-{period_end.isoformat()}.xlsx"


def _korean() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("ko")


def _node_name(program: Program) -> str:
    node = program.node
    return node.name_ko if _korean() and node.name_ko else node.name


def _label(day: date, frequency: str) -> str:
    from programs.periods import period_containing

    return period_containing(day, frequency).label(frequency)


def _write_row(ws: Any, row: int, cells: dict[str, Any], *, program_row: bool) -> None:
    inputs = ("executed_won", "narrative", "confirm_over_execution") if program_row else ("value",)
    for key, value in cells.items():
        cell = ws.cell(row=row, column=COLUMN_INDEX[key], value=value)
        if key in inputs:
            cell.fill = INPUT_FILL
            cell.protection = UNLOCKED
            if key == "executed_won":
                cell.number_format = "#,##0"
            if key == "narrative":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        elif program_row:
            cell.fill = PROGRAM_FILL
            if key in ("program", "name"):
                cell.font = Font(bold=True)
        if key == "name" and not program_row:
            cell.alignment = Alignment(indent=1)


# Upload: reading the file ------------------------------------------------------------------------


@dataclass
class UploadError:
    """One problem, with where it is. ``row`` and ``column`` are as the spreadsheet shows them
    (1-based row, column letter); empty when the problem concerns the whole file or sheet."""

    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    field: str = ""

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(_("sheet %(sheet)s") % {"sheet": self.sheet})
        if self.row is not None:
            parts.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            where = _("column %(column)s") % {"column": self.column}
            if self.field:
                where += f" ({self.field})"
            parts.append(where)
        return ", ".join(parts) + ": " + self.message


@dataclass
class UploadRow:
    """One data row as read: the raw cells of the input columns (strings, numbers or None)."""

    sheet: str
    row: int
    program: Any = None
    period_end: Any = None
    kpi: Any = None
    value: Any = None
    executed_won: Any = None
    narrative: Any = None
    confirm_over_execution: Any = None
    columns: dict[str, str] = field(default_factory=dict)
    # Cells refused as formulas when the file was read: [column letter, key, shown value].
    formulas: list[list[str]] = field(default_factory=list)
    errors: list[UploadError] = field(default_factory=list)

    @property
    def is_program_row(self) -> bool:
        return _blank(self.kpi)

    def column_of(self, key: str) -> str:
        return self.columns.get(key, "")


@dataclass
class ReportPlan:
    """What confirming will do for one programme and period."""

    program_code: str
    period_end: str
    rows: list[int]  # indexes into UploadPreview.rows
    action: str = ""  # "create" | "update" | "skip"
    report_id: int | None = None
    errors: list[UploadError] = field(default_factory=list)


@dataclass
class UploadPreview:
    file_name: str
    file_format: str  # "xlsx" | "csv"
    rows: list[UploadRow] = field(default_factory=list)
    file_errors: list[UploadError] = field(default_factory=list)
    plans: list[ReportPlan] = field(default_factory=list)

    @property
    def errors(self) -> list[UploadError]:
        out = list(self.file_errors)
        for row in self.rows:
            out.extend(row.errors)
        for plan in self.plans:
            out.extend(plan.errors)
        return out

    @property
    def is_valid(self) -> bool:
        return not self.errors and any(p.action in ("create", "update") for p in self.plans)

    @property
    def reports_to_save(self) -> list[ReportPlan]:
        return [p for p in self.plans if p.action in ("create", "update")]

    def to_data(self) -> dict[str, Any]:
        """What to keep between the preview and the confirmation (JSON-safe): the file's name,
        format, read errors and raw rows. The checks are run again on confirmation."""
        rows = []
        for row in self.rows:
            raw = asdict(row)
            raw.pop("errors")
            rows.append(raw)
        return {
            "file_name": self.file_name,
            "file_format": self.file_format,
            "file_errors": [asdict(e) for e in self.file_errors],
            "rows": rows,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> UploadPreview:
        return cls(
            file_name=str(data["file_name"]),
            file_format=str(data["file_format"]),
            file_errors=[UploadError(**e) for e in data.get("file_errors", [])],
            rows=[UploadRow(**row) for row in data["rows"]],
        )


class UploadRejected(Exception):
    """The upload cannot be saved; ``preview`` lists every error."""

    def __init__(self, preview: UploadPreview):
        self.preview = preview
        super().__init__("; ".join(str(e) for e in preview.errors[:20]))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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


def _sniff_kind(data: bytes) -> str | None:
    """A description of a known non-spreadsheet binary format, for the error message."""
    signatures = (
        (b"\x89PNG\r\n\x1a\n", _("a PNG image")),
        (b"\xff\xd8\xff", _("a JPEG image")),
        (b"GIF8", _("a GIF image")),
        (b"%PDF-", _("a PDF document")),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _("an old Excel 97-2003 (.xls) or Office file")),
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


def _find_header(rows: Iterable[tuple[int, list[Any]]]) -> tuple[int, dict[str, int]] | None:
    for number, cells in rows:
        keys: dict[str, int] = {}
        for i, cell in enumerate(cells):
            if isinstance(cell, str) and cell.strip():
                keys.setdefault(cell.strip().lower(), i)
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
        if all(_blank(v) for v in raw.values()) and not any(formulas):
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


def _formula_errors(file_name: str, row: UploadRow) -> list[UploadError]:
    return [
        UploadError(
            file=file_name,
            sheet=row.sheet,
            row=row.row,
            column=letter,
            field=key,
            message=_(
                "cell %(cell)s holds a formula or text starting with =, +, - or @ "
                "(%(value)s); enter the plain value instead"
            )
            % {"cell": f"{letter}{row.row}", "value": shown},
        )
        for letter, key, shown in row.formulas
    ]


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


def _read_xlsx(data: bytes, file_name: str, preview: UploadPreview, max_rows: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
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
        preview.file_errors.append(
            UploadError(
                file=file_name,
                message=_("the workbook is damaged and cannot be read (%(reason)s)")
                % {"reason": str(exc) or exc.__class__.__name__},
            )
        )
        return
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        preview.file_errors.append(
            UploadError(
                file=file_name,
                message=_("the workbook is damaged and cannot be read (%(reason)s)")
                % {"reason": str(exc) or exc.__class__.__name__},
            )
        )
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
                    values = [getattr(c, "value", None) for c in cells]
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
    for encoding in ("utf-8-sig", "cp949"):
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
    if known is not None or b"\x00" in data[:8192]:
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


# Upload: checking against the database -----------------------------------------------------------


def _group_key(row: UploadRow) -> tuple[str, str]:
    return (str(row.program or "").strip(), str(row.period_end or "").strip())


def _programs_by_code(user: User, codes: Iterable[str]) -> dict[str, Program]:
    programs: dict[str, Program] = {}
    qs = (
        programs_for_user(user)
        .filter(node__code__in=set(codes))
        .prefetch_related("kpis")
        .order_by("-node__fiscal_year__year")
    )
    for program in qs:
        programs.setdefault(program.code, program)
    return programs


def _yes(value: Any) -> bool:
    return str(value or "").strip().lower() in YES_WORDS


@dataclass
class _Input:
    program: Program
    period_end: Any
    values: dict[str, Any]
    executed_won: Any
    narrative: str | None
    confirm: bool
    open_report: ProgressReport | None


def _error_at(preview: UploadPreview, row: UploadRow, key: str, message: str) -> UploadError:
    return UploadError(
        file=preview.file_name,
        sheet=row.sheet,
        row=row.row,
        column=row.column_of(key),
        field=key,
        message=message,
    )


def check_upload(*, user: User, preview: UploadPreview, dry_run: bool = True) -> UploadPreview:
    """Check every row of a read upload against the database, without saving anything: the
    programme codes against the user's scope, each report's input with validate_report_input
    (completeness included, since confirming submits), and (``dry_run``) the workflow with a run
    of the services that is rolled back. Fills ``preview.plans`` and the errors; returns the
    preview."""
    for row in preview.rows:
        row.errors = _formula_errors(preview.file_name, row)
    preview.plans = []
    if preview.file_errors:
        return preview

    groups: dict[tuple[str, str], list[int]] = {}
    for index, row in enumerate(preview.rows):
        groups.setdefault(_group_key(row), []).append(index)
    programs = _programs_by_code(user, (code for code, _end in groups if code))

    inputs: dict[int, _Input] = {}
    for (code, end), indexes in groups.items():
        plan = ReportPlan(program_code=code, period_end=end, rows=indexes)
        preview.plans.append(plan)
        first = preview.rows[indexes[0]]
        if not code:
            for i in indexes:
                r = preview.rows[i]
                r.errors.append(
                    _error_at(preview, r, "program", _("the programme code is missing"))
                )
            plan.action = "skip"
            continue
        program = programs.get(code)
        if program is None:
            first.errors.append(
                _error_at(
                    preview,
                    first,
                    "program",
                    _("there is no programme %(code)s among those you may report on")
                    % {"code": code},
                )
            )
            plan.action = "skip"
            continue
        built = _build_input(preview, program, end, indexes)
        if built is None:
            plan.action = "skip"
            continue
        if (
            not built.values
            and _blank(built.executed_won)
            and not built.narrative
            and built.open_report is None
        ):
            plan.action = "skip"  # nothing entered for this programme: not reported this time
            continue
        plan.action = "update" if built.open_report is not None else "create"
        plan.report_id = built.open_report.pk if built.open_report is not None else None
        inputs[id(plan)] = built
        try:
            validate_report_input(
                program=program,
                period_end=built.period_end,
                values=built.values,
                executed_won=built.executed_won,
                existing_report=built.open_report,
                confirm_over_execution=built.confirm
                or bool(built.open_report and built.open_report.over_execution_confirmed),
                require_complete=True,
            )
        except ReportInputError as exc:
            _place_errors(preview, plan, exc.errors)

    # Dry run of the workflow (permissions, duplicates, status), rolled back.
    runnable = [p for p in preview.plans if id(p) in inputs and not _plan_has_errors(preview, p)]
    if runnable and dry_run:
        try:
            with transaction.atomic():
                for plan in runnable:
                    try:
                        with transaction.atomic():
                            _apply(user, inputs[id(plan)])
                    except _WORKFLOW_ERRORS as exc:
                        _place_exception(preview, plan, exc)
                raise _DryRun
        except _DryRun:
            pass
    if not preview.errors and not any(p.action in ("create", "update") for p in preview.plans):
        preview.file_errors.append(
            UploadError(
                file=preview.file_name,
                message=_("nothing to save: no programme in the file has a value entered"),
            )
        )
    return preview


class _DryRun(Exception):
    pass


_WORKFLOW_ERRORS = (ReportInputError, PermissionDenied, InvalidTransitionError, StaleReportError)


def _plan_has_errors(preview: UploadPreview, plan: ReportPlan) -> bool:
    return bool(plan.errors) or any(preview.rows[i].errors for i in plan.rows)


def _build_input(
    preview: UploadPreview, program: Program, end: str, indexes: list[int]
) -> _Input | None:
    values: dict[str, Any] = {}
    seen: dict[str, UploadRow] = {}
    executed: Any = None
    executed_row: UploadRow | None = None
    narrative: str | None = None
    narrative_row: UploadRow | None = None
    confirm = False
    for i in indexes:
        row = preview.rows[i]
        if not row.is_program_row:
            code = str(row.kpi).strip()
            if code in seen:
                row.errors.append(
                    _error_at(
                        preview,
                        row,
                        "kpi",
                        _(
                            "KPI %(code)s appears twice for this programme and period "
                            "(also row %(row)d)"
                        )
                        % {"code": code, "row": seen[code].row},
                    )
                )
                continue
            seen[code] = row
            if not _blank(row.value):
                values[code] = row.value
        if not _blank(row.executed_won):
            if executed_row is not None and str(executed_row.executed_won) != str(row.executed_won):
                row.errors.append(
                    _error_at(
                        preview,
                        row,
                        "executed_won",
                        _("a different budget executed is already given on row %(row)d")
                        % {"row": executed_row.row},
                    )
                )
            executed, executed_row = row.executed_won, row
        if not _blank(row.narrative):
            text = str(row.narrative).strip()
            if narrative_row is not None and narrative != text:
                row.errors.append(
                    _error_at(
                        preview,
                        row,
                        "narrative",
                        _("a different narrative is already given on row %(row)d")
                        % {"row": narrative_row.row},
                    )
                )
            narrative, narrative_row = text, row
        if _yes(row.confirm_over_execution):
            confirm = True
    open_report = None
    day: date | None
    try:
        day = date.fromisoformat(end)
    except ValueError:
        day = None
    if day is not None:
        open_report = (
            ProgressReport.objects.filter(
                program=program,
                period_end=day,
                status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED],
            )
            .prefetch_related("values__kpi")
            .first()
        )
    return _Input(
        program=program,
        period_end=end,
        values=values,
        executed_won=executed,
        narrative=narrative,
        confirm=confirm,
        open_report=open_report,
    )


def _row_for_field(
    preview: UploadPreview, plan: ReportPlan, field_name: str
) -> tuple[UploadRow, str]:
    rows = [preview.rows[i] for i in plan.rows]
    program_row = next((r for r in rows if r.is_program_row), rows[0])
    if field_name.startswith("values."):
        code = field_name.split(".", 1)[1]
        for r in rows:
            if not r.is_program_row and str(r.kpi).strip() == code:
                return r, "value"
        return program_row, "kpi"
    if field_name in ("executed_won", "narrative", "period_end", "confirm_over_execution"):
        for r in rows:
            if not _blank(getattr(r, field_name, None)):
                return r, field_name
        return program_row, field_name
    return program_row, "program"


def _place_errors(preview: UploadPreview, plan: ReportPlan, errors: list[InputError]) -> None:
    # One error per cell: the first found (a formula refused, say) is the one to fix.
    taken = {(e.row, e.field) for i in plan.rows for e in preview.rows[i].errors}
    for error in errors:
        row, key = _row_for_field(preview, plan, error.field)
        message = error.message
        if error.field.startswith("values.") and key != "value":
            message = f"{error.field.split('.', 1)[1]}: {message}"
            if any(e.row == row.row and e.message == message for e in row.errors):
                continue
        elif (row.row, key) in taken:
            continue
        taken.add((row.row, key))
        row.errors.append(_error_at(preview, row, key, message))


def _place_exception(preview: UploadPreview, plan: ReportPlan, exc: Exception) -> None:
    if isinstance(exc, ReportInputError):
        _place_errors(preview, plan, exc.errors)
        return
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    _place_errors(preview, plan, [InputError("program", str(message))])


def _apply(user: User, item: _Input) -> ProgressReport:
    """Create or update the draft, then submit it (the services do every check)."""
    if item.open_report is not None:
        report = report_update(
            user=user,
            report=item.open_report,
            values=item.values,
            executed_won=item.executed_won,
            narrative=item.narrative,
            confirm_over_execution=item.confirm,
        )
    else:
        report = report_create_draft(
            user=user,
            program=item.program,
            period_end=item.period_end,
            values=item.values,
            executed_won=item.executed_won,
            narrative=item.narrative or "",
            confirm_over_execution=item.confirm,
        )
    return report_submit(user=user, report=report)


def parse_upload(*, user: User, file: Any, file_name: str | None = None) -> UploadPreview:
    """Read and check an uploaded .xlsx or CSV; nothing is saved. See :class:`UploadPreview`."""
    preview = read_upload(file=file, file_name=file_name)
    return check_upload(user=user, preview=preview)


@transaction.atomic
def upload_confirm(*, user: User, preview: UploadPreview) -> list[ProgressReport]:
    """Save every report of the upload, or none: re-check the rows (the data may have changed
    since the preview), then create or update each draft and submit it. Raises
    :class:`UploadRejected` with the checked preview when anything is wrong."""
    fresh = UploadPreview.from_data(preview.to_data())
    # No dry run here: the services run for real below, and any refusal rolls everything back.
    check_upload(user=user, preview=fresh, dry_run=False)
    if not fresh.is_valid:
        raise UploadRejected(fresh)
    inputs = []
    programs = _programs_by_code(user, (p.program_code for p in fresh.reports_to_save))
    for plan in fresh.reports_to_save:
        built = _build_input(fresh, programs[plan.program_code], plan.period_end, plan.rows)
        assert built is not None
        inputs.append((plan, built))
    saved = []
    for plan, built in inputs:
        try:
            saved.append(_apply(user, built))
        except _WORKFLOW_ERRORS as exc:
            _place_exception(fresh, plan, exc)
            transaction.set_rollback(True)
            raise UploadRejected(fresh) from exc
    return saved
