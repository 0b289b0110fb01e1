"""A programme without KPIs is stored as "no_kpi" (not "not started"), with its budget status
computed as for any programme; the nodes above count it and its money under no_kpi, and the
board's headline says how much of the budget has no KPI."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.roles import Role
from budget.models import BudgetNode
from status.models import NodeStatus, ProgramStatus
from status.services import status_recompute_all
from tests.factories import program_for_node, user_with_role
from tests.status.portfolio import approve

JULY = date(2026, 7, 15)


@pytest.fixture
def with_kpiless(portfolio):
    """P2 gets a second programme, D (200,000,000 won), without any KPI; its Q1 report is
    approved with 50,000,000 won executed."""
    p2 = portfolio.p2
    p2.amount_won = 800_000_000
    p2.save(update_fields=["amount_won"])
    total = portfolio.total
    total.amount_won = 2_200_000_000
    total.save(update_fields=["amount_won"])
    node = BudgetNode.objects.create(
        fiscal_year=portfolio.year,
        parent=p2,
        code="D",
        name="Node D",
        name_ko="노드 D",
        amount_won=200_000_000,
        position=1,
        depth=2,
        path=f"{p2.path}/D",
    )
    d = program_for_node(
        node,
        ministry=portfolio.ministry,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        frequency="quarterly",
    )
    approve(portfolio, d, date(2026, 3, 31), {}, 50_000_000)
    approve(portfolio, portfolio.a, date(2026, 3, 31), {"A-CUM": 250, "A-LVL": 30}, 250_000_000)
    approve(portfolio, portfolio.a, date(2026, 6, 30), {"A-CUM": 250, "A-LVL": 55}, 500_000_000)
    portfolio.d = d
    return portfolio


@pytest.mark.django_db
def test_a_programme_without_kpis_is_no_kpi_with_its_budget_status(with_kpiless):
    status_recompute_all(as_of=JULY)
    row = ProgramStatus.objects.get(program=with_kpiless.d, as_of=JULY)
    assert row.status == "no_kpi"
    assert row.explanation("en") == "No KPI: the programme has no KPI."
    assert row.budget_status != ""
    assert row.executed_won == 50_000_000
    assert row.budget_assessed_at == date(2026, 3, 31)


@pytest.mark.django_db
def test_nodes_count_the_money_without_kpis(with_kpiless):
    status_recompute_all(as_of=JULY)
    total = NodeStatus.objects.get(node__code="TOTAL", as_of=JULY)
    assert total.status_counts["no_kpi"] == 1
    assert total.amount_by_status["no_kpi"] == 200_000_000
    p2 = NodeStatus.objects.get(node__code="P2", as_of=JULY)
    # C has not started (it starts on 1 Jul and nothing is due), D has no KPI: not started
    assert p2.status == "not_started"
    assert p2.amount_by_status["no_kpi"] == 200_000_000


@pytest.mark.django_db
def test_the_board_headline_says_how_much_has_no_kpi(with_kpiless, client):
    status_recompute_all(as_of=JULY)
    client.force_login(user_with_role(Role.DIRECTOR))
    client.cookies["django_language"] = "en"
    response = client.get(f"/?as_of={JULY.isoformat()}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Money with no KPI" in page
    assert "in 1 programme without a KPI" in page
