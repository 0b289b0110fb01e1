"""A node that is itself a programme (a pillar carrying pillar-wide KPIs) has a node status of
its own, rolling up its own programme and those beneath it: every pillar shows on the board."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kpis.models import KPI
from status.models import NodeStatus, ProgramStatus
from status.services import status_recompute_all
from tests.factories import program_for_node
from tests.status.portfolio import approve

JULY = date(2026, 7, 15)


@pytest.fixture
def pillar_programme(portfolio):
    """P2 (600,000,000 won) becomes a programme with a KPI of its own, P2-KPI, off track in Q1;
    C (600,000,000 won, not started) stays beneath it."""
    p2 = program_for_node(
        portfolio.p2,
        ministry=portfolio.ministry,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        frequency="quarterly",
    )
    portfolio.kpis["P2-KPI"] = KPI.objects.create(
        program=p2,
        code="P2-KPI",
        name="KPI P2",
        unit="units",
        kind="cumulative",
        target=Decimal(1000),
        target_date=date(2026, 12, 31),
    )
    approve(portfolio, p2, date(2026, 3, 31), {"P2-KPI": 10})
    approve(portfolio, p2, date(2026, 6, 30), {"P2-KPI": 10})
    portfolio.p2_program = p2
    return portfolio


@pytest.mark.django_db
def test_a_pillar_that_is_a_programme_has_a_node_status(pillar_programme):
    status_recompute_all(as_of=JULY)
    own = ProgramStatus.objects.get(program=pillar_programme.p2_program, as_of=JULY)
    assert own.status == "off_track"
    pillar = NodeStatus.objects.get(node__code="P2", as_of=JULY)
    assert pillar.status == "off_track"  # its own programme, the worst beneath it
    assert pillar.status_counts["off_track"] == 1
    assert pillar.status_counts["not_started"] == 1  # C
    # P2 states 600,000,000 and C beneath it as much: P2's own money is 0
    assert pillar.amount_by_status["not_started"] == 600_000_000
    total = NodeStatus.objects.get(node__code="TOTAL", as_of=JULY)
    assert total.status_counts["off_track"] == 1


@pytest.mark.django_db
def test_every_pillar_shows_on_the_board(pillar_programme):
    from boards.selectors import board_page

    status_recompute_all(as_of=JULY)
    page = board_page(as_of=JULY, fiscal_year=pillar_programme.year)
    assert [card.node.code for card in page.pillars] == ["P1", "P2"]
