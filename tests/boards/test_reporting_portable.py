"""The reporting figures of the board have two paths: one SQL query on PostgreSQL, and a portable
Python path for the SQLite demo. They must agree on the same data. So must the two paths of the
KPI flags of the programmes table (plain SQL on PostgreSQL, the ORM elsewhere)."""

from __future__ import annotations

from datetime import date

import pytest

from boards import selectors
from tests.boards.data import AS_OF, PAST, build_board_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("as_of", [AS_OF, PAST, date(2026, 7, 20), date(2026, 12, 31)])
@pytest.mark.parametrize("aggregate", [False, True])
@pytest.mark.parametrize("scope", ["all", "ministry", "node"])
def test_portable_path_gives_the_same_rows_as_sql(as_of, aggregate, scope):
    data = build_board_data(25)
    kwargs = {
        "as_of": as_of,
        "fiscal_year": data.year,
        "ministry": data.msit if scope == "ministry" else None,
        "node": data.pillars[0] if scope == "node" else None,
        "aggregate": aggregate,
    }
    sql_rows = sorted(selectors._reporting_query(**kwargs))
    portable_rows = sorted(selectors._reporting_query_portable(**kwargs))
    assert sql_rows, "the fixture must give rows to compare"
    assert [tuple(row) for row in sql_rows] == [tuple(row) for row in portable_rows]
    if not aggregate:
        assert any(row[4] for row in sql_rows) or as_of != AS_OF  # approvals are compared too


@pytest.mark.parametrize("page", [False, True])
def test_kpi_flags_plain_sql_and_orm_agree(monkeypatch, page):
    """``kpi_flags`` reads in plain SQL on PostgreSQL and through the ORM elsewhere."""
    data = build_board_data(25)
    ids = [p.pk for p in data.programs[:10]] if page else None
    sql_flags = selectors.kpi_flags(AS_OF, ids)
    assert any("overdue" in f or "forecast_miss" in f for f in sql_flags.values())
    monkeypatch.setattr(selectors.connection, "vendor", "sqlite")
    assert selectors.kpi_flags(AS_OF, ids) == sql_flags
