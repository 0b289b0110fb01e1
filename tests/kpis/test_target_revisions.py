"""KPI target revisions (docs/status-rules.md): administrators only; a reason once data exists
("other" needs text); the original and every revision stay visible; kind and direction fixed once
values exist; the target in force at an as-of date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from kpis.models import TargetRevision
from kpis.progress_data import kpi_has_data
from kpis.selectors import kpi_target_as_of, kpi_target_history
from kpis.services import kpi_change_definition, kpi_revise_target
from tests.factories import (
    KPIFactory,
    MilestoneFactory,
    ProgramFactory,
    ProgressReportFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", role=Role.ADMINISTRATOR)


@pytest.fixture
def kpi(db):
    program = ProgramFactory(start=date(2026, 1, 1), end=date(2030, 12, 31))
    return KPIFactory(
        program=program,
        code="PHD",
        kind="cumulative",
        baseline=Decimal(0),
        target=Decimal(5000),
        target_date=date(2030, 12, 31),
    )


def _with_data(kpi, status="submitted"):
    ProgressReportFactory(program=kpi.program, status=status, values={kpi.code: 10})


@pytest.mark.parametrize("role", [Role.OFFICER, Role.REVIEWER, Role.DIRECTOR, Role.AUDITOR, None])
def test_only_administrators_revise(kpi, role):
    user: Any = UserFactory(role=role) if role else AnonymousUser()
    with pytest.raises(PermissionDenied):
        kpi_revise_target(user=user, kpi=kpi, effective_from=date(2026, 7, 1), target=6000)
    with pytest.raises(PermissionDenied):
        kpi_change_definition(user=user, kpi=kpi, name="x")
    assert TargetRevision.objects.count() == 0


def test_revision_without_data_needs_no_reason(admin, kpi):
    revision = kpi_revise_target(
        user=admin, kpi=kpi, effective_from=date(2026, 1, 1), target="6,000"
    )
    assert revision.reason == ""
    kpi.refresh_from_db()
    assert kpi.target == Decimal(6000)


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_reason_required_once_data_exists(admin, kpi, status):
    _with_data(kpi, status)
    assert kpi_has_data(kpi)
    with pytest.raises(ValidationError) as info:
        kpi_revise_target(user=admin, kpi=kpi, effective_from=date(2026, 7, 1), target=6000)
    assert "reason" in info.value.message_dict
    kpi.refresh_from_db()
    assert kpi.target == Decimal(5000)
    assert TargetRevision.objects.count() == 0


def test_draft_values_are_not_data(admin, kpi):
    _with_data(kpi, "draft")
    assert not kpi_has_data(kpi)


def test_reason_must_be_from_the_list(admin, kpi):
    _with_data(kpi)
    with pytest.raises(ValidationError) as info:
        kpi_revise_target(
            user=admin, kpi=kpi, effective_from=date(2026, 7, 1), target=6000, reason="whim"
        )
    assert "reason" in info.value.message_dict


def test_other_needs_text(admin, kpi):
    _with_data(kpi)
    with pytest.raises(ValidationError) as info:
        kpi_revise_target(
            user=admin, kpi=kpi, effective_from=date(2026, 7, 1), target=6000, reason="other"
        )
    assert "reason_text" in info.value.message_dict
    revision = kpi_revise_target(
        user=admin,
        kpi=kpi,
        effective_from=date(2026, 7, 1),
        target=6000,
        reason="other",
        reason_text="Ministerial decision",
    )
    assert revision.reason_text == "Ministerial decision"


def test_revision_stores_previous_and_revised_and_updates_the_kpi(admin, kpi):
    MilestoneFactory(kpi=kpi, date=date(2027, 12, 31), value=Decimal(1000))
    _with_data(kpi)
    revision = kpi_revise_target(
        user=admin,
        kpi=kpi,
        effective_from=date(2027, 1, 1),
        target=4000,
        target_date="2031-12-31",
        milestones=[{"date": "2028-12-31", "value": 1500}],
        reason="implementation_delay",
    )
    assert revision.previous == {
        "target": "5000",
        "target_date": "2030-12-31",
        "baseline": "0",
        "milestones": [{"date": "2027-12-31", "value": "1000"}],
    }
    assert revision.revised == {
        "target": "4000",
        "target_date": "2031-12-31",
        "baseline": "0",
        "milestones": [{"date": "2028-12-31", "value": "1500"}],
    }
    assert revision.created_by == admin
    kpi.refresh_from_db()
    assert kpi.target == 4000 and kpi.target_date == date(2031, 12, 31)
    assert [(m.date, m.value) for m in kpi.milestones.all()] == [(date(2028, 12, 31), 1500)]


def test_history_shows_the_original_and_every_revision(admin, kpi):
    assert [e.is_original for e in kpi_target_history(kpi)] == [True]
    _with_data(kpi)
    kpi_revise_target(
        user=admin, kpi=kpi, effective_from=date(2027, 1, 1), target=6000, reason="scope_change"
    )
    kpi_revise_target(
        user=admin,
        kpi=kpi,
        effective_from=date(2028, 1, 1),
        target="6000.00",
        baseline=5,
        reason="data_correction",
    )
    history = kpi_target_history(kpi)
    assert [e.is_original for e in history] == [True, False, False]
    assert history[0].values["target"] == "5000"
    assert history[1].values["target"] == "6000"
    assert history[1].by == admin and history[1].reason == "scope_change"
    assert history[1].reason_label == "Scope change"
    assert history[1].changed == ["target"]
    assert history[2].changed == ["baseline"]
    assert history[2].effective_from == date(2028, 1, 1)


def test_target_in_force_at_an_as_of_date(admin, kpi):
    kpi_revise_target(user=admin, kpi=kpi, effective_from=date(2027, 1, 1), target=6000)
    kpi_revise_target(user=admin, kpi=kpi, effective_from=date(2028, 1, 1), target=7000)
    assert kpi_target_as_of(kpi, date(2026, 6, 30)).target == 5000
    assert kpi_target_as_of(kpi, date(2027, 1, 1)).target == 6000
    assert kpi_target_as_of(kpi, date(2029, 1, 1)).target == 7000


@pytest.mark.parametrize(
    ("typed", "read"),
    [("7,000", 7000), ("1만 2,000", 12000), ("0.8만", 8000), ("6,500 people", 6500)],
)
def test_a_target_is_read_as_people_type_it(admin, kpi, typed, read):
    kpi.unit = "people"
    kpi.save(update_fields=["unit"])
    kpi_revise_target(user=admin, kpi=kpi, effective_from=date(2026, 1, 1), target=typed)
    kpi.refresh_from_db()
    assert kpi.target == Decimal(read)


@pytest.mark.parametrize(
    ("typed", "says"),
    [("80%", "percentage"), ("1e15", "implausibly large"), ("1.00001", "decimal places")],
)
def test_a_target_that_cannot_be_read_says_why(admin, kpi, typed, says):
    with pytest.raises(ValidationError) as info:
        kpi_revise_target(user=admin, kpi=kpi, effective_from=date(2026, 1, 1), target=typed)
    assert says in info.value.message_dict["target"][0]
    kpi.refresh_from_db()
    assert kpi.target == Decimal(5000)


def test_bad_revision_input(admin, kpi):
    with pytest.raises(ValidationError) as info:
        kpi_revise_target(
            user=admin,
            kpi=kpi,
            effective_from="soon",
            target="abc",
            target_date="2025-01-01",
            milestones=[{"date": "2031-01-01", "value": 1}, {"date": "x", "value": "=1"}],
        )
    errors = info.value.message_dict
    assert set(errors) >= {
        "effective_from",
        "target",
        "target_date",
        "milestones[0].date",
        "milestones[1].date",
        "milestones[1].value",
    }


def test_no_change_is_refused(admin, kpi):
    with pytest.raises(ValidationError, match="nothing changes"):
        kpi_revise_target(user=admin, kpi=kpi, effective_from=date(2027, 1, 1), target=5000)


def test_kind_and_direction_fixed_once_values_exist(admin, kpi):
    kpi_change_definition(user=admin, kpi=kpi, kind="level", name="Renamed")
    kpi.refresh_from_db()
    assert kpi.kind == "level" and kpi.name == "Renamed"
    ProgressReportFactory(program=kpi.program, status="draft", values={kpi.code: 10})
    for field, value in (("kind", "cumulative"), ("direction", "decrease")):
        with pytest.raises(ValidationError) as info:
            kpi_change_definition(user=admin, kpi=kpi, **{field: value})
        assert "would change what they mean" in info.value.message_dict[field][0]
    kpi_change_definition(user=admin, kpi=kpi, unit="doctors", kind="level")  # unchanged kind
    kpi.refresh_from_db()
    assert kpi.kind == "level" and kpi.unit == "doctors"


def test_definition_change_refuses_target_fields(admin, kpi):
    with pytest.raises(ValidationError) as info:
        kpi_change_definition(user=admin, kpi=kpi, target=1)
    assert "target revision" in info.value.message_dict["target"][0]


def test_a_revision_announces_itself_to_the_layers_above(admin, kpi):
    from kpis.signals import target_revised

    calls = []

    def listener(sender, *, kpi, **kwargs):
        calls.append(kpi.pk)

    target_revised.connect(listener)
    try:
        kpi_revise_target(user=admin, kpi=kpi, effective_from=date(2027, 1, 1), target=1)
    finally:
        target_revised.disconnect(listener)
    assert calls == [kpi.pk]
