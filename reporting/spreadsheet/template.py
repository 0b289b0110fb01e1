"""Writing the progress template an officer downloads (.xlsx), and the reads its form needs."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from budget.models import BudgetNode
from kpis.kinds import kind_of
from kpis.models import KPI
from ops.cells import write_text
from programs.models import Program
from programs.periods import Period
from programs.selectors import program_reporting_periods, programs_for_user
from reporting.expected import expected_value
from reporting.models import KPIValue, ProgressReport, ReportStatus
from reporting.selectors import reading_precision
from reporting.spreadsheet.layout import (
    COLUMN_INDEX,
    COLUMNS,
    FIRST_DATA_ROW,
    FORMAT_NAME,
    FORMAT_VERSION,
    KEY_ROW,
    META_SHEET,
    SHEET_TITLE,
    column_labels,
    what_to_enter,
)
from reporting.validation import period_has_ended

if TYPE_CHECKING:
    from accounts.models import User
    from budget.models import Ministry


INPUT_FILL = PatternFill("solid", fgColor="FFF4C2")
PROGRAM_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
UNLOCKED = Protection(locked=False)


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
    """Every period end of the ministry's programmes that has ended, sorted: an upload submits
    its reports, and a report for a period that has not ended cannot be submitted."""
    ends: set[date] = set()
    for program in programs_for_user(user).filter(ministry=ministry):
        ends.update(p.end for p in program_reporting_periods(program) if period_has_ended(p.end))
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
    # The programme's node in the year of the period: its allocation and place in the tree.
    year_node = BudgetNode.objects.filter(program=OuterRef("pk"), fiscal_year__year=period_end.year)
    programs = (
        programs_for_user(user)
        .filter(ministry=ministry)
        .annotate(
            year_allocation=Subquery(year_node.values("amount_won")[:1]),
            tree_path=Subquery(year_node.values("path")[:1]),
        )
        .prefetch_related("kpis__milestones")
        .order_by(F("tree_path").asc(nulls_last=True), "code")
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

    # Drafts and returned reports of this period: their values pre-fill the input cells, since
    # the upload updates them. A submitted or approved report is not pre-filled: the upload
    # cannot change it (rows repeating it unchanged are skipped).
    period_reports = list(
        ProgressReport.objects.filter(program_id__in=program_ids, period_end=period_end).exclude(
            status=ReportStatus.APPROVED
        )
    )
    open_reports = {
        r.program_id: r
        for r in period_reports
        if r.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
    }
    submitted_reports = {
        r.program_id: r for r in period_reports if r.status == ReportStatus.SUBMITTED
    }
    current_reports = {
        r.program_id: r
        for r in ProgressReport.objects.filter(
            program_id__in=program_ids, period_end=period_end, is_current=True
        )
    }
    open_values: dict[tuple[int, int], KPIValue] = {
        (v.report_id, v.kpi_id): v
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
        "says and, when the KPI is below the value expected at the period end (column 'Target'), "
        "why and what will be done (required in a report for a period ending 31 December). "
        "Type plain numbers, no formulas. Leave a programme empty to skip it. Then upload "
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
        elif program.pk in submitted_reports:
            status_text = _("revision %(revision)d submitted, awaiting review: leave empty") % {
                "revision": submitted_reports[program.pk].revision
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
            "target": _allocation_text(program, period_end.year),
            "previous": previous_money,
            "value": None,
            "shortfall_reason": None,
            "shortfall_remedy": None,
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
            expected = reading_precision(expected_value(kpi, period_end, start=program.start))
            if expected is not None:
                target += "; " + _("expected at this period end: %(expected)s (%(note)s)") % {
                    "expected": _number(expected),
                    "note": kind_of(kpi.kind).expected_note,
                }
            kpi_name = kpi.name_ko if _korean() and kpi.name_ko else kpi.name
            existing = (
                open_values.get((open_report.pk, kpi.pk)) if open_report is not None else None
            )
            reason = existing.shortfall_reason if existing is not None else ""
            remedy = existing.shortfall_remedy if existing is not None else ""
            cells = {
                "program": program.code,
                "period_end": period_end.isoformat(),
                "kpi": kpi.code,
                "name": kpi_name,
                "unit": kpi.unit,
                "kind": str(kpi.get_kind_display()),
                "enter": what_to_enter(kpi.kind, unit=kpi.unit),
                "target": target,
                "previous": "; ".join(
                    f"{_label(day, frequency)}: {_number(value)}"
                    for day, value in previous_values[kpi.pk][-4:]
                ),
                "value": existing.value if existing is not None else None,
                "shortfall_reason": reason or None,
                "shortfall_remedy": remedy or None,
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
        write_text(meta.cell(row=i, column=2), meta_value)
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
    return program.name_ko if _korean() and program.name_ko else program.name


def _allocation_text(program: Program, year: int) -> str:
    """The year's allocation, as the money row's target column says it."""
    amount = getattr(program, "year_allocation", None)
    if amount is None:
        return _("no allocation in %(year)s") % {"year": year}
    return _("allocation %(amount)s won") % {"amount": _number(amount)}


def _label(day: date, frequency: str) -> str:
    from programs.periods import period_containing

    return period_containing(day, frequency).label(frequency)


def _write_row(ws: Any, row: int, cells: dict[str, Any], *, program_row: bool) -> None:
    inputs = (
        ("executed_won", "narrative", "confirm_over_execution")
        if program_row
        else ("value", "shortfall_reason", "shortfall_remedy")
    )
    for key, value in cells.items():
        cell = write_text(ws.cell(row=row, column=COLUMN_INDEX[key]), value)  # ops/cells.py
        if key in inputs:
            cell.fill = INPUT_FILL
            cell.protection = UNLOCKED
            if key == "executed_won":
                cell.number_format = "#,##0"
            if key in ("narrative", "shortfall_reason", "shortfall_remedy"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        elif program_row:
            cell.fill = PROGRAM_FILL
            if key in ("program", "name"):
                cell.font = Font(bold=True)
        if key == "name" and not program_row:
            cell.alignment = Alignment(indent=1)
