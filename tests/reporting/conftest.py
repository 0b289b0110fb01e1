"""Shared fixtures for the reporting tests: one programme of ministry A with three KPIs (one of
each kind), a programme of ministry B, and a user for every role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from accounts.roles import Role
from tests.factories import (
    BudgetNodeFactory,
    KPIFactory,
    MinistryFactory,
    ProgramFactory,
    UserFactory,
)


@dataclass
class World:
    ministry: object
    other_ministry: object
    program: object
    other_program: object
    users: dict


ROLE_KEYS = [
    "officer",
    "officer_other",
    "reviewer",
    "reviewer_other",
    "reviewer_all",
    "director",
    "auditor",
    "admin",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    a = MinistryFactory(code="MSIT")
    b = MinistryFactory(code="MOE")
    node = BudgetNodeFactory(code="NACC", name="National AI computing centre", amount_won=1_000_000)
    program = ProgramFactory(
        node=node, ministry=a, start=date(2026, 1, 1), end=date(2026, 12, 31), frequency="quarterly"
    )
    KPIFactory(
        program=program,
        code="NACC-GPU",
        kind="level",
        target=Decimal(10000),
        target_date=date(2028, 12, 31),
        unit="GPUs",
        position=1,
    )
    KPIFactory(
        program=program,
        code="NACC-PHD",
        kind="cumulative",
        target=Decimal(5000),
        target_date=date(2026, 12, 31),
        position=2,
    )
    KPIFactory(
        program=program,
        code="NACC-DEG",
        kind="annual",
        target=Decimal(20000),
        target_date=date(2026, 12, 31),
        position=3,
    )
    other_node = BudgetNodeFactory(code="EDU", amount_won=500_000)
    other = ProgramFactory(node=other_node, ministry=b)
    KPIFactory(program=other, code="EDU-X", kind="cumulative")
    users = {
        "officer": UserFactory(username="officer-a", role=Role.OFFICER, ministry=a),
        "officer2": UserFactory(username="officer-a2", role=Role.OFFICER, ministry=a),
        "officer_other": UserFactory(username="officer-b", role=Role.OFFICER, ministry=b),
        "reviewer": UserFactory(username="reviewer-a", role=Role.REVIEWER, ministry=a),
        "reviewer_other": UserFactory(username="reviewer-b", role=Role.REVIEWER, ministry=b),
        "reviewer_all": UserFactory(username="reviewer-all", role=Role.REVIEWER),
        "director": UserFactory(username="director", role=Role.DIRECTOR),
        "auditor": UserFactory(username="auditor", role=Role.AUDITOR),
        "admin": UserFactory(username="admin", role=Role.ADMINISTRATOR),
    }
    return World(ministry=a, other_ministry=b, program=program, other_program=other, users=users)


FULL_VALUES = {"NACC-GPU": 1200, "NACC-PHD": 30, "NACC-DEG": 500}
# What a year-end report with FULL_VALUES must give: each of them falls short at 2026-12-31.
FULL_SHORTFALLS = {
    code: {"reason": f"{code} behind plan", "remedy": f"{code} catch-up plan"}
    for code in FULL_VALUES
}
