"""Reporting pages: thin views over reporting/selectors.py and reporting/services.py.

Scoping: a report or programme outside the user's scope answers 404 (nothing tells it apart from
one that does not exist); an action the user's role does not allow on something they may see
answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role, has_role
from budget.selectors import program_allocation
from kpis.kinds import kind_of
from kpis.models import KPI
from programs.selectors import program_by_code, programs_for_user
from reporting import permissions, selectors, services
from reporting.evidence_content import evidence_download_name
from reporting.expected import expected_value
from reporting.forms import EvidenceForm, ReportForm, ReturnForm
from reporting.models import EvidenceFile, ProgressReport, ReportStatus
from reporting.plausibility import jump_warnings
from reporting.shortfalls import is_year_end, report_standings
from reporting.validation import (
    ReportInputError,
    parse_period_end,
    parse_value,
    period_has_ended,
)
from status import rules

if TYPE_CHECKING:
    from django.forms import BoundField

    from accounts.models import User
    from programs.models import Program


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here requires login)."""
    return cast("User", request.user)


def _today() -> date:
    return timezone.localdate()


# Dashboard and programmes -----------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    board = selectors.officer_dashboard(request.user, _today())
    editable = {
        e.program.pk
        for e in board.programs
        if permissions.can_edit_reports(request.user, e.program)
    }
    return render(
        request,
        "reporting/dashboard.html",
        {
            "board": board,
            "editable": editable,
            "today": _today(),
            "perms_review": permissions.is_reviewer_anywhere(request.user),
            "can_upload": has_role(request.user, Role.OFFICER, Role.ADMINISTRATOR),
        },
    )


@login_required
@require_GET
def program_periods(request: HttpRequest) -> HttpResponse:
    entries = selectors.program_periods_for_user(request.user, _today())
    editable = {
        e.program.pk for e in entries if permissions.can_edit_reports(request.user, e.program)
    }
    return render(
        request,
        "reporting/programs.html",
        {"entries": entries, "editable": editable, "today": _today()},
    )


# The report form --------------------------------------------------------------------------------


@dataclass
class KPIRow:
    kpi: KPI
    field: BoundField | None
    what_to_enter: str
    expected: Decimal | None
    expected_note: str
    so_far: Decimal | None
    previous: list[tuple[date, Any]]
    value: Any
    warning: str = ""
    # The shortfall (reporting/shortfalls.py): asked for when the value falls short.
    reason_field: BoundField | None = None
    remedy_field: BoundField | None = None
    falls_short: bool = False
    shortfall_reason: str = ""
    shortfall_remedy: str = ""


def _kpis_of(program: Program) -> list[KPI]:
    return list(program.kpis.all())


def _programs_with_kpis(user: Any) -> Any:
    return programs_for_user(user).prefetch_related(
        Prefetch("kpis", queryset=KPI.objects.prefetch_related("milestones").order_by("position"))
    )


def _program_with_kpis(user: Any, code: str | None) -> Program:
    if not code:
        raise Http404(_("No programme given."))
    program = program_by_code(code, queryset=_programs_with_kpis(user))
    if program is None:
        raise Http404(_("No such programme."))
    return program


def _rows(
    program: Program,
    period_end: date,
    form: ReportForm | None,
    previous: dict[int, list[tuple[date, Any]]],
    values: dict[int, Any],
    warnings: dict[str, str] | None = None,
    shortfalls: dict[int, tuple[str, str]] | None = None,
) -> list[KPIRow]:
    so_far = selectors.approved_so_far(program, period_end)
    kpis = _kpis_of(program)
    standings = report_standings(
        program, period_end, _entered_values(kpis, form, values), before=so_far
    )
    rows = []
    warnings = warnings or {}
    shortfalls = shortfalls or {}
    for kpi in kpis:
        reason_field = remedy_field = None
        if form is not None:
            reason_name, remedy_name = form.shortfall_fields[kpi.code]
            reason_field, remedy_field = form[reason_name], form[remedy_name]
        standing = standings.get(kpi.pk)
        reason, remedy = shortfalls.get(kpi.pk, ("", ""))
        expected = selectors.reading_precision(expected_value(kpi, period_end, start=program.start))
        actual_before = rules.actual_so_far(
            kpi.kind, kpi.baseline, so_far.get(kpi.pk, ()), year=period_end.year
        )
        if form is not None and expected is not None:
            # For static/js/shortfall.js: open the shortfall fields as a short value is typed.
            period_amounts = kind_of(kpi.kind).period_amounts
            form.fields[form.kpi_fields[kpi.code]].widget.attrs.update(
                {
                    "data-expected": str(expected),
                    "data-add": str(actual_before or 0) if period_amounts else "0",
                    "data-direction": kpi.direction,
                    "data-shortfall-for": f"shortfall-{kpi.pk}",
                }
            )
        rows.append(
            KPIRow(
                kpi=kpi,
                field=form[form.kpi_fields[kpi.code]] if form is not None else None,
                what_to_enter=str(kind_of(kpi.kind).form_label),
                expected=expected,
                expected_note=str(kind_of(kpi.kind).expected_note),
                so_far=actual_before,
                previous=previous.get(kpi.pk, []),
                value=values.get(kpi.pk),
                warning=warnings.get(kpi.code, ""),
                reason_field=reason_field,
                remedy_field=remedy_field,
                falls_short=standing is not None and standing.falls_short,
                shortfall_reason=reason,
                shortfall_remedy=remedy,
            )
        )
    return rows


def _entered_values(
    kpis: list[KPI], form: ReportForm | None, stored: dict[int, Any]
) -> dict[int, Decimal | None]:
    """KPI id -> the value as entered in a form sent back with errors (when it reads as a
    number), else as stored: what the shortfall is asked for against."""
    if form is None or not form.is_bound:
        return dict(stored)
    out: dict[int, Decimal | None] = {}
    for kpi in kpis:
        raw = form.data.get(form.kpi_fields[kpi.code], "")
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            out[kpi.pk] = parse_value(raw, field="value", money=False, unit=kpi.unit)
        except ReportInputError:
            continue
    return out


def _initial(report: ProgressReport) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "version": report.version,
        "executed_won": "" if report.executed_won is None else str(report.executed_won),
        "narrative": report.narrative,
        "confirm_over_execution": report.over_execution_confirmed,
    }
    for v in report.values.all():
        initial[f"kpi_{v.kpi_id}"] = _plain(v.value)
        initial[f"reason_{v.kpi_id}"] = v.shortfall_reason
        initial[f"remedy_{v.kpi_id}"] = v.shortfall_remedy
    return initial


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    program = _program_with_kpis(request.user, source.get("program") or request.GET.get("program"))
    if not permissions.can_edit_reports(request.user, program):
        raise PermissionDenied(_("You may not enter reports for this programme."))
    raw_period = source.get("period_end") or request.GET.get("period_end") or ""
    try:
        period_end = parse_period_end(raw_period)
    except ReportInputError as exc:
        messages.error(request, str(exc))
        return redirect("reporting:programs")
    existing = (
        ProgressReport.objects.filter(program=program, period_end=period_end)
        .order_by("-is_current", "-revision")
        .filter(status__in=[*services.EDITABLE_STATUSES, ReportStatus.SUBMITTED])
        .first()
    ) or ProgressReport.objects.filter(
        program=program, period_end=period_end, is_current=True
    ).first()
    if existing is not None:
        messages.info(request, _("A report for this period already exists: here it is."))
        return redirect("reporting:report", pk=existing.pk)

    kpis = _kpis_of(program)
    form = ReportForm(request.POST or None, request.FILES or None, kpis=kpis)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                report = services.report_create_draft(
                    user=_user(request),
                    program=program,
                    period_end=period_end,
                    values=form.raw_values(),
                    executed_won=form.cleaned_data["executed_won"],
                    narrative=form.cleaned_data["narrative"],
                    confirm_over_execution=form.cleaned_data["confirm_over_execution"],
                    shortfalls=form.raw_shortfalls(),
                )
                _attach_evidence(request, report, form)
                if request.POST.get("action") == "submit":
                    services.report_submit(user=_user(request), report=report)
        except ReportInputError as exc:
            form.add_input_errors(exc)
        else:
            if report.status == ReportStatus.SUBMITTED:
                messages.success(request, _("Report submitted for review."))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("reporting:report", pk=report.pk)
    previous = _previous_for_new(program, period_end)
    allocation = program_allocation(program, period_end.year)
    return render(
        request,
        "reporting/report_form.html",
        {
            "program": program,
            "period_end": period_end,
            "form": form,
            "rows": _rows(program, period_end, form, previous, {}),
            "editable": True,
            "is_new": True,
            "year_end": is_year_end(period_end),
            "period_open": not period_has_ended(period_end),
            "example_amount": _example_amount(allocation, program.frequency),
            "allocation": allocation,
            "allocation_year": period_end.year,
        },
    )


def _attach_evidence(request: HttpRequest, report: ProgressReport, form: ReportForm) -> None:
    """The evidence file chosen in the report form, attached as the report is saved."""
    uploaded = form.cleaned_data.get("evidence")
    if uploaded:
        services.evidence_attach(user=_user(request), report=report, uploaded_file=uploaded)


def _example_amount(allocation: int | None, frequency: str = "quarterly") -> int:
    """A plausible amount for the hint: a round share of the year's allocation for one period."""
    per_period = {"monthly": 12, "quarterly": 4, "semiannual": 2, "annual": 1}
    amount = int(allocation or 0) // per_period.get(frequency, 4)
    if amount <= 0:
        return 0
    # Two significant digits, rounded down: never above the allocation.
    scale = 10 ** max(len(str(amount)) - 2, 0)
    return amount // scale * scale


def _previous_for_new(program: Program, period_end: date) -> dict[int, list[tuple[date, Any]]]:
    probe = ProgressReport(program=program, period_end=period_end)
    return selectors.previous_approved_values(probe)


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_user(request.user, pk)
    if report is None:
        raise Http404(_("No such report."))
    program = _programs_with_kpis(request.user).filter(pk=report.program_id).first()
    if program is None:
        raise Http404(_("No such report."))
    report.program = program
    user = _user(request)
    can_edit = permissions.can_edit_reports(user, program)
    editable = can_edit and report.status in services.EDITABLE_STATUSES
    can_review = (
        report.status == ReportStatus.SUBMITTED
        and permissions.can_review_program(user, program)
        and not permissions.is_own_report(user, report)
    )
    kpis = _kpis_of(program)
    form = ReportForm(initial=_initial(report), kpis=kpis)
    return_form = ReturnForm()

    if request.method == "POST":
        action = request.POST.get("action", "")
        response = _report_post(request, report, action, kpis)
        if isinstance(response, HttpResponse):
            return response
        form, return_form = response

    previous = selectors.previous_approved_values(report)
    allocation = program_allocation(program, report.period_end.year)
    values = {v.kpi_id: v.value for v in report.values.all()}
    warnings: dict[str, str] = {}
    codes = {kpi.pk: kpi.code for kpi in kpis}
    if editable:
        warnings = jump_warnings(
            program=program,
            period_end=report.period_end,
            values={codes[v.kpi_id]: v.value for v in report.values.all() if v.kpi_id in codes},
            last={
                k: (items[0][0], Decimal(str(items[0][1])))
                for k, items in previous.items()
                if items
            },
        )
    return render(
        request,
        "reporting/report_form.html",
        {
            "program": program,
            "report": report,
            "period_end": report.period_end,
            "form": form,
            "return_form": return_form,
            "evidence_form": EvidenceForm(),
            "rows": _rows(
                program,
                report.period_end,
                form if editable else None,
                previous,
                values,
                warnings,
                {v.kpi_id: (v.shortfall_reason, v.shortfall_remedy) for v in report.values.all()},
            ),
            "year_end": is_year_end(report.period_end),
            "period_open": not period_has_ended(report.period_end),
            "example_amount": _example_amount(allocation, program.frequency),
            "editable": editable,
            "can_correct": can_edit and report.is_current,
            "can_review": can_review,
            "revisions": selectors.report_revisions(report),
            "transitions": list(report.transitions.all()),
            "evidence": list(report.evidence.all()),
            "allocation": allocation,
            "allocation_year": report.period_end.year,
        },
    )


def _report_post(
    request: HttpRequest, report: ProgressReport, action: str, kpis: list[KPI]
) -> HttpResponse | tuple[ReportForm, ReturnForm]:
    """Handle one POST on a report page: a redirect when done, else the forms with errors."""
    user = _user(request)
    form = ReportForm(request.POST, request.FILES, kpis=kpis)
    return_form = ReturnForm()
    here = reverse("reporting:report", kwargs={"pk": report.pk})
    try:
        if action in ("save", "submit"):
            if not form.is_valid():
                return form, return_form
            version = form.cleaned_data.get("version")
            try:
                with transaction.atomic():
                    services.report_update(
                        user=user,
                        report=report,
                        expected_version=version,
                        values=form.raw_values(),
                        executed_won=form.cleaned_data["executed_won"],
                        narrative=form.cleaned_data["narrative"],
                        confirm_over_execution=form.cleaned_data["confirm_over_execution"],
                        shortfalls=form.raw_shortfalls(),
                    )
                    _attach_evidence(request, report, form)
                    if action == "submit":
                        services.report_submit(user=user, report=report)
            except ReportInputError as exc:
                form.add_input_errors(exc)
                return form, return_form
            except services.StaleReportError as exc:
                data = request.POST.copy()
                data["version"] = str(exc.current_version)
                form = ReportForm(data, kpis=kpis)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Someone else changed this report while you were editing it. Your "
                        "entries are below; check the report's history, then save again to "
                        "replace their change."
                    ),
                )
                return form, return_form
            messages.success(
                request,
                _("Report submitted for review.") if action == "submit" else _("Draft saved."),
            )
            return redirect(here)
        if action == "correction":
            new = services.report_start_correction(user=user, report=report)
            messages.success(request, _("Correction started: a new revision to submit."))
            return redirect("reporting:report", pk=new.pk)
        if action == "approve":
            services.report_approve(
                user=user, report=report, expected_version=_int(request.POST.get("version"))
            )
            messages.success(request, _("Report approved."))
            return redirect("reporting:review")
        if action == "return":
            return_form = ReturnForm(request.POST)
            if not return_form.is_valid():
                return ReportForm(initial=_initial(report), kpis=kpis), return_form
            services.report_return(
                user=user,
                report=report,
                comment=return_form.cleaned_data["comment"],
                expected_version=_int(request.POST.get("version")),
            )
            messages.success(request, _("Report returned to the officers."))
            return redirect("reporting:review")
    except (services.InvalidTransitionError, services.StaleReportError) as exc:
        messages.error(request, str(exc))
        return redirect(here)
    except ReportInputError as exc:
        messages.error(request, str(exc))
        return redirect(here)
    messages.error(request, _("Unknown action."))
    return redirect(here)


def _int(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_user(request.user, pk)
    if report is None:
        raise Http404(_("No such report."))
    if not permissions.can_edit_reports(request.user, report.program):
        raise PermissionDenied(_("You may not add evidence to this report."))
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            evidence = services.evidence_attach(
                user=_user(request), report=report, uploaded_file=form.cleaned_data["file"]
            )
        except (ReportInputError, services.InvalidTransitionError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Evidence attached: %(name)s") % {"name": evidence.original_name}
            )
    return redirect("reporting:report", pk=report.pk)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    report = selectors.report_for_user(request.user, pk)
    if report is None:
        raise Http404(_("No such report."))
    evidence = EvidenceFile.objects.filter(report=report, pk=evidence_pk).first()
    if evidence is None:
        raise Http404(_("No such file."))
    filename, content_type = evidence_download_name(evidence)
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Review queue -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not permissions.is_reviewer_anywhere(user):
        raise PermissionDenied(_("Only reviewers may use the review queue."))
    queue = selectors.review_queue_for_user(user)
    return_form = ReturnForm()
    if request.method == "POST":
        response = _review_post(request, queue)
        if isinstance(response, HttpResponse):
            return response
        return_form = response
    ministries = selectors.review_queue_ministries(queue)
    chosen = request.GET.get("ministry", "")
    shown = queue.filter(program__ministry__code=chosen) if chosen else queue
    return render(
        request,
        "reporting/review.html",
        {
            "queue": selectors.review_queue_rows(shown, today=_today()),
            "ministries": ministries,
            "chosen_ministry": chosen,
            "return_form": return_form,
            "today": _today(),
        },
    )


def _review_post(request: HttpRequest, queue: Any) -> HttpResponse | ReturnForm:
    user = _user(request)
    one_approve = _int(request.POST.get("approve_one"))
    one_return = _int(request.POST.get("return_one"))
    action = request.POST.get("action", "")
    if one_approve is not None:
        ids, action = [one_approve], "approve"
        comment = ""
    elif one_return is not None:
        ids, action = [one_return], "return"
        comment = request.POST.get(f"comment_{one_return}", "").strip()
    else:
        ids = [i for i in (_int(x) for x in request.POST.getlist("report")) if i is not None]
        comment = request.POST.get("comment", "").strip()
    if not ids:
        messages.error(request, _("Select at least one report."))
        return redirect("reporting:review")
    # Only reports in the user's queue can be acted on; anything else is not found.
    reports = list(queue.filter(pk__in=ids))
    missing = set(ids) - {r.pk for r in reports}
    if missing:
        messages.error(
            request,
            _("%(count)d selected report(s) are no longer waiting for your review.")
            % {"count": len(missing)},
        )
    if action == "return" and not comment:
        form = ReturnForm(data={"comment": ""})
        form.is_valid()
        messages.error(request, _("Returning needs a comment saying what to fix."))
        return form
    if action == "approve":
        outcomes = services.reports_approve_bulk(user=user, reports=reports)
        done_message = _("%(count)d report(s) approved.")
    elif action == "return":
        outcomes = services.reports_return_bulk(user=user, reports=reports, comment=comment)
        done_message = _("%(count)d report(s) returned.")
    else:
        messages.error(request, _("Unknown action."))
        return redirect("reporting:review")
    ok = [o for o in outcomes if o.ok]
    if ok:
        messages.success(request, done_message % {"count": len(ok)})
    for outcome in outcomes:
        if not outcome.ok:
            messages.error(
                request,
                f"{outcome.report.program.code} {outcome.report.period_end}: {outcome.error}",
            )
    return redirect("reporting:review")
