"""Commands: exports are audited; import_progress records the submitter and the approver."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.roles import Role
from tests.audit.conftest import entries
from tests.factories import BudgetNodeFactory, KPIFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(ministry):
    node = BudgetNodeFactory(code="NACC", amount_won=1_000_000)
    program = ProgramFactory(
        node=node,
        ministry=ministry,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        frequency="quarterly",
    )
    KPIFactory(
        program=program,
        code="NACC-GPU",
        kind="level",
        target=Decimal(10000),
        target_date=dt.date(2026, 12, 31),
    )
    return program


def test_import_progress_records_submitter_and_approver(programme, ministry, tmp_path):
    officer = UserFactory(username="officer-msit", role=Role.OFFICER, ministry=ministry)
    reviewer = UserFactory(username="reviewer", role=Role.REVIEWER, ministry=ministry)
    path = tmp_path / "progress.json"
    path.write_text(
        json.dumps(
            [
                {
                    "program": "NACC",
                    "period_end": "2026-03-31",
                    "executed_won": 1000,
                    "values": {"NACC-GPU": 1200},
                }
            ]
        )
    )
    call_command(
        "import_progress",
        str(path),
        "--as",
        "officer-msit",
        "--approve-as",
        "reviewer",
        stdout=io.StringIO(),
    )
    (submit,) = entries(object_type="reporting.reporttransition", action="submit")
    (approve,) = entries(object_type="reporting.reporttransition", action="approve")
    assert (submit.actor_id, submit.source) == (officer.pk, "command:import_progress")
    assert (approve.actor_id, approve.source) == (reviewer.pk, "command:import_progress")
    (value,) = entries(object_type="reporting.kpivalue", action="create")
    assert value.actor_id == officer.pk


def test_export_budget_is_audited(programme):
    call_command("export_budget", "--format", "json", stdout=io.StringIO())
    (export,) = entries(action="export")
    assert export.object_type == "budget"
    assert export.extra["format"] == "json"


def test_export_board_is_audited(programme):
    call_command("export_board", "--as-of", "2026-06-30", "--format", "csv", stdout=io.StringIO())
    (export,) = entries(action="export")
    assert export.object_type == "board"
    assert export.extra["filters"] == {"as_of": "2026-06-30", "year": 2026}
    assert export.extra["rows"] == 1
