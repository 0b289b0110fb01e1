"""Every figure of a board page is as of the same date and every total says what it sums.

The statuses of a date count the approvals made by the time they were computed (on that day for
the nightly results, today for a past date computed today); the reporting figures beside them
count the same ones. Money summed over programmes counts a programme within another once, as the
node rollups do, and a stated total that differs from the programmes' money says why.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from boards import selectors
from budget.models import BudgetNode, FiscalYear, Ministry
from budget.reconciliation import programme_coverage
from programs.models import Program
from status.models import KPIStatus, NodeStatus, ProgramStatus
from status.rules import program_own_amounts
from tests.boards.data import PAST, build_board_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _figures(reporting):
    return (reporting.expected, reporting.approved, reporting.timely, reporting.overdue)


def test_a_past_date_computed_today_counts_todays_approvals_everywhere():
    """15 May: current period Q1 (due 30 Apr); three late Q1 reports approved on 20 May. Results
    stored on 15 May count what was approved by then; the same date recomputed today counts the
    late reports in its statuses, and so in its completeness."""
    data = build_board_data(10)
    page = selectors.board_page(as_of=PAST, fiscal_year=data.year)
    assert page.known_by == PAST
    assert _figures(page.reporting) == (10, 5, 5, 5)
    now = timezone.now()
    for model in (KPIStatus, ProgramStatus, NodeStatus):
        model.objects.filter(as_of=PAST).update(computed_at=now)  # `recompute_status --as-of`
    page = selectors.board_page(as_of=PAST, fiscal_year=data.year)
    assert page.known_by == timezone.localdate()
    assert _figures(page.reporting) == (10, 8, 5, 2)
    lines = selectors.ministry_lines(as_of=PAST, fiscal_year=data.year)
    assert sum(line.reporting.approved for line in lines) == 8
    assert {line.reporting.known_by for line in lines} == {timezone.localdate()}
    overdue = selectors.overdue_reports(
        as_of=PAST, fiscal_year=data.year, ministry=data.msit, known_by=page.known_by
    )
    assert len(overdue) == sum(1 for p in data.programs[4::5] if p.ministry_id == data.msit.pk)


def test_a_date_with_nothing_stored_counts_todays_approvals_in_its_completeness(client):
    data = build_board_data(10)
    from accounts.roles import Role
    from tests.factories import user_with_role

    client.force_login(user_with_role(Role.DIRECTOR, username="asof-director"))
    day = date(2026, 5, 10)  # nothing stored: computed today from today's approvals
    response = client.get(f"/?as_of={day.isoformat()}")
    page = response.context["page"]
    assert page.known_by == timezone.localdate()
    assert _figures(page.reporting) == (10, 8, 5, 2)
    html = response.content.decode()
    today = timezone.localdate()
    assert f"8 of 10 current-period reports approved by {today.day} {today:%b %Y}" in html
    assert data.year.year == 2026


def test_coverage_names_what_makes_the_programmes_money_differ_from_the_stated_total():
    # ROOT 100 (no programme): A, a programme of 30 whose two programmes state 35 (5 over);
    # B (no programme) 70: a programme of 50 and a line of 20 with no programme.
    nodes = [
        ("ROOT", None, 100, False),
        ("A", "ROOT", 30, True),
        ("A1", "A", 20, True),
        ("A2", "A", 15, True),
        ("B", "ROOT", 70, False),
        ("B1", "B", 50, True),
        ("B2", "B", 20, False),
    ]
    coverage = programme_coverage(nodes, "ROOT")
    own = program_own_amounts(
        [
            (code, parent, amount, "on_track" if is_programme else None)
            for code, parent, amount, is_programme in nodes
        ]
    )
    assert coverage.programme_won == sum(own.values()) == 85
    assert coverage.stated_won == 100
    assert coverage.over == (("A", 5),)
    assert coverage.outside == (("B2", 20),)
    assert programme_coverage(nodes, "A").programme_won == 35
    assert programme_coverage(nodes, "B").outside == (("B2", 20),)


@pytest.fixture
def shipped(db):
    quiet = io.StringIO()
    call_command("load_budget", str(ROOT / "data" / "ai_budget_2026.yaml"), stdout=quiet)
    call_command("recompute_status", stdout=quiet)
    return FiscalYear.objects.get(year=2026)


def test_sums_over_programmes_count_a_nested_programme_once(shipped):
    today = timezone.localdate()
    own = selectors.common.own_amounts(shipped)
    page = selectors.board_page(as_of=today, fiscal_year=shipped, attention_limit=None)
    # the whole budget: the programmes' money (10.5457조) against the stated 10.1조, and why
    assert page.total_won == 10_100_000_000_000
    assert page.mix.total_won == sum(own.values()) == page.coverage.programme_won
    assert page.coverage.programme_won == 10_545_720_000_000
    assert dict(page.coverage.over) == {"P3-AX": 465_720_000_000}
    assert dict(page.coverage.outside) == {"DATAINFRA": 20_000_000_000}
    # money needing attention: each programme's own money, within the programmes' total
    shown = [line.row.program_id for line in page.attention.lines]
    assert page.attention.amount_won == sum(own[pid] for pid in shown)
    assert page.attention.amount_won <= page.mix.total_won
    # a ministry: its programmes' own money, a programme within another counted once
    msit = Ministry.objects.get(code="MSIT")
    ministry_page = selectors.board_page(as_of=today, fiscal_year=shipped, ministry=msit)
    nodes = BudgetNode.objects.filter(fiscal_year=shipped, program__ministry=msit)
    programmes = Program.objects.filter(pk__in=nodes.values("program_id"))
    allocations = sum(n.amount_won for n in nodes)
    assert ministry_page.total_won == sum(own[p.pk] for p in programmes) < allocations
    assert ministry_page.coverage is None
    line = next(
        line
        for line in selectors.ministry_lines(as_of=today, fiscal_year=shipped)
        if line.ministry == msit
    )
    assert line.mix.total_won == ministry_page.total_won
    # a pillar's programmes' money against its stated amount
    p3 = BudgetNode.objects.get(fiscal_year=shipped, code="P3-AX")
    pillar = selectors.board_page(as_of=today, fiscal_year=shipped, pillar=p3)
    assert pillar.coverage.programme_won == pillar.mix.total_won == 3_065_720_000_000


def test_the_board_says_why_the_programmes_money_differs_from_the_total(shipped, client):
    from accounts.roles import Role
    from tests.factories import user_with_role

    client.force_login(user_with_role(Role.DIRECTOR, username="coverage-director"))
    html = re.sub(r"<[^>]+>", "", client.get("/").content.decode())  # amounts carry tooltips
    assert "10.5 trillion won, not the stated 10.1 trillion won, because:" in html
    assert "P3-AX: the lines within it state" in html
    assert "DATAINFRA: 20 billion won in no programme" in html
    client.cookies["django_language"] = "ko"
    html = re.sub(r"<[^>]+>", "", client.get("/").content.decode())
    assert "10조 5,457억 원" in html and "10조 1,000억 원" in html
    client.cookies["django_language"] = "en"
    msit = client.get("/ministries/MSIT/").content.decode()
    msit = msit.replace("&#x27;", "'")
    assert "the budget's stated total" not in msit
    assert "the sum of its programmes' own amounts" in msit
