"""Data for the public pages: a board portfolio (tests/boards/data.py) with, beside the approved
figures, everything that must never be public: draft, submitted and returned reports, a superseded
revision, narratives, reviewer's comments, shortfall texts and the people who wrote them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.roles import Role
from kpis.models import KPI
from reporting.models import KPIValue, ProgressReport, ReportStatus, ReportTransition
from tests.boards.data import BoardData, build_board_data
from tests.factories import user_with_role

Q3 = (date(2026, 7, 1), date(2026, 9, 30))

# Text and figures that must not appear anywhere public (each written in every form a page or a
# file could show it).
SECRET_TEXTS = [
    "NARRATIVE-SECRET-41",
    "REVIEW-COMMENT-SECRET-42",
    "TRANSITION-COMMENT-SECRET-43",
    "SHORTFALL-REASON-SECRET-44",
    "SHORTFALL-REMEDY-SECRET-45",
    "secret-officer-46",
    "secret-reviewer-47",
    "pg-data-officer",
]
SECRET_NUMBERS = [
    777_777,  # a draft's value
    888_888,  # a submitted report's value
    999_999,  # a returned report's value
    654_321,  # a superseded approved revision's value
    4_242_424_242,  # a returned report's execution
]


def number_forms(n: int) -> list[str]:
    forms = [str(n), f"{n:,}"]
    if n >= 10_000:  # Korean groups of four: 77만 7,777
        forms.append(f"{n // 10_000:,}만 {n % 10_000:,}")
    return forms


@dataclass
class PublicData:
    board: BoardData
    officer: object
    reviewer: object


def _report(data: BoardData, k: int, status: str, value: int, **kwargs: object) -> ProgressReport:
    program = data.programs[k]
    report = ProgressReport.objects.create(
        program=program,
        period_start=Q3[0],
        period_end=Q3[1],
        status=status,
        created_by=kwargs.pop("created_by"),
        narrative="NARRATIVE-SECRET-41",
        **kwargs,
    )
    for kpi in KPI.objects.filter(program=program):
        KPIValue.objects.create(report=report, kpi=kpi, value=Decimal(value))
    return report


@pytest.fixture
def public_data(db) -> PublicData:
    data = build_board_data(5)
    officer = user_with_role(Role.OFFICER, username="secret-officer-46", ministry=data.msit)
    reviewer = user_with_role(Role.REVIEWER, username="secret-reviewer-47")
    # Open reports for Q3: a draft, a submitted one, a returned one with a comment.
    _report(data, 0, ReportStatus.DRAFT, 777_777, created_by=officer)
    _report(data, 1, ReportStatus.SUBMITTED, 888_888, created_by=officer, submitted_by=officer)
    returned = _report(
        data,
        2,
        ReportStatus.RETURNED,
        999_999,
        created_by=officer,
        submitted_by=officer,
        reviewed_by=reviewer,
        review_comment="REVIEW-COMMENT-SECRET-42",
        executed_won=4_242_424_242,
    )
    ReportTransition.objects.create(
        report=returned,
        action="returned",
        from_status="submitted",
        to_status="returned",
        actor=reviewer,
        comment="TRANSITION-COMMENT-SECRET-43",
    )
    # Approved reports keep their narrative, comment and shortfall text: still never public.
    approved = ProgressReport.objects.get(program=data.programs[0], period_end=date(2026, 6, 30))
    approved.narrative = "NARRATIVE-SECRET-41"
    approved.review_comment = "REVIEW-COMMENT-SECRET-42"
    approved.reviewed_by = reviewer
    approved.save()
    KPIValue.objects.filter(report=approved, kpi__code="CUM").update(
        shortfall_reason="SHORTFALL-REASON-SECRET-44", shortfall_remedy="SHORTFALL-REMEDY-SECRET-45"
    )
    # Programme 3's Q2: the first approved revision is superseded by a correction (rev 2).
    first = ProgressReport.objects.get(program=data.programs[3], period_end=date(2026, 6, 30))
    ProgressReport.objects.filter(pk=first.pk).update(is_current=False)
    KPIValue.objects.filter(report=first, kpi__code="CUM").update(value=Decimal(654_321))
    correction = ProgressReport.objects.create(
        program=data.programs[3],
        period_start=first.period_start,
        period_end=first.period_end,
        revision=2,
        status=ReportStatus.APPROVED,
        is_current=True,
        executed_won=first.executed_won,
        created_by=officer,
        reviewed_by=reviewer,
        approved_at=datetime(2026, 8, 20, 3, tzinfo=UTC),
    )
    for value in KPIValue.objects.filter(report=first):
        KPIValue.objects.create(
            report=correction,
            kpi_id=value.kpi_id,
            value=Decimal(500) if value.kpi.code == "CUM" else value.value,
        )
    return PublicData(data, officer, reviewer)
