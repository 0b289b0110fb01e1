"""/budget/compare/: two fiscal years side by side (budget.comparison), its CSV (the columns of
``compare_budget --format csv``), the link from the budget tree, errors and pinned queries."""

from __future__ import annotations

import csv
import io
import re
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.roles import Role
from audit.models import AuditEntry
from tests.boards.data import build_board_data, build_two_years
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(db):
    return build_two_years(4)


@pytest.fixture
def director_client(client, db):
    client.force_login(user_with_role(Role.DIRECTOR, username="compare-director"))
    return client


def _rows(html: str) -> dict[str, str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    out = {}
    for row in re.findall(r"<tr.*?</tr>", body, re.S):
        code = re.search(r'<span class="code">([^<]+)</span>', row).group(1)
        out[code] = row
    return out


@pytest.mark.parametrize("role", list(Role))
def test_every_role_that_reads_the_budget_compares(client, two, role):
    client.force_login(user_with_role(role, username=f"c-{role}", ministry=two.first.msit))
    assert client.get("/budget/compare/").status_code == 200
    assert client.get("/budget/compare/export/csv/").status_code == 200


def test_anonymous_is_sent_to_sign_in(client, two):
    assert client.get("/budget/compare/").status_code == 302
    assert client.get("/budget/compare/export/csv/").status_code == 302


def test_compare_page_defaults_to_the_two_latest_years(director_client, two):
    html = director_client.get("/budget/compare/").content.decode()
    assert "Budget 2026 and 2027 compared" in html
    rows = _rows(html)
    assert list(rows)[:2] == ["TOTAL", "P1"]  # year 2's tree order, then year 1's extra nodes
    assert list(rows)[-1] == "PG00000"
    total = rows["TOTAL"]
    assert "4 billion won" in total and "8 billion won" in total and "+4 billion won" in total
    assert "+100.0%" in total and "change--changed" in total
    assert "change--removed" in rows["PG00000"] and "Removed" in rows["PG00000"]
    assert "change--added" in rows["NEW27"] and "Added" in rows["NEW27"]
    assert "+5 billion won" in rows["NEW27"]
    # indentation by depth
    assert 'class="level-2 ' in total and 'class="level-5 ' in rows["NEW27"]
    assert "1 · 1 · " in html  # added, removed, changed


def test_compare_page_in_korean(director_client, two):
    director_client.cookies["django_language"] = "ko"
    html = director_client.get("/budget/compare/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "2026년과 2027년 예산 비교" in html
    rows = _rows(html)
    assert "40억 원" in rows["TOTAL"] and "80억 원" in rows["TOTAL"]
    assert "신규" in rows["NEW27"] and "삭감" not in rows["NEW27"]
    assert "폐지" in rows["PG00000"]


def test_years_in_either_order_and_bad_years(director_client, two):
    html = director_client.get("/budget/compare/?year1=2027&year2=2026").content.decode()
    rows = _rows(html)
    assert "change--added" in rows["PG00000"] and "change--removed" in rows["NEW27"]
    response = director_client.get("/budget/compare/?year1=2019&year2=2026")
    assert response.status_code == 404
    message = "year1: fiscal year 2019 is not loaded (loaded: 2026, 2027)."
    assert message in response.content.decode()
    assert director_client.get("/budget/compare/export/csv/?year2=x").status_code == 404


def test_one_year_loaded_says_two_are_needed(director_client, db):
    build_board_data(2)
    response = director_client.get("/budget/compare/")
    assert response.status_code == 200
    assert "Two fiscal years are needed to compare (loaded: 2026)." in response.content.decode()
    tree = director_client.get("/budget/").content.decode()
    assert "/budget/compare/" not in tree


def test_budget_tree_links_to_the_comparison(director_client, two):
    assert 'href="/budget/compare/"' in director_client.get("/budget/").content.decode()


def test_csv_has_the_columns_of_the_command_and_is_audited(director_client, two):
    response = director_client.get("/budget/compare/export/csv/?year1=2026&year2=2027")
    assert response["Content-Disposition"] == 'attachment; filename="budget-2026-2027.csv"'
    text = response.content.decode("utf-8-sig")
    out = StringIO()
    call_command("compare_budget", "2026", "2027", "--format", "csv", stdout=out)
    assert list(csv.reader(io.StringIO(text))) == list(csv.reader(io.StringIO(out.getvalue())))
    entry = AuditEntry.objects.get(
        action="export", object_type="budget comparison", actor_username="compare-director"
    )
    assert entry.extra["filters"] == {"year1": 2026, "year2": 2027}


@pytest.mark.parametrize("size", [4, 30])
def test_compare_page_queries_do_not_grow(client, django_assert_num_queries, size):
    build_two_years(size)
    client.force_login(user_with_role(Role.AUDITOR, username="qc-auditor"))
    # session, user, groups; the fiscal years; each year's nodes
    with django_assert_num_queries(6):
        assert client.get("/budget/compare/").status_code == 200
