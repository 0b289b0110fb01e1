"""Checking a read upload against the database and saving it.

Every uploaded row is checked with reporting/validation.py and, without saving, with the workflow
of reporting/services.py; each error names the file, sheet, row, column and why. Confirming saves
every report or none: drafts are created or updated and submitted through the services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from budget.parsing import normalise_date_text
from programs.models import Program
from programs.selectors import programs_for_user
from reporting.models import ProgressReport, ReportStatus
from reporting.plausibility import jump_warnings
from reporting.services import (
    InvalidTransitionError,
    StaleReportError,
    report_create_draft,
    report_submit,
    report_update,
)
from reporting.spreadsheet.preview import (
    ReportPlan,
    UploadError,
    UploadPreview,
    UploadRejected,
    UploadRow,
    is_blank,
)
from reporting.spreadsheet.reading import read_upload
from reporting.validation import (
    CleanReportInput,
    InputError,
    ReportInputError,
    parse_value,
    split_shortfall_field,
    validate_report_input,
)

if TYPE_CHECKING:
    from accounts.models import User


YES_WORDS = {"yes", "y", "true", "1", "o", "예", "네"}


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


def _group_rows(preview: UploadPreview) -> dict[tuple[str, str], list[int]]:
    """Rows by (programme code, period end as a date). A KPI row belongs to the programme row
    above it: a blank period end takes that row's, and a different one is one error on that cell
    (not a second report missing everything)."""
    groups: dict[tuple[str, str], list[int]] = {}
    above: dict[tuple[str, str], tuple[UploadRow, str]] = {}
    for index, row in enumerate(preview.rows):
        code = str(row.program or "").strip()
        end = normalise_date_text(row.period_end)
        if row.is_program_row:
            above[(row.sheet, code)] = (row, end)
        elif (row.sheet, code) in above:
            program_row, program_end = above[(row.sheet, code)]
            if end and end != program_end:
                row.errors.append(
                    _error_at(
                        preview,
                        row,
                        "period_end",
                        _(
                            "the period end %(end)s differs from that of its programme row "
                            "(row %(row)d: %(program_end)s); a KPI row reports the period of "
                            "the programme row above it"
                        )
                        % {"end": end, "row": program_row.row, "program_end": program_end},
                    )
                )
            end = program_end
        groups.setdefault((code, end), []).append(index)
    return groups


def _where(earlier: UploadRow, row: UploadRow) -> str:
    """Where an earlier row is, naming its sheet when it is on another one."""
    if earlier.sheet and earlier.sheet != row.sheet:
        return _("sheet %(sheet)s, row %(row)d") % {"sheet": earlier.sheet, "row": earlier.row}
    return _("row %(row)d") % {"row": earlier.row}


def _check_locked(preview: UploadPreview, plan: ReportPlan, built: _Input) -> None:
    """The period's report is submitted or approved: rows that repeat it unchanged (a template
    downloaded earlier) are skipped with a note; a change is refused, saying what to do."""
    report = built.locked_report
    assert report is not None
    plan.action = "skip"
    plan.report_id = report.pk
    submitted = report.status == ReportStatus.SUBMITTED
    if _unchanged(built, report):
        if submitted:
            plan.note = _("unchanged: report #%(id)d is already submitted and awaits review") % {
                "id": report.pk
            }
        else:
            plan.note = _("unchanged: report #%(id)d is already approved") % {"id": report.pk}
        return
    if submitted:
        message = _(
            "report #%(id)d for this period is submitted and awaits review, so the upload "
            "cannot change it; leave this programme empty, or ask the reviewer to return it"
        ) % {"id": report.pk}
    else:
        message = _(
            "report #%(id)d for this period is approved, so the upload cannot change it; "
            "to correct it, start a correction on the report's page"
        ) % {"id": report.pk}
    _place_errors(preview, plan, [InputError("program", message)])


def _unchanged(built: _Input, report: ProgressReport) -> bool:
    stored = {v.kpi.code: v.value for v in report.values.all()}
    kpis = {k.code: k for k in built.program.kpis.all()}
    try:
        for code, raw in built.values.items():
            unit = kpis[code].unit if code in kpis else ""
            if parse_value(raw, field=f"values.{code}", unit=unit) != stored.get(code):
                return False
        if not is_blank(built.executed_won) and (
            parse_value(built.executed_won, field="executed_won") != report.executed_won
        ):
            return False
    except ReportInputError:
        return False
    given = {v.kpi.code: (v.shortfall_reason, v.shortfall_remedy) for v in report.values.all()}
    for code, entry in built.shortfalls.items():
        if (entry["reason"].strip(), entry["remedy"].strip()) != given.get(code, ("", "")):
            return False
    return not (built.narrative and built.narrative != report.narrative)


def _show_as_read(
    preview: UploadPreview, plan: ReportPlan, program: Program, clean: CleanReportInput
) -> None:
    """Put the values and the amount as read on their rows, with warnings about jumps."""
    warnings = jump_warnings(program=program, period_end=clean.period_end, values=clean.values)
    for i in plan.rows:
        row = preview.rows[i]
        if row.is_program_row:
            if isinstance(clean.executed_won, int) and not is_blank(row.executed_won):
                row.read_executed = clean.executed_won
            continue
        code = str(row.kpi).strip()
        value = clean.values.get(code)
        if value is not None:
            row.read_value = f"{value.normalize():f}"
        if code in warnings:
            row.warnings.append(warnings[code])


def _programs_by_code(user: User, codes: Iterable[str]) -> dict[str, Program]:
    programs: dict[str, Program] = {}
    qs = programs_for_user(user).filter(code__in=set(codes)).prefetch_related("kpis")
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
    # KPI code -> {"reason", "remedy"} as entered, for KPI rows with either cell filled.
    shortfalls: dict[str, dict[str, str]] = field(default_factory=dict)
    # A submitted, or approved and current, report of the period (when none is open).
    locked_report: ProgressReport | None = None


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
        row.read_value, row.read_executed, row.warnings = "", None, []
    preview.plans = []
    if preview.file_errors:
        return preview

    groups = _group_rows(preview)
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
            and is_blank(built.executed_won)
            and not built.narrative
            and built.open_report is None
        ):
            plan.action = "skip"  # nothing entered for this programme: not reported this time
            continue
        if built.locked_report is not None:
            _check_locked(preview, plan, built)
            continue
        plan.action = "update" if built.open_report is not None else "create"
        plan.report_id = built.open_report.pk if built.open_report is not None else None
        inputs[id(plan)] = built
        try:
            clean = validate_report_input(
                program=program,
                period_end=built.period_end,
                values=built.values,
                executed_won=built.executed_won,
                existing_report=built.open_report,
                confirm_over_execution=built.confirm
                or bool(built.open_report and built.open_report.over_execution_confirmed),
                require_complete=True,
                shortfalls=built.shortfalls,
            )
        except ReportInputError as exc:
            _place_errors(preview, plan, exc.errors)
        else:
            _show_as_read(preview, plan, program, clean)

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
                message=(
                    _(
                        "nothing to save: every programme in the file is empty or repeats its "
                        "submitted or approved report unchanged"
                    )
                    if any(p.note for p in preview.plans)
                    else _("nothing to save: no programme in the file has a value entered")
                ),
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
    shortfalls: dict[str, dict[str, str]] = {}
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
                            "(also %(where)s)"
                        )
                        % {"code": code, "where": _where(seen[code], row)},
                    )
                )
                continue
            seen[code] = row
            if not is_blank(row.value):
                values[code] = row.value
            if not is_blank(row.shortfall_reason) or not is_blank(row.shortfall_remedy):
                shortfalls[code] = {
                    "reason": _text(row.shortfall_reason),
                    "remedy": _text(row.shortfall_remedy),
                }
        if not is_blank(row.executed_won):
            if executed_row is not None and str(executed_row.executed_won) != str(row.executed_won):
                row.errors.append(
                    _error_at(
                        preview,
                        row,
                        "executed_won",
                        _("a different budget executed is already given on %(where)s")
                        % {"where": _where(executed_row, row)},
                    )
                )
            executed, executed_row = row.executed_won, row
        if not is_blank(row.narrative):
            text = str(row.narrative).strip()
            if narrative_row is not None and narrative != text:
                row.errors.append(
                    _error_at(
                        preview,
                        row,
                        "narrative",
                        _("a different narrative is already given on %(where)s")
                        % {"where": _where(narrative_row, row)},
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
    locked_report = None
    if day is not None and open_report is None:
        locked_report = (
            ProgressReport.objects.filter(program=program, period_end=day)
            .filter(Q(status=ReportStatus.SUBMITTED) | Q(is_current=True))
            .order_by("-revision")
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
        locked_report=locked_report,
        shortfalls=shortfalls,
    )


def _text(cell: Any) -> str:
    """A text cell as entered (a number typed in it is read as its text)."""
    return "" if is_blank(cell) else str(cell)


def _row_for_field(
    preview: UploadPreview, plan: ReportPlan, field_name: str
) -> tuple[UploadRow, str]:
    rows = [preview.rows[i] for i in plan.rows]
    program_row = next((r for r in rows if r.is_program_row), rows[0])
    kpi_rows = {str(r.kpi).strip(): r for r in rows if not r.is_program_row}
    shortfall = split_shortfall_field(field_name, kpi_rows)
    if shortfall is not None:
        code, part = shortfall
        return kpi_rows[code], "shortfall_remedy" if part == "remedy" else "shortfall_reason"
    if field_name.startswith("values."):
        code = field_name.split(".", 1)[1]
        for r in rows:
            if not r.is_program_row and str(r.kpi).strip() == code:
                return r, "value"
        return program_row, "kpi"
    if field_name in ("executed_won", "narrative", "period_end", "confirm_over_execution"):
        for r in rows:
            if not is_blank(getattr(r, field_name, None)):
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
            shortfalls=item.shortfalls,
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
            shortfalls=item.shortfalls,
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
