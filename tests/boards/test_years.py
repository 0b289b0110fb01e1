"""The boards across two budget years (tests/boards/data.py ``build_two_years``): the fiscal-year
selector switches the tree and keeps the other parameters, the programmes a year does not fund
though a KPI of theirs is in force are listed apart, the programme page shows its allocation by
year and its KPIs over their whole period, and the query counts of every page are pinned for both
years."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from accounts.roles import Role
from tests.boards.data import AS_OF, build_board_data, build_two_years
from tests.factories import user_with_role

Q = f"as_of={AS_OF.isoformat()}"


@pytest.fixture
def two(db):
    return build_two_years(10)


def _unfunded_section(html: str) -> str:
    match = re.search(r'<section class="unfunded".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_year_selector_switches_the_tree(director_client, two):
    html = director_client.get(f"/?{Q}").content.decode()
    # default: the year of the as-of date, 2026 (10 x 1,000,000,000 won)
    assert re.search(r'<a href="\?[^"]*year=2026[^"]*" aria-current="page">2026</a>', html)
    assert "10 billion won" in html
    # each year's link keeps the as-of date
    assert f'href="?{Q}&amp;year=2027"' in html
    html27 = director_client.get(f"/?{Q}&year=2027").content.decode()
    assert re.search(r'aria-current="page">2027</a>', html27)
    assert "20 billion won" in html27  # the 2027 tree: twice the amounts
    # the navigation to the other boards keeps both the date and the year
    assert f'href="/programs/?{Q}&amp;year=2027"' in html27
    assert f'href="/briefing/?pillar=P1&amp;{Q}&amp;year=2027"' in html27
    table = director_client.get(f"/programs/?{Q}&year=2027").content.decode()
    assert "NEW27" in table
    assert 'name="year" value="2027"' in table  # the filter form keeps the year
    assert "NEW27" not in director_client.get(f"/programs/?{Q}").content.decode()


def test_one_year_shows_the_year_as_text(director_client, db):
    build_board_data(4)
    html = director_client.get(f"/?{Q}").content.decode()
    assert "Fiscal year 2026" in html
    assert 'aria-label="Fiscal year"' not in html


def test_year_selector_in_korean(director_client, two):
    director_client.cookies["django_language"] = "ko"
    html = director_client.get(f"/?{Q}&year=2027", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert 'aria-label="회계연도"' in html
    assert "200억 원" in html
    section = _unfunded_section(html)
    assert "2027년 예산이 없는" in section or "2027년에" in section
    assert "사업 00000" in section


def test_unfunded_programmes_are_listed_apart(director_client, two):
    html = director_client.get(f"/?{Q}&year=2027").content.decode()
    section = _unfunded_section(html)
    assert "In force but not funded in 2027" in section
    assert "PG00000" in section and "Programme 00000" in section
    assert "NEW27" not in section and "PG00001" not in section
    assert "status--" in section  # with its status of the date
    # 2026 funds it: nothing listed apart
    assert _unfunded_section(director_client.get(f"/?{Q}").content.decode()) == ""
    # the programmes table lists it apart too, not among the year's rows
    table = director_client.get(f"/programs/?{Q}&year=2027").content.decode()
    section = _unfunded_section(table)
    assert "PG00000" in section
    results = table.split('id="programs-results"', 1)[1].split('<section class="unfunded"')[0]
    assert "PG00000" not in results
    # the ministry board and the briefing of its ministry (MSIT: even codes)
    assert "PG00000" in _unfunded_section(
        director_client.get(f"/ministries/MSIT/?{Q}&year=2027").content.decode()
    )
    assert "PG00000" not in _unfunded_section(
        director_client.get(f"/ministries/MOE/?{Q}&year=2027").content.decode()
    )
    assert "PG00000" in _unfunded_section(
        director_client.get(f"/briefing/?{Q}&year=2027").content.decode()
    )


def test_unfunded_list_on_programmes_is_scoped(client, two):
    officer = user_with_role(Role.OFFICER, username="moe-officer", ministry=two.first.moe)
    client.force_login(officer)
    table = client.get(f"/programs/?{Q}&year=2027").content.decode()
    assert "PG00000" not in table  # an MSIT programme: out of an MOE officer's scope


def test_program_page_allocation_by_year(director_client, two):
    html = director_client.get(f"/programs/PG00001/?{Q}").content.decode()
    section = html.split('id="allocations-title"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr.*?</tr>", section, re.S)[1:]
    assert len(rows) == 2
    assert "2026" in rows[0] and "(shown)" in rows[0]
    assert "1 billion won" in rows[0]  # 1,000,001,000 won
    assert "2 billion won" in rows[1] and "See 2027" in rows[1]
    assert f'href="?year=2027&amp;{Q}"' in rows[1]
    html27 = director_client.get(f"/programs/PG00001/?{Q}&year=2027").content.decode()
    section = html27.split('id="allocations-title"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr.*?</tr>", section, re.S)[1:]
    assert "See 2026" in rows[0] and "(shown)" in rows[1]
    # the unfunded programme: one year, and "not funded" in 2027
    html0 = director_client.get(f"/programs/PG00000/?{Q}&year=2027").content.decode()
    assert "Not funded in 2027" in html0


def test_kpi_chart_runs_over_the_whole_period_with_year_marks(director_client, two):
    html = director_client.get(f"/programs/PG00000/?{Q}").content.decode()
    chart = html.split('id="kpi-cum"', 1)[1].split("</figure>", 1)[0]
    years = re.search(r'<g class="chart__years".*?</g>', chart, re.S).group(0)
    assert ">2027</text>" in years  # 1 January 2027 marked
    assert "31 Dec 2027" in chart  # the target date ends the range
    assert "Start of a year (1 January)" in chart
    # a KPI within one year has no boundary inside its range
    html1 = director_client.get(f"/programs/PG00001/?{Q}").content.decode()
    chart1 = html1.split('id="kpi-cum"', 1)[1].split("</figure>", 1)[0]
    assert "<text" not in re.search(r'<g class="chart__years".*?</g>', chart1, re.S).group(0)


# url -> queries on a second visit (as tests/boards/test_views.py PAGES); the same at both sizes.
# The 2026 pages read the stored results; the 2027 pages compute 2027's for the request (in a
# rolled-back transaction: about 30 queries), the same number of queries whatever the size. The
# board, the programmes table, the ministry board and the briefing read the programmes listed
# apart in one query more for 2027 (computed for the request: not cached).
YEAR_PAGES = {
    f"/?{Q}": 8,
    f"/?{Q}&year=2027": 49,  # + the KPIs-achieved headline (8)
    f"/programs/?{Q}": 6,
    f"/programs/?{Q}&year=2027": 39,
    f"/programs/PG00001/?{Q}": 12,
    f"/programs/PG00001/?{Q}&year=2027": 42,
    f"/ministries/MSIT/?{Q}": 12,
    f"/ministries/MSIT/?{Q}&year=2027": 52,  # + the headline (8)
    f"/briefing/?{Q}": 8,
    f"/briefing/?{Q}&year=2027": 50,  # + the headline (8)
    f"/classification/?{Q}&year=2027": 34,
}


@pytest.mark.django_db
@pytest.mark.parametrize("size", [6, 30])
@pytest.mark.parametrize("url", list(YEAR_PAGES))
def test_query_counts_of_both_years(client, django_assert_num_queries, size, url):
    build_two_years(size)
    director = user_with_role(Role.DIRECTOR, username="qc-director")
    client.force_login(director)
    client.get(f"/?{Q}")
    client.get(url)
    with django_assert_num_queries(YEAR_PAGES[url]):
        response = client.get(url)
    assert response.status_code == 200
    cache.clear()
