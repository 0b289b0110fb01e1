"""The other apps' services, end to end: every write they make is in the trail, including their
bulk writes (KPI values, milestones) and the flip of the previous approved revision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.roles import Role
from audit.verification import verify_chain
from kpis.services import kpi_revise_target
from reporting.services import (
    report_approve,
    report_create_draft,
    report_start_correction,
    report_submit,
    report_update,
)
from tests.audit.conftest import entries
from tests.factories import KPIFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(program, ministry):
    program.start = dt.date(2026, 1, 1)
    program.end = dt.date(2026, 12, 31)
    program.frequency = "quarterly"
    program.save()
    kpi = KPIFactory(
        program=program,
        code="GPU",
        kind="level",
        target=Decimal(10000),
        target_date=dt.date(2028, 12, 31),
    )
    officer = UserFactory(username="off", role=Role.OFFICER, ministry=ministry)
    reviewer = UserFactory(username="rev", role=Role.REVIEWER, ministry=ministry)
    admin = UserFactory(username="adm", role=Role.ADMINISTRATOR)
    return program, kpi, officer, reviewer, admin


def test_a_report_lifecycle_is_fully_recorded(setup):
    program, _kpi, officer, reviewer, _admin = setup
    report = report_create_draft(
        user=officer,
        program=program,
        period_end="2026-03-31",
        values={"GPU": 100},
        executed_won=1000,
    )
    (value_created,) = entries(object_type="reporting.kpivalue", action="create")
    assert value_created.after["value"] == "100"
    assert value_created.ministry_id == program.ministry_id

    report = report_update(user=officer, report=report, values={"GPU": 150})
    (value_updated,) = entries(object_type="reporting.kpivalue", action="update")
    assert value_updated.before == {"value": "100.0000"}
    assert value_updated.after == {"value": "150"}

    report = report_submit(user=officer, report=report)
    report = report_approve(user=reviewer, report=report)
    assert entries(object_type="reporting.reporttransition", action="submit")
    assert entries(object_type="reporting.reporttransition", action="approve")
    statuses = [
        e.after.get("status")
        for e in entries(object_type="reporting.progressreport", object_id=str(report.pk))
        if e.after and "status" in e.after
    ]
    assert statuses[-2:] == ["submitted", "approved"]

    correction = report_start_correction(user=officer, report=report)
    copied = entries(object_type="reporting.kpivalue", action="create", seq__gt=value_updated.seq)
    assert len(copied) == 1, "the correction's copied values are recorded"
    correction = report_submit(user=officer, report=correction)
    report_approve(user=reviewer, report=correction)
    flipped = [
        e
        for e in entries(
            object_type="reporting.progressreport", object_id=str(report.pk), action="update"
        )
        if e.after and e.after.get("is_current") is False
    ]
    assert len(flipped) == 1, "the previous revision stops counting, on the record"
    assert flipped[0].actor_id is None or flipped[0].actor_username in ("rev", "system")
    assert verify_chain().intact


def test_a_target_revision_with_milestones_is_recorded(setup):
    _program, kpi, _officer, _reviewer, admin = setup
    kpi_revise_target(
        user=admin,
        kpi=kpi,
        effective_from=dt.date(2026, 7, 1),
        target=Decimal(12000),
        milestones=[{"date": "2026-12-31", "value": 3000}],
        reason="scope_change",
    )
    (revision,) = entries(object_type="kpis.targetrevision", action="revise_target")
    assert revision.extra["reason"] == "scope_change"
    assert entries(object_type="kpis.kpi", object_id=str(kpi.pk), action="update")
    milestone = entries(object_type="kpis.milestone", action="create")[-1]
    assert milestone.after["value"] == "3000"
