"""Celery tasks: TaskRun records, retries, the broker-down path, reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from config.celery import app as celery_app
from reporting.models import ProgressReport, ReportStatus
from reporting.services import report_approve, report_create_draft, report_submit
from status import services
from status.models import ProgramState, ProgramStatus, TaskRun
from status.tasks import recompute_all, send_reminders, sweep_stale
from tests.status.portfolio import role_user


def _reset_broker_pools(app):
    """Forget the connection pools so that the next publish uses the new broker_url."""
    app._pool = None
    app.amqp._producer_pool = None
    app.control.mailbox.__dict__.pop("producer_pool", None)


@pytest.fixture
def unreachable_broker():
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    _reset_broker_pools(celery_app)
    yield
    celery_app.conf.update(saved)
    _reset_broker_pools(celery_app)


def _submitted(portfolio):
    officer = role_user("officer-msit", "officer", portfolio.ministry)
    reviewer = role_user("reviewer", "reviewer", None)
    report = report_create_draft(
        user=officer,
        program=portfolio.a,
        period_end="2026-03-31",
        values={"A-CUM": 200, "A-LVL": 30},
        executed_won=200_000_000,
    )
    report_submit(user=officer, report=report)
    return report, reviewer


@pytest.mark.django_db
def test_every_run_is_recorded():
    recompute_all.apply(kwargs={"as_of": "2026-04-15"})
    run = TaskRun.objects.get()
    assert run.task_name == "status.recompute_all"
    assert run.kwargs == {"as_of": "2026-04-15"}
    assert run.state == "success" and run.finished_at is not None
    assert run.result is not None and run.result["as_of"] == "2026-04-15"


@pytest.mark.django_db
def test_a_failure_is_recorded_with_its_traceback(monkeypatch):
    def boom(**kwargs):
        raise ValueError("bad input")

    monkeypatch.setattr(services, "status_recompute_all", boom)
    with pytest.raises(ValueError):
        recompute_all.apply(kwargs={"as_of": "2026-04-15"})
    run = TaskRun.objects.get()
    assert run.state == "failure"
    assert run.error == "ValueError: bad input"
    assert "Traceback" in run.traceback and "boom" in run.traceback


@pytest.mark.django_db
def test_database_errors_are_retried_then_fail(monkeypatch):
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(services, "status_recompute_all", flaky)
    celery_app.conf.task_eager_propagates = False  # eager retries re-apply with this default
    try:
        result = recompute_all.apply(kwargs={"as_of": "2026-04-15"})
    finally:
        celery_app.conf.task_eager_propagates = True
    assert result.failed() and isinstance(result.result, OperationalError)
    assert len(calls) == recompute_all.max_retries + 1
    states = list(TaskRun.objects.order_by("id").values_list("attempt", "state"))
    assert states[0] == (1, "retry")
    assert states[-1] == (recompute_all.max_retries + 1, "failure")


@pytest.mark.django_db(transaction=True)
def test_approval_commits_with_the_broker_down_and_the_sweep_recomputes(
    portfolio, unreachable_broker
):
    report, reviewer = _submitted(portfolio)
    report_approve(user=reviewer, report=report)  # commits; the enqueue after commit fails

    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.is_current
    state = ProgramState.objects.get(program=portfolio.a)
    assert state.stale and state.reason == "report_approved"
    assert not ProgramStatus.objects.exists()

    sweep_stale.apply()
    state.refresh_from_db()
    assert not state.stale
    row = ProgramStatus.objects.get(program=portfolio.a, as_of=timezone.localdate())
    assert row.executed_won == 200_000_000
    assert TaskRun.objects.filter(task_name="status.sweep_stale", state="success").exists()


@pytest.mark.django_db
def test_a_rolled_back_approval_leaves_no_stale_mark(portfolio, django_capture_on_commit_callbacks):
    from django.db import transaction

    report, reviewer = _submitted(portfolio)
    with pytest.raises(RuntimeError), transaction.atomic():
        report_approve(user=reviewer, report=report)
        raise RuntimeError("the request failed after the approval")
    assert not ProgramState.objects.filter(stale=True).exists()
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


@pytest.mark.django_db
def test_eager_approval_recomputes_at_once(portfolio, django_capture_on_commit_callbacks, settings):
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        report, reviewer = _submitted(portfolio)
        with django_capture_on_commit_callbacks(execute=True):
            report_approve(user=reviewer, report=report)
    finally:
        celery_app.conf.task_always_eager = saved
    assert not ProgramState.objects.get(program=portfolio.a).stale
    assert ProgramStatus.objects.filter(program=portfolio.a).exists()


@pytest.mark.django_db
def test_reminders_go_to_the_right_people(portfolio, monkeypatch):
    from status import tasks

    officer = role_user("officer-msit", "officer", portfolio.ministry, "officer@msit.go.kr")
    from budget.models import Ministry

    other = Ministry.objects.create(code="MOEL", name="Ministry of Employment and Labor")
    role_user("officer-moel", "officer", other, "officer@moel.go.kr")
    role_user("reviewer", "reviewer", None, "reviewer@gov.kr")
    role_user("reviewer-moel", "reviewer", other, "reviewer@moel.go.kr")

    # B's Q1 report has waited 4 days for review; A's Q2 report only 1 day.
    now = timezone.now()
    for program, end, waited in (
        (portfolio.b, date(2026, 3, 31), 4),
        (portfolio.a, date(2026, 6, 30), 1),
    ):
        ProgressReport.objects.create(
            program=program,
            period_start=end.replace(day=1, month=end.month - 2),
            period_end=end,
            status=ReportStatus.SUBMITTED,
            created_by=officer,
            submitted_by=officer,
            submitted_at=now - timedelta(days=waited),
        )
    # Today 25 Apr 2026: Q1 (due 30 Apr) is due within 7 days for A; B's is submitted.
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: date(2026, 4, 25))
    send_reminders.apply()

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"officer@msit.go.kr", "reviewer@gov.kr"}
    officer_mail = by_recipient["officer@msit.go.kr"].body
    assert "A, period ending 2026-03-31: due on 2026-04-30" in officer_mail
    assert "B, period ending" not in officer_mail and "C," not in officer_mail
    reviewer_mail = by_recipient["reviewer@gov.kr"].body
    assert "B, period ending 2026-03-31" in reviewer_mail
    assert "A, period ending" not in reviewer_mail
    run = TaskRun.objects.get(task_name="status.send_reminders")
    assert run.result == {"overdue": 0, "due_soon": 1, "waiting": 1, "emails": 2}


@pytest.mark.django_db
def test_overdue_reports_are_flagged_in_the_reminder(portfolio):
    from status.reminders import reminders_send

    role_user("officer-msit", "officer", portfolio.ministry, "officer@msit.go.kr")
    result = reminders_send(today=date(2026, 5, 10))
    assert result["overdue"] == 2  # A and B, Q1 due on 30 Apr
    assert "A, period ending 2026-03-31: overdue since 2026-04-30" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_a_target_revision_marks_stale_with_the_broker_down(portfolio, unreachable_broker):
    from kpis.services import kpi_revise_target

    admin = role_user("admin", "administrator", None)
    kpi_revise_target(
        user=admin,
        kpi=portfolio.kpis["A-CUM"],
        effective_from="2026-04-01",
        target=500,
        reason="scope_change",
    )
    state = ProgramState.objects.get(program=portfolio.a)
    assert state.stale and state.reason == "target_revised"
    sweep_stale.apply()
    state.refresh_from_db()
    assert not state.stale


@pytest.mark.django_db
def test_a_report_is_overdue_from_its_due_date_as_on_the_board_and_the_dashboard(portfolio):
    """One rule for "overdue" (programs.periods.is_overdue): from the day the period comes due."""
    from status.reminders import reminders_send

    role_user("officer-msit", "officer", portfolio.ministry, "officer@msit.go.kr")
    result = reminders_send(today=date(2026, 4, 30))  # Q1 comes due today
    assert result["overdue"] == 2
    assert "A, period ending 2026-03-31: overdue since 2026-04-30" in mail.outbox[0].body
