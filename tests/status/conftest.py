from datetime import date
from decimal import Decimal

import pytest

from kpis.models import RevisionReason, TargetRevision
from tests.status.portfolio import approve, build_portfolio


@pytest.fixture
def portfolio(db):
    return build_portfolio()


@pytest.fixture
def busy(portfolio):
    """A year of reports, a late one (overdue periods), a revision taking effect mid-year."""
    p = portfolio
    approve(p, p.a, date(2026, 3, 31), {"A-CUM": 200, "A-LVL": 30}, 200_000_000)
    approve(p, p.a, date(2026, 6, 30), {"A-CUM": 150, "A-LVL": 45}, 150_000_000)
    approve(p, p.a, date(2026, 9, 30), {"A-CUM": 100}, None)
    approve(p, p.b, date(2026, 3, 31), {"B-ANN": 90}, 100_000_000)
    approve(p, p.b, date(2026, 9, 30), {"B-ANN": 120}, 100_000_000)
    approve(p, p.c, date(2026, 9, 30), {"C-CUM": 4}, 10_000_000)
    kpi = p.kpis["A-LVL"]
    TargetRevision.objects.create(
        kpi=kpi,
        effective_from=date(2026, 8, 20),
        previous={"target": "100", "target_date": "2026-12-31", "baseline": "0", "milestones": []},
        revised={"target": "80", "target_date": "2027-06-30", "baseline": "0", "milestones": []},
        reason=RevisionReason.SCOPE_CHANGE,
        created_by=p.user,
    )
    kpi.target = Decimal(80)
    kpi.target_date = date(2027, 6, 30)
    kpi.save(update_fields=["target", "target_date"])
    return p
