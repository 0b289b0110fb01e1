"""The headline's grouping and a KPI whose inputs the rules refuse: left out, logged, and the
board and the report still render."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.roles import Role
from programs.models import Program
from results.figures import year_figures
from results.headline import achievement_headline, headline_of, pillar_path
from tests.boards.data import AS_OF, build_board_data
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_pillar_path():
    assert pillar_path("0000/0001/0002/00003") == "0000/0001"
    assert pillar_path("0000/0001") == "0000/0001"
    assert pillar_path("0000") == ""
    assert pillar_path("") == ""


def test_headline_sums_to_the_overall(portfolio):
    headline = headline_of(year_figures(year=2024))
    assert (headline.overall.kpis, headline.overall.achieved) == (5, 2)
    assert sum(s.kpis for s in headline.by_ministry.values()) == 5
    assert sum(s.kpis for s in headline.by_pillar.values()) == 5
    assert headline.of_ministry(portfolio.ministry_id).achieved == 2
    assert headline.of_pillar("nowhere").kpis == 0


def test_a_refused_kpi_is_left_out_and_logged(client, caplog):
    data = build_board_data(10)
    before = achievement_headline(year=2026).overall.kpis
    # a start moved past the KPI's milestone (a raw update: no validation)
    Program.objects.filter(pk=data.programs[0].pk).update(start=date(2026, 7, 1))
    # both its KPIs: a milestone before the start; values of periods before it
    assert achievement_headline(year=2026).overall.kpis == before - 2
    assert "not computed" in caplog.text
    client.force_login(user_with_role(Role.DIRECTOR, username="d"))
    assert client.get(f"/?as_of={AS_OF.isoformat()}").status_code == 200
    assert client.get("/performance/?year=2026").status_code == 200
