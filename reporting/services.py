"""Writes of progress reports: the workflow of docs/roles.md and docs/status-rules.md.

draft -> submitted -> approved, or submitted -> returned (with a comment) -> submitted again.
Approved reports are locked; a correction is a new revision of the same programme and period
(:func:`report_start_correction`), approved in turn; only the latest approved revision counts
(``is_current``). Every change writes a :class:`~reporting.models.ReportTransition` and bumps
``version``.

All functions are keyword-only and atomic, and raise:

* :class:`django.core.exceptions.PermissionDenied` when the user's role or ministry does not allow
  the action (reporting/permissions.py);
* :class:`~reporting.validation.ReportInputError` (or its subclass ``DuplicateReportError``) for bad
  input, with every problem found;
* :class:`StaleReportError` when ``expected_version`` is given and the report has changed since;
* :class:`InvalidTransitionError` when the report's status does not allow the action.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_bulk, audit_snapshot, audit_update
from programs.models import Program
from reporting import permissions
from reporting.evidence_content import carries_markup, evidence_kind
from reporting.models import (
    EvidenceFile,
    KPIValue,
    ProgressReport,
    ReportAction,
    ReportStatus,
    ReportTransition,
)
from reporting.validation import (
    NOT_GIVEN,
    CleanReportInput,
    DuplicateReportError,
    InputError,
    ReportInputError,
    parse_period_end,
    refuse_unended_period,
    validate_report_input,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User


DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EDITABLE_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class InvalidTransitionError(Exception):
    """The report's status does not allow this action."""

    def __init__(self, message: str, *, status: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status


class StaleReportError(Exception):
    """Someone changed the report since the caller read it."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(
            _(
                "This report was changed by someone else meanwhile (it is now at version "
                "%(version)d). Reload it and apply your change again."
            )
            % {"version": current_version}
        )


@dataclass
class BulkOutcome:
    """The result of one report in a bulk action: ``ok``, or the reason it was not done."""

    report: ProgressReport
    ok: bool
    error: str = ""


# Hooks -------------------------------------------------------------------------------------------


def _on_report_approved(report: ProgressReport) -> None:
    """Called once per approval, inside the approving transaction: the status engine marks the
    programme stale (in this transaction) and enqueues its recompute after commit."""
    from status.services import status_enqueue_recompute

    status_enqueue_recompute(program_id=report.program_id, reason="report_approved")


# Helpers -----------------------------------------------------------------------------------------


def _deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def _require_edit(user: User, program: Program) -> None:
    if not permissions.can_edit_reports(user, program):
        raise _deny(
            _("Only an officer of %(ministry)s or an administrator may edit its reports.")
            % {"ministry": program.ministry.code}
        )


def _require_review(user: User, report: ProgressReport) -> None:
    if not permissions.can_review_program(user, report.program):
        raise _deny(_("You may not review reports of this programme."))
    if permissions.is_own_report(user, report):
        raise _deny(
            _(
                "You may not approve or return a report you created, edited or submitted: "
                "another reviewer must (four-eyes rule)."
            )
        )


def _lock(report: ProgressReport, expected_version: int | None) -> ProgressReport:
    """The report's row, locked for this transaction, checked against ``expected_version``."""
    locked = (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("program", "program__ministry")
        .get(pk=report.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleReportError(locked.version)
    return locked


def _sync(target: ProgressReport, source: ProgressReport) -> None:
    """Copy the stored state into the caller's instance so it does not go stale."""
    if target is source:
        return
    for f in ProgressReport._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def _record(
    report: ProgressReport,
    *,
    action: str,
    actor: User,
    from_status: str,
    comment: str = "",
    update_fields: Iterable[str] = (),
) -> None:
    """Bump the version, save the given fields and write the transition."""
    report.version += 1
    report.save(update_fields=[*update_fields, "version", "updated_at"])
    ReportTransition.objects.create(
        report=report,
        action=action,
        from_status=from_status,
        to_status=report.status,
        actor=actor,
        comment=comment,
    )


def _apply_values(report: ProgressReport, clean: CleanReportInput) -> bool:
    """Write the given values and shortfalls; whether anything changed."""
    if not clean.values and not clean.shortfalls:
        return False
    existing = {v.kpi_id: v for v in report.values.all()}
    created: dict[int, KPIValue] = {}
    to_update: dict[int, KPIValue] = {}
    to_delete: dict[int, int] = {}  # KPI id -> row id
    for code, value in clean.values.items():
        kpi = clean.kpis[code]
        row = existing.get(kpi.pk)
        if value is None:
            if row is not None:
                to_delete[kpi.pk] = row.pk
        elif row is None:
            created[kpi.pk] = KPIValue(report=report, kpi=kpi, value=value)
        elif row.value != value:
            row.value = value
            to_update[row.pk] = row
    for code, given in clean.shortfalls.items():
        kpi_id = clean.kpis[code].pk
        row = created.get(kpi_id) or (None if kpi_id in to_delete else existing.get(kpi_id))
        if row is None:
            continue  # a shortfall cleared on a KPI without a value (validation refuses a set)
        reason, remedy = given or ("", "")
        if (row.shortfall_reason, row.shortfall_remedy) != (reason, remedy):
            row.shortfall_reason, row.shortfall_remedy = reason, remedy
            if row.pk is not None:
                to_update[row.pk] = row
    if to_delete:
        KPIValue.objects.filter(pk__in=to_delete.values()).delete()
    if created:
        audit_bulk(action="create", instances=KPIValue.objects.bulk_create(list(created.values())))
    if to_update:
        rows = list(to_update.values())
        before = audit_snapshot(rows)
        KPIValue.objects.bulk_update(rows, ["value", "shortfall_reason", "shortfall_remedy"])
        audit_bulk(action="update", instances=rows, before=before)
    return bool(to_delete or created or to_update)


def _apply_money(report: ProgressReport, clean: CleanReportInput) -> list[str]:
    fields = []
    if clean.executed_won is not NOT_GIVEN and clean.executed_won != report.executed_won:
        report.executed_won = clean.executed_won  # type: ignore[assignment]
        fields.append("executed_won")
    if report.over_execution_confirmed != clean.over_execution_confirmed:
        report.over_execution_confirmed = clean.over_execution_confirmed
        fields.append("over_execution_confirmed")
    return fields


def _period_label(program: Program, report_or_day: Any) -> str:
    day = getattr(report_or_day, "period_end", report_or_day)
    return f"{program.code} {day.isoformat()}"


# Reports -----------------------------------------------------------------------------------------


@transaction.atomic
def report_create_draft(
    *,
    user: User,
    program: Program,
    period_end: object,
    values: Mapping[str, object] | None = None,
    executed_won: object = None,
    narrative: str = "",
    confirm_over_execution: bool = False,
    shortfalls: Mapping[str, object] | None = None,
) -> ProgressReport:
    """Start the report of ``program`` for the period ending ``period_end``, as a draft.
    ``shortfalls`` maps KPI codes to ``{"reason": ..., "remedy": ...}`` (reporting/validation.py).

    Refused (``DuplicateReportError``) when a report for that programme and period is already open
    (continue that one) or approved (start a correction of it instead).
    """
    _require_edit(user, program)
    # Serialise report creation per programme: two clicks cannot make two drafts.
    program = (
        Program.objects.select_for_update(of=("self",))
        .select_related("ministry")
        .get(pk=program.pk)
    )
    day: Any = None
    with contextlib.suppress(ReportInputError):  # reported by the validation below
        day = parse_period_end(period_end)
    if day is not None:
        _refuse_duplicate(program, day)
    clean = validate_report_input(
        program=program,
        period_end=period_end,
        values=values or {},
        executed_won=executed_won,
        confirm_over_execution=confirm_over_execution,
        shortfalls=shortfalls,
    )
    latest = ProgressReport.objects.filter(program=program, period_end=clean.period_end).aggregate(
        r=Max("revision")
    )["r"]
    report = ProgressReport(
        program=program,
        period_start=clean.period.start,
        period_end=clean.period.end,
        revision=(latest or 0) + 1,
        status=ReportStatus.DRAFT,
        narrative=narrative or "",
        created_by=user,
    )
    _apply_money(report, clean)
    report.version = 0
    report.save()
    _apply_values(report, clean)
    _record(report, action=ReportAction.CREATED, actor=user, from_status="")
    return report


def _refuse_duplicate(program: Program, day: Any) -> None:
    existing = (
        ProgressReport.objects.filter(program=program, period_end=day)
        .filter(status__in=[*EDITABLE_STATUSES, ReportStatus.SUBMITTED])
        .first()
    )
    if existing is not None:
        raise DuplicateReportError(
            [
                InputError(
                    "period_end",
                    _(
                        "A report for %(period)s is already open (revision %(revision)d, "
                        "%(status)s, report #%(id)d): continue that one instead."
                    )
                    % {
                        "period": _period_label(program, day),
                        "revision": existing.revision,
                        "status": existing.get_status_display(),
                        "id": existing.pk,
                    },
                )
            ],
            existing,
        )
    approved = ProgressReport.objects.filter(
        program=program, period_end=day, is_current=True
    ).first()
    if approved is not None:
        raise DuplicateReportError(
            [
                InputError(
                    "period_end",
                    _(
                        "The report for %(period)s is already approved (report #%(id)d); to "
                        "change it, start a correction of that report."
                    )
                    % {"period": _period_label(program, day), "id": approved.pk},
                )
            ],
            approved,
        )


@transaction.atomic
def report_update(
    *,
    user: User,
    report: ProgressReport,
    expected_version: int | None = None,
    values: Mapping[str, object] | None = None,
    executed_won: object = None,
    narrative: str | None = None,
    confirm_over_execution: bool = False,
    shortfalls: Mapping[str, object] | None = None,
) -> ProgressReport:
    """Change a draft or returned report. ``values`` merges: a code given sets its value, a code
    given with ``None`` or ``""`` clears it, codes not given keep theirs; ``shortfalls`` merges
    the same way (``None``, or an empty reason and remedy, clears a KPI's shortfall).
    ``executed_won=None`` leaves it unchanged, ``""`` clears it. ``narrative=None`` leaves it
    unchanged. A change that changes nothing (an empty PATCH, a form saved as it was) records
    nothing: the version, the transitions and the editors stay as they were."""
    _require_edit(user, report.program)
    locked = _lock(report, expected_version)
    if locked.status not in EDITABLE_STATUSES:
        raise InvalidTransitionError(
            _("Only a draft or returned report can be changed; this one is %(status)s.")
            % {"status": locked.get_status_display()},
            status=locked.status,
        )
    clean = validate_report_input(
        program=locked.program,
        period_end=locked.period_end,
        values=values or {},
        executed_won=executed_won,
        existing_report=locked,
        confirm_over_execution=confirm_over_execution or _keeps_confirmation(locked, executed_won),
        shortfalls=shortfalls,
    )
    fields = _apply_money(locked, clean)
    if narrative is not None and narrative != locked.narrative:
        locked.narrative = narrative
        fields.append("narrative")
    if not _apply_values(locked, clean) and not fields:
        _sync(report, locked)
        return locked  # nothing changed: no new version, no transition, no editor
    _record(
        locked,
        action=ReportAction.UPDATED,
        actor=user,
        from_status=locked.status,
        update_fields=fields,
    )
    _sync(report, locked)
    return locked


def _keeps_confirmation(report: ProgressReport, executed_won: object) -> bool:
    """An earlier confirmation of over-execution stands while the amount is not changed."""
    return report.over_execution_confirmed and executed_won is None


@transaction.atomic
def report_submit(
    *, user: User, report: ProgressReport, expected_version: int | None = None
) -> ProgressReport:
    """Submit a draft or returned report for review. Every KPI needs a value, and the budget
    executed is required; in a year-end report every KPI that falls short needs a shortfall
    reason and remedy (reporting/shortfalls.py)."""
    _require_edit(user, report.program)
    locked = _lock(report, expected_version)
    if locked.status not in EDITABLE_STATUSES:
        raise InvalidTransitionError(
            _("Only a draft or returned report can be submitted; this one is %(status)s.")
            % {"status": locked.get_status_display()},
            status=locked.status,
        )
    validate_report_input(
        program=locked.program,
        period_end=locked.period_end,
        values={},
        executed_won=None,
        existing_report=locked,
        confirm_over_execution=locked.over_execution_confirmed,
        require_complete=True,
    )
    from_status = locked.status
    locked.status = ReportStatus.SUBMITTED
    locked.submitted_by = user
    locked.submitted_at = timezone.now()
    _record(
        locked,
        action=ReportAction.SUBMITTED,
        actor=user,
        from_status=from_status,
        update_fields=["status", "submitted_by", "submitted_at"],
    )
    _sync(report, locked)
    return locked


def _require_submitted(report: ProgressReport, verb: str) -> None:
    if report.status != ReportStatus.SUBMITTED:
        raise InvalidTransitionError(
            _("Only a submitted report can be %(verb)s; this one is %(status)s.")
            % {"verb": verb, "status": report.get_status_display()},
            status=report.status,
        )


@transaction.atomic
def report_approve(
    *, user: User, report: ProgressReport, expected_version: int | None = None
) -> ProgressReport:
    """Approve a submitted report: it becomes the current revision of its programme and period
    (the previous approved revision, if any, stops counting) and is locked."""
    _require_review(user, report)
    locked = _lock(report, expected_version)
    _require_review(user, locked)
    _require_submitted(locked, _("approved"))
    refuse_unended_period(locked.program, locked.period_end, approving=True)
    now = timezone.now()
    audit_update(
        ProgressReport.objects.filter(
            program_id=locked.program_id, period_end=locked.period_end, is_current=True
        ).exclude(pk=locked.pk),
        is_current=False,
        updated_at=now,
    )
    locked.status = ReportStatus.APPROVED
    locked.is_current = True
    locked.reviewed_by = user
    locked.reviewed_at = now
    locked.approved_at = now
    _record(
        locked,
        action=ReportAction.APPROVED,
        actor=user,
        from_status=ReportStatus.SUBMITTED,
        update_fields=["status", "is_current", "reviewed_by", "reviewed_at", "approved_at"],
    )
    _on_report_approved(locked)
    _sync(report, locked)
    return locked


@transaction.atomic
def report_return(
    *,
    user: User,
    report: ProgressReport,
    comment: str,
    expected_version: int | None = None,
) -> ProgressReport:
    """Return a submitted report to its officers with a comment saying what to fix."""
    _require_review(user, report)
    comment = (comment or "").strip()
    if not comment:
        raise ReportInputError(
            [InputError("comment", _("say what needs to change: a comment is required"))]
        )
    locked = _lock(report, expected_version)
    _require_review(user, locked)
    _require_submitted(locked, _("returned"))
    now = timezone.now()
    locked.status = ReportStatus.RETURNED
    locked.review_comment = comment
    locked.reviewed_by = user
    locked.reviewed_at = now
    _record(
        locked,
        action=ReportAction.RETURNED,
        actor=user,
        from_status=ReportStatus.SUBMITTED,
        comment=comment,
        update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"],
    )
    _sync(report, locked)
    return locked


def _bulk(reports: Iterable[ProgressReport], action: Any) -> list[BulkOutcome]:
    outcomes = []
    for report in reports:
        try:
            with transaction.atomic():
                done = action(report)
        except (PermissionDenied, InvalidTransitionError, StaleReportError) as exc:
            outcomes.append(BulkOutcome(report=report, ok=False, error=str(exc)))
        except ReportInputError as exc:
            outcomes.append(BulkOutcome(report=report, ok=False, error=str(exc)))
        else:
            outcomes.append(BulkOutcome(report=done, ok=True))
    return outcomes


@transaction.atomic
def reports_approve_bulk(*, user: User, reports: Iterable[ProgressReport]) -> list[BulkOutcome]:
    """Approve each report; one that cannot be approved is left as it was and its outcome says
    why, the others are approved."""
    return _bulk(reports, lambda r: report_approve(user=user, report=r))


@transaction.atomic
def reports_return_bulk(
    *, user: User, reports: Iterable[ProgressReport], comment: str
) -> list[BulkOutcome]:
    """Return each report with the same comment (required); outcomes as for approval."""
    if not (comment or "").strip():
        raise ReportInputError(
            [InputError("comment", _("say what needs to change: a comment is required"))]
        )
    return _bulk(reports, lambda r: report_return(user=user, report=r, comment=comment))


@transaction.atomic
def report_start_correction(*, user: User, report: ProgressReport) -> ProgressReport:
    """Start a correction of an approved report: a new draft revision of the same programme and
    period with the approved values. The approved revision keeps counting until the correction
    is approved."""
    _require_edit(user, report.program)
    locked = _lock(report, None)
    if locked.status != ReportStatus.APPROVED or not locked.is_current:
        raise InvalidTransitionError(
            _("Only the current approved report of a period can be corrected."),
            status=locked.status,
        )
    open_one = ProgressReport.objects.filter(
        program_id=locked.program_id,
        period_end=locked.period_end,
        status__in=[*EDITABLE_STATUSES, ReportStatus.SUBMITTED],
    ).first()
    if open_one is not None:
        raise DuplicateReportError(
            [
                InputError(
                    "period_end",
                    _(
                        "A correction of %(period)s is already open (revision %(revision)d, "
                        "report #%(id)d): continue that one."
                    )
                    % {
                        "period": _period_label(locked.program, locked),
                        "revision": open_one.revision,
                        "id": open_one.pk,
                    },
                )
            ],
            open_one,
        )
    latest = ProgressReport.objects.filter(
        program_id=locked.program_id, period_end=locked.period_end
    ).aggregate(r=Max("revision"))["r"]
    new = ProgressReport.objects.create(
        program=locked.program,
        period_start=locked.period_start,
        period_end=locked.period_end,
        revision=(latest or 0) + 1,
        status=ReportStatus.DRAFT,
        executed_won=locked.executed_won,
        over_execution_confirmed=locked.over_execution_confirmed,
        narrative=locked.narrative,
        created_by=user,
        version=0,
    )
    audit_bulk(
        action="create",
        instances=KPIValue.objects.bulk_create(
            [
                KPIValue(
                    report=new,
                    kpi_id=v.kpi_id,
                    value=v.value,
                    shortfall_reason=v.shortfall_reason,
                    shortfall_remedy=v.shortfall_remedy,
                )
                for v in locked.values.all()
            ]
        ),
    )
    _record(
        new,
        action=ReportAction.CORRECTION,
        actor=user,
        from_status="",
        comment=_("Correction of revision %(revision)d") % {"revision": locked.revision},
    )
    return new


# Evidence ----------------------------------------------------------------------------------------


@transaction.atomic
def evidence_attach(
    *, user: User, report: ProgressReport, uploaded_file: UploadedFile
) -> EvidenceFile:
    """Attach an evidence file to a draft or returned report. The type is decided by the
    content, not the name: PDF, PNG, JPEG, XLSX, DOCX, CSV or plain text (UTF-8 or CP949);
    at most ``settings.EVIDENCE_MAX_BYTES`` (10 MB by default). Its SHA-256 is stored."""
    _require_edit(user, report.program)
    locked = _lock(report, None)
    if locked.status not in EDITABLE_STATUSES:
        raise InvalidTransitionError(
            _("Evidence can be added to a draft or returned report only; this one is %(status)s.")
            % {"status": locked.get_status_display()},
            status=locked.status,
        )
    name = os.path.basename(uploaded_file.name or "evidence")[:200] or "evidence"
    limit = int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES))
    size = uploaded_file.size or 0

    def fail(message: str) -> ReportInputError:
        return ReportInputError([InputError("evidence", f"{name}: {message}")])

    if size > limit:
        raise fail(
            _("the file is %(size)s bytes; the limit is %(limit)s bytes")
            % {"size": f"{size:,}", "limit": f"{limit:,}"}
        )
    if size == 0:
        raise fail(_("the file is empty"))
    digest = hashlib.sha256()
    chunks = []
    read = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        read += len(chunk)
        if read > limit:
            raise fail(_("the file is larger than the limit of %(limit)s bytes") % {"limit": limit})
        digest.update(chunk)
        chunks.append(chunk)
    data = b"".join(chunks)
    kind = evidence_kind(data, name)
    if kind is None:
        raise fail(
            _(
                "this kind of file is not accepted (by its content); attach a PDF, PNG, JPEG, "
                "Excel (.xlsx), Word (.docx), CSV or plain text file"
            )
        )
    content_type, extension = kind
    if carries_markup(data, content_type):
        raise fail(
            _(
                "the file carries HTML or script markup besides its %(type)s content; "
                "export it again from the program that made it"
            )
            % {"type": extension.lstrip(".").upper()}
        )
    stem = os.path.splitext(name)[0] or "evidence"
    evidence = EvidenceFile(
        report=locked,
        original_name=name,
        content_type=content_type,
        size=read,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    evidence.file.save(f"{stem}{extension}", ContentFile(data), save=False)
    evidence.save()
    _record(
        locked,
        action=ReportAction.EVIDENCE,
        actor=user,
        from_status=locked.status,
        comment=name,
    )
    _sync(report, locked)
    return evidence


def report_value_map(report: ProgressReport) -> dict[str, Decimal]:
    """The report's values by KPI code."""
    return {v.kpi.code: v.value for v in report.values.select_related("kpi")}
