"""The whole report workflow through reporting/services.py: draft, submit, return, resubmit,
approve, lock, corrections (earlier revisions stay; only the latest approved counts), refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from reporting import services
from reporting.models import KPIValue, ProgressReport, ReportAction, ReportTransition
from reporting.validation import DuplicateReportError, ReportInputError
from tests.reporting.conftest import FULL_VALUES

Q1 = date(2026, 3, 31)
Q2 = date(2026, 6, 30)


def _draft(world, period_end=Q1, values=None, **kwargs):
    return services.report_create_draft(
        user=world.users["officer"],
        program=world.program,
        period_end=period_end,
        values=FULL_VALUES if values is None else values,
        executed_won=kwargs.pop("executed_won", 100_000),
        **kwargs,
    )


def _submitted(world, **kwargs):
    report = _draft(world, **kwargs)
    return services.report_submit(user=world.users["officer"], report=report)


def _approved(world, **kwargs):
    report = _submitted(world, **kwargs)
    return services.report_approve(user=world.users["reviewer"], report=report)


def test_create_draft_stores_values_and_records_creation(world):
    report = _draft(world, narrative="first quarter")
    assert report.status == "draft"
    assert report.version == 1
    assert report.revision == 1
    assert report.period_start == date(2026, 1, 1)
    assert report.executed_won == 100_000
    assert {v.kpi.code: v.value for v in report.values.all()} == {
        "NACC-GPU": Decimal(1200),
        "NACC-PHD": Decimal(30),
        "NACC-DEG": Decimal(500),
    }
    transitions = list(report.transitions.all())
    assert [(t.action, t.from_status, t.to_status) for t in transitions] == [
        ("created", "", "draft")
    ]


def test_full_workflow_with_return_and_resubmission(world):
    officer, reviewer = world.users["officer"], world.users["reviewer"]
    report = _draft(world)
    report = services.report_submit(user=officer, report=report, expected_version=1)
    assert report.status == "submitted" and report.submitted_by == officer
    report = services.report_return(user=reviewer, report=report, comment="GPU count looks low")
    assert report.status == "returned"
    assert report.review_comment == "GPU count looks low"
    report = services.report_update(
        user=officer, report=report, values={"NACC-GPU": "1,250"}, narrative="fixed"
    )
    assert report.status == "returned"
    assert report.values.get(kpi__code="NACC-GPU").value == Decimal(1250)
    assert report.values.get(kpi__code="NACC-PHD").value == Decimal(30)  # merged, kept
    report = services.report_submit(user=officer, report=report)
    report = services.report_approve(user=reviewer, report=report)
    assert report.status == "approved"
    assert report.is_current
    assert report.reviewed_by == reviewer
    actions = list(report.transitions.values_list("action", flat=True))
    assert actions == ["created", "submitted", "returned", "updated", "submitted", "approved"]
    assert report.version == 6
    returned = report.transitions.get(action=ReportAction.RETURNED)
    assert returned.comment == "GPU count looks low" and returned.actor == reviewer


def test_approved_report_is_locked(world):
    report = _approved(world)
    officer = world.users["officer"]
    with pytest.raises(services.InvalidTransitionError):
        services.report_update(user=officer, report=report, values={"NACC-GPU": 1})
    with pytest.raises(services.InvalidTransitionError):
        services.report_submit(user=officer, report=report)
    with pytest.raises(services.InvalidTransitionError):
        services.report_approve(user=world.users["reviewer_all"], report=report)
    with pytest.raises(services.InvalidTransitionError):
        services.report_return(user=world.users["reviewer"], report=report, comment="x")
    assert report.values.get(kpi__code="NACC-GPU").value == Decimal(1200)


def test_correction_makes_a_new_revision_and_only_latest_approved_counts(world):
    officer, reviewer = world.users["officer"], world.users["reviewer"]
    first = _approved(world)
    correction = services.report_start_correction(user=officer, report=first)
    assert correction.revision == 2 and correction.status == "draft"
    assert {v.kpi.code: v.value for v in correction.values.all()} == {
        k: Decimal(v) for k, v in FULL_VALUES.items()
    }
    assert correction.executed_won == first.executed_won
    first.refresh_from_db()
    assert first.is_current  # still counts until the correction is approved
    services.report_update(user=officer, report=correction, values={"NACC-GPU": 1300})
    services.report_submit(user=officer, report=correction)
    services.report_approve(user=reviewer, report=correction)
    first.refresh_from_db()
    correction.refresh_from_db()
    assert not first.is_current and first.status == "approved"
    assert correction.is_current
    current = KPIValue.objects.get(
        report__program=world.program,
        report__period_end=Q1,
        report__is_current=True,
        kpi__code="NACC-GPU",
    )
    assert current.value == Decimal(1300)
    # Both revisions remain, the first with its original values.
    assert ProgressReport.objects.filter(program=world.program, period_end=Q1).count() == 2
    assert first.values.get(kpi__code="NACC-GPU").value == Decimal(1200)
    # A correction of a superseded revision is refused.
    with pytest.raises(services.InvalidTransitionError):
        services.report_start_correction(user=officer, report=first)


def test_second_correction_while_one_is_open_is_refused(world):
    first = _approved(world)
    services.report_start_correction(user=world.users["officer"], report=first)
    with pytest.raises(DuplicateReportError, match="already open"):
        services.report_start_correction(user=world.users["officer"], report=first)


def test_correction_of_an_open_report_is_refused(world):
    report = _draft(world)
    with pytest.raises(services.InvalidTransitionError):
        services.report_start_correction(user=world.users["officer"], report=report)


def test_duplicate_open_report_is_refused(world):
    existing = _draft(world)
    with pytest.raises(DuplicateReportError) as info:
        _draft(world)
    assert info.value.existing == existing
    assert info.value.errors[0].field == "period_end"
    assert "already open" in info.value.errors[0].message
    assert ProgressReport.objects.count() == 1


def test_new_report_when_approved_exists_needs_a_correction(world):
    _approved(world)
    with pytest.raises(DuplicateReportError, match="start a correction"):
        _draft(world)


def test_self_approval_is_refused_even_for_an_administrator(world):
    admin = world.users["admin"]
    report = services.report_create_draft(
        user=admin, program=world.program, period_end=Q1, values=FULL_VALUES, executed_won=1
    )
    services.report_submit(user=admin, report=report)
    with pytest.raises(PermissionDenied):
        services.report_approve(user=admin, report=report)
    with pytest.raises(PermissionDenied):
        services.report_return(user=admin, report=report, comment="no")
    report.refresh_from_db()
    assert report.status == "submitted"


def test_reviewer_who_submitted_cannot_approve(world, django_user_model):
    from django.contrib.auth.models import Group

    # A reviewer who is also an officer of the ministry submits: they may not approve it.
    both = world.users["reviewer"]
    both.groups.add(Group.objects.get(name="officer"))
    both = django_user_model.objects.get(pk=both.pk)
    report = services.report_create_draft(
        user=both, program=world.program, period_end=Q1, values=FULL_VALUES, executed_won=1
    )
    services.report_submit(user=both, report=report)
    with pytest.raises(PermissionDenied):
        services.report_approve(user=both, report=report)
    services.report_approve(user=world.users["reviewer_all"], report=report)


def test_stale_version_is_refused(world):
    report = _draft(world)
    stale_copy = ProgressReport.objects.get(pk=report.pk)
    services.report_update(
        user=world.users["officer2"], report=report, values={"NACC-GPU": 7}, expected_version=1
    )
    with pytest.raises(services.StaleReportError) as info:
        services.report_update(
            user=world.users["officer"],
            report=stale_copy,
            values={"NACC-GPU": 8},
            expected_version=1,
        )
    assert info.value.current_version == 2
    assert KPIValue.objects.get(report=report, kpi__code="NACC-GPU").value == Decimal(7)
    with pytest.raises(services.StaleReportError):
        services.report_submit(user=world.users["officer"], report=stale_copy, expected_version=1)
    services.report_submit(user=world.users["officer"], report=stale_copy, expected_version=2)
    with pytest.raises(services.StaleReportError):
        services.report_approve(user=world.users["reviewer"], report=report, expected_version=2)


def test_submit_needs_every_value_and_the_budget(world):
    report = _draft(world, values={"NACC-GPU": 10}, executed_won="")
    with pytest.raises(ReportInputError) as info:
        services.report_submit(user=world.users["officer"], report=report)
    fields = {e.field for e in info.value.errors}
    assert fields == {"values.NACC-PHD", "values.NACC-DEG", "executed_won"}
    report.refresh_from_db()
    assert report.status == "draft"


def test_clearing_a_value(world):
    report = _draft(world)
    services.report_update(user=world.users["officer"], report=report, values={"NACC-GPU": ""})
    assert not report.values.filter(kpi__code="NACC-GPU").exists()


def test_return_needs_a_comment(world):
    report = _submitted(world)
    with pytest.raises(ReportInputError) as info:
        services.report_return(user=world.users["reviewer"], report=report, comment="  ")
    assert info.value.errors[0].field == "comment"
    report.refresh_from_db()
    assert report.status == "submitted"


def test_bulk_approve_reports_each_outcome(world):
    q1 = _submitted(world)
    q2 = _submitted(world, period_end=Q2)
    draft = _draft(world, period_end=date(2026, 9, 30))
    outcomes = services.reports_approve_bulk(user=world.users["reviewer"], reports=[q1, q2, draft])
    assert [o.ok for o in outcomes] == [True, True, False]
    assert "submitted" in outcomes[2].error
    assert ProgressReport.objects.filter(status="approved").count() == 2


def test_bulk_return(world):
    q1 = _submitted(world)
    q2 = _submitted(world, period_end=Q2)
    with pytest.raises(ReportInputError):
        services.reports_return_bulk(user=world.users["reviewer"], reports=[q1, q2], comment="")
    outcomes = services.reports_return_bulk(
        user=world.users["reviewer"], reports=[q1, q2], comment="Add evidence"
    )
    assert all(o.ok for o in outcomes)
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {"returned"}


def test_over_execution_needs_confirmation(world):
    with pytest.raises(ReportInputError) as info:
        _draft(world, executed_won=1_000_001)
    assert info.value.errors[0].field == "executed_won"
    assert "confirm" in info.value.errors[0].message
    report = _draft(world, executed_won=1_000_001, confirm_over_execution=True)
    assert report.over_execution_confirmed
    # The confirmation stands while the amount is unchanged: submitting works.
    services.report_submit(user=world.users["officer"], report=report)


def test_over_execution_counts_other_approved_periods_of_the_year(world):
    _approved(world, executed_won=600_000)
    with pytest.raises(ReportInputError, match="above the programme's allocation"):
        _draft(world, period_end=Q2, executed_won=500_000)
    _draft(world, period_end=Q2, executed_won=400_000)


def test_every_transition_writes_a_row_and_bumps_the_version(world):
    report = _draft(world)
    versions = [report.version]
    report = services.report_update(user=world.users["officer"], report=report, narrative="x")
    versions.append(report.version)
    report = services.report_submit(user=world.users["officer"], report=report)
    versions.append(report.version)
    report = services.report_approve(user=world.users["reviewer"], report=report)
    versions.append(report.version)
    assert versions == [1, 2, 3, 4]
    assert ReportTransition.objects.filter(report=report).count() == 4


def test_approval_hook_is_called_once(world, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_on_report_approved", lambda r: calls.append(r.pk))
    report = _approved(world)
    assert calls == [report.pk]
