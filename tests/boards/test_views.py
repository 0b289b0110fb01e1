"""The board pages and exports: permissions, query counts pinned at two sizes, exports equal to the
filtered rows, the as-of selector, htmx partials, languages."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import AuditEntry
from status.models import KPIStatus, NodeStatus, ProgramStatus, Status
from status.selectors import status_dates
from tests.boards.data import AS_OF, PAST, build_board_data
from tests.factories import user_with_role

Q = f"as_of={AS_OF.isoformat()}"
LABEL = "recomputed today from today\u2019s approvals"

# url -> queries (session, user, groups, the version of the data and the page's own); the same at
# every size. Counted on a second visit: what the boards cache (boards.cache: the reporting figures,
# the budget tree, ministries, fiscal years, as-of dates, the table's counts, the programmes listed
# apart) is then read from the
# cache under the version of the data, read once per request. COLD: the queries a first visit
# adds (each cached read made once); the totals are those pinned before the cache.
PAGES = {
    f"/?{Q}": 8,
    f"/programs/?{Q}": 6,
    # sorted by money: the page's ids in a narrow query, then its rows (selectors.program_page)
    f"/programs/?{Q}&status=at_risk&ministry=MSIT&sort=-allocated_won": 7,
    f"/programs/?{Q}&pillar=P1&overdue=true&cofog=04": 6,
    f"/programs/PG00001/?{Q}": 12,  # with its allocations in every year
    f"/ministries/?{Q}": 6,
    f"/ministries/MSIT/?{Q}": 12,
    f"/classification/?{Q}": 5,
    f"/briefing/?{Q}": 8,
    f"/briefing/?{Q}&pillar=P1": 8,
    f"/briefing/?{Q}&ministry=MOE": 10,
    f"/programs/export/csv/?{Q}": 9,
    f"/programs/export/xlsx/?{Q}&status=off_track": 9,
}
# The headline "KPIs achieved in <year>" (results.headline) of the boards: the year's figures
# (results.figures, eight queries), cached under the data's version like the reporting figures.
KPI_HEADLINE = 8
COLD = {
    # dates, years, own money, coverage, reporting figures, programmes listed apart, KPIs
    f"/?{Q}": 6 + KPI_HEADLINE,
    f"/programs/?{Q}": 6,  # dates, years, tree, ministries, count, programmes listed apart
    f"/programs/?{Q}&status=at_risk&ministry=MSIT&sort=-allocated_won": 6,
    f"/programs/?{Q}&pillar=P1&overdue=true&cofog=04": 6,
    f"/programs/PG00001/?{Q}": 3,  # dates, years, tree
    f"/ministries/?{Q}": 4,  # dates, years, own money, reporting figures
    # dates, years, own money, reporting rows (the figures are counted from them), programmes
    # listed apart, KPIs achieved
    f"/ministries/MSIT/?{Q}": 5 + KPI_HEADLINE,
    f"/classification/?{Q}": 2,  # dates, years
    # dates, years, tree, own money, coverage, reporting, programmes listed apart
    f"/briefing/?{Q}": 7 + KPI_HEADLINE,
    f"/briefing/?{Q}&pillar=P1": 6 + KPI_HEADLINE,
    f"/briefing/?{Q}&ministry=MOE": 6 + KPI_HEADLINE,  # a ministry: no stated amount to cover
    f"/programs/export/csv/?{Q}": 4,  # dates, years, tree, ministries
    f"/programs/export/xlsx/?{Q}&status=off_track": 4,
}


@pytest.mark.django_db
@pytest.mark.parametrize("size", [6, 40])
@pytest.mark.parametrize("url", list(PAGES))
def test_query_count_does_not_grow(client, django_assert_num_queries, size, url):
    build_board_data(size)
    director = user_with_role(Role.DIRECTOR, username="qc-director")
    client.force_login(director)
    client.get(f"/?{Q}")  # warm: nothing computed on demand below
    client.get(url)  # and this page's reporting figures cached
    with django_assert_num_queries(PAGES[url]):
        response = client.get(url)
    assert response.status_code == 200
    cache.clear()
    with django_assert_num_queries(PAGES[url] + COLD[url]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", [u.split("?")[0] for u in PAGES])
def test_anonymous_is_redirected_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_board(client, small, role):
    user = user_with_role(role, username=f"r-{role}", ministry=small.msit)
    client.force_login(user)
    response = client.get(f"/?{Q}")
    assert response.status_code == 200
    assert "Needs attention" in response.content.decode()


def test_board_says_what_why_and_how_much(director_client, small):
    html = director_client.get(f"/?{Q}").content.decode()
    # headline figures for 10 programmes (tests/boards/data.py): 8 of 10 approved, 5 on time
    assert "80.0%" in html and "50.0%" in html
    assert "8 of 10 current-period reports approved" in html
    # the off-track programme with its stored explanation rendered in English
    assert "PG00001" in html
    assert "Expected 400 by 30 Jun 2026, actual 200: 50% of expected progress." in html
    # status as word, and the icon class from app.css
    assert 'class="status status--off_track">Off track<' in html
    # the attention list is sorted by money at stake
    codes = [c for c in ("PG00009", "PG00007", "PG00006", "PG00004") if c in html]
    positions = [html.index(c) for c in codes]
    assert positions == sorted(positions)


def test_board_in_korean(director_client, small):
    director_client.cookies["django_language"] = "ko"
    html = director_client.get(f"/?{Q}", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "100억 원" in html  # 10 x 1,000,000,000 won total
    assert "2026년 9월 1일" in html


def test_as_of_selector_shows_past_results(director_client, small):
    past = ProgramStatus.objects.get(program__code="PG00002", as_of=PAST)
    now = ProgramStatus.objects.get(program__code="PG00002", as_of=AS_OF)
    assert (past.status, now.status) == (Status.ON_TRACK, Status.AT_RISK)
    html = director_client.get(f"/programs/PG00002/?as_of={PAST.isoformat()}").content.decode()
    assert "Status as of 15 May 2026" in html
    assert "by 31 Mar 2026, actual 200" in html  # only Q1 counted in May
    assert "Expected 400 by 30 Jun 2026" not in html
    assert 'class="status status--on_track">On track<' in html
    html_now = director_client.get(f"/programs/PG00002/?{Q}").content.decode()
    assert "Expected 400 by 30 Jun 2026, actual 350" in html_now
    assert "Worse" in html_now  # on track in May, at risk in September
    board = director_client.get(f"/?as_of={PAST.isoformat()}").content.decode()
    assert "PG00002" not in board.split("Needs attention", 1)[1]


def _stored_counts():
    return (
        ProgramStatus.objects.count(),
        KPIStatus.objects.count(),
        NodeStatus.objects.count(),
        len(status_dates()),
    )


def test_as_of_without_stored_results_is_computed_without_storing(director_client, small):
    """A past date with nothing stored is computed from today's approvals, labelled as such, and
    nothing is stored (only the scheduled and triggered recomputes store)."""
    day = date(2026, 8, 3)
    before = _stored_counts()
    response = director_client.get(f"/?as_of={day.isoformat()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert LABEL in html
    assert "PG00002" in html  # the computed board is shown
    assert _stored_counts() == before
    assert not ProgramStatus.objects.filter(as_of=day).exists()
    # a stored date carries no such label
    stored = director_client.get(f"/?{Q}").content.decode()
    assert LABEL not in stored


def test_many_requests_for_unstored_dates_store_nothing(director_client, small):
    before = _stored_counts()
    start = date(2026, 6, 1)
    for i in range(200):
        day = start + timedelta(days=i % 90)
        url = ["/", "/programs/", "/ministries/", "/programs/PG00001/"][i % 4]
        assert director_client.get(f"{url}?as_of={day.isoformat()}").status_code == 200
    assert _stored_counts() == before


def test_every_board_page_computes_an_unstored_date_without_storing(director_client, small):
    day = date(2026, 7, 20)
    before = _stored_counts()
    for url in PAGES:
        path = url.split("?")[0]
        extra = url.split("?", 1)[1].replace(Q, "").lstrip("&")
        response = director_client.get(f"{path}?as_of={day.isoformat()}&{extra}")
        assert response.status_code == 200, url
    assert _stored_counts() == before


def test_korean_label_for_an_unstored_date(director_client, small):
    director_client.cookies["django_language"] = "ko"
    html = director_client.get("/?as_of=2026-08-03", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "오늘 승인된 값으로 오늘 다시 계산했습니다" in html


def test_bad_as_of_falls_back_to_today_with_an_error(director_client, small):
    response = director_client.get("/?as_of=2026-13-45")
    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a date (YYYY-MM-DD)" in html
    # nothing is stored for today by a web request
    assert not ProgramStatus.objects.filter(as_of=timezone.localdate()).exists()


def _keys() -> dict[str, str]:
    """People's (English) column headers -> the machine keys, to read the rows by key."""
    from boards.exports import EXPORT_COLUMNS, export_header

    with translation.override("en"):
        return dict(zip(export_header(), EXPORT_COLUMNS, strict=True))


def _csv_codes(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    keys = _keys()
    return [{keys[k]: v for k, v in row.items()} for row in rows]


def _xlsx_rows(response):
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    ws = wb.worksheets[0]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    header, rows = values[0], values[1:]
    keys = _keys()
    return [dict(zip([keys[h] for h in header], r, strict=True)) for r in rows]


def _expected(**filters):
    qs = ProgramStatus.objects.filter(as_of=AS_OF, **filters)
    return sorted(qs.values_list("program__code", flat=True))


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", {}),
        ("status=off_track", {"status": Status.OFF_TRACK}),
        (
            "ministry=MSIT&status=at_risk",
            {"status": Status.AT_RISK, "program__ministry__code": "MSIT"},
        ),
        ("pillar=P2", {"node__path__startswith": "0000/0001/"}),
        ("area=P1-A1", {"node__path__startswith": "0000/0000/0000/"}),
        ("cofog=09", {"node__path__startswith": "0000/0001/"}),
        ("component=models", {"node__parent__code__in": ["P1-A1", "P2-A1"]}),
        ("overdue=true", {"status": Status.NO_DATA}),
    ],
)
def test_exports_equal_the_filtered_rows(director_client, small, query, filters):
    expected = _expected(**filters)
    assert expected  # the filter selects something
    csv_rows = _csv_codes(director_client.get(f"/programs/export/csv/?{Q}&{query}"))
    assert sorted(r["code"] for r in csv_rows) == expected
    xlsx_rows = _xlsx_rows(director_client.get(f"/programs/export/xlsx/?{Q}&{query}"))
    assert sorted(r["code"] for r in xlsx_rows) == expected
    # and the table shows the same count
    html = director_client.get(f"/programs/?{Q}&{query}").content.decode()
    n = len(expected)
    assert (f"{n} programmes match." if n != 1 else "1 programme matches.") in html


def test_export_keeps_the_table_order_and_all_pages(director_client, db):
    build_board_data(60)
    rows = _csv_codes(director_client.get(f"/programs/export/csv/?{Q}&sort=-allocated_won"))
    assert len(rows) == 60  # the table shows 50 a page; the export has every filtered row
    amounts = [int(r["allocated_won"]) for r in rows]
    assert amounts == sorted(amounts, reverse=True)


def test_export_neutralises_formulas_and_is_audited(director_client, small):
    node = small.nodes[0]
    node.name = '=HYPERLINK("http://evil")'
    node.save(update_fields=["name"])
    rows = _csv_codes(director_client.get(f"/programs/export/csv/?{Q}"))
    cell = next(r["name"] for r in rows if r["code"] == node.code)
    assert cell.startswith("'=")
    xrows = _xlsx_rows(director_client.get(f"/programs/export/xlsx/?{Q}"))
    assert next(r["name"] for r in xrows if r["code"] == node.code).startswith("'=")
    entries = AuditEntry.objects.filter(object_type="boards.programs")
    assert entries.count() == 2


def test_officer_table_and_exports_are_scoped(client, small):
    officer = user_with_role(Role.OFFICER, username="officer-msit-b", ministry=small.msit)
    client.force_login(officer)
    html = client.get(f"/programs/?{Q}").content.decode()
    assert "PG00000" in html and "PG00001" not in html  # PG00001 belongs to MOE
    rows = _csv_codes(client.get(f"/programs/export/csv/?{Q}"))
    assert {r["ministry"] for r in rows} == {"MSIT"}
    assert len(rows) == 5
    # asking for another ministry gives nothing, not the other ministry's rows
    rows = _csv_codes(client.get(f"/programs/export/csv/?{Q}&ministry=MOE"))
    assert rows == []
    # boards themselves stay readable
    assert client.get(f"/?{Q}").status_code == 200


def test_peoples_export_speaks_the_request_language(client, small):
    """Headers, status words and yes/no in Korean; amounts exact numbers with a number format;
    a frozen header and set widths in xlsx."""
    client.force_login(user_with_role(Role.DIRECTOR, username="director-ko"))
    client.cookies["django_language"] = "ko"
    body = client.get(f"/programs/export/csv/?{Q}", HTTP_ACCEPT_LANGUAGE="ko").content
    text = body.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert "코드" in header and "code" not in header and "allocated_won" not in header
    assert "off_track" not in text and "false" not in text and "true" not in text
    assert "아니요" in text or "예" in text
    response = client.get(f"/programs/export/xlsx/?{Q}", HTTP_ACCEPT_LANGUAGE="ko")
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws.cell(row=1, column=1).font.bold
    amount_column = [c.value for c in ws[1]].index(ws.cell(row=1, column=9).value) + 1
    assert isinstance(ws.cell(row=2, column=amount_column).value, int)
    assert ws.cell(row=2, column=amount_column).number_format == "#,##0"
    assert ws.column_dimensions["C"].width == 40


def test_htmx_request_gets_the_results_fragment(director_client, small):
    response = director_client.get(
        f"/programs/?{Q}&status=off_track",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="programs-results",
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="programs-results"')
    assert "<html" not in html
    assert "2 programmes match." in html


def test_table_columns_sort(director_client, small):
    html = director_client.get(f"/programs/?{Q}&sort=-allocated_won").content.decode()
    assert html.index("PG00009") < html.index("PG00000")
    assert 'aria-sort="descending"' in html
    html = director_client.get(f"/programs/?{Q}&sort=status").content.decode()
    assert html.index("PG00001") < html.index("PG00003")  # off track before achieved


def test_program_page_has_charts_with_text_alternatives(director_client, small):
    html = director_client.get(f"/programs/PG00001/?{Q}").content.decode()
    assert html.count('<svg viewBox="0 0 640 260" role="img"') == 2
    assert "<desc id=" in html and "Data table" in html
    assert 'Stated: <q lang="en">1,000+</q>' in html
    assert "Forecast 402 by 31 Dec 2026, short of the target 1,000." in html
    assert "Report history" in html and "Status history" in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )


def test_unknown_programme_is_404(director_client, small):
    assert director_client.get(f"/programs/NOPE/?{Q}").status_code == 404
    assert director_client.get(f"/ministries/NOPE/?{Q}").status_code == 404
    assert director_client.get(f"/briefing/?{Q}&pillar=NOPE").status_code == 404


def test_ministries_and_briefing(director_client, small):
    html = director_client.get(f"/ministries/?{Q}").content.decode()
    assert "MSIT" in html and "MOE" in html
    html = director_client.get(f"/ministries/MOE/?{Q}").content.decode()
    assert "PG00009" in html  # overdue report of MOE
    html = director_client.get(f"/briefing/?{Q}&pillar=P1").content.decode()
    assert "Briefing: Pillar 1" in html
    assert "@media print" not in html  # the print rules live in board.css
    assert "css/board.css" in html


def test_classification_crosswalk(director_client, small):
    html = director_client.get(f"/classification/?{Q}").content.decode()
    assert "Cross-walk: COFOG division by AI component" in html
    assert "04 Economic affairs" in html and "09 Education" in html


def test_future_as_of_shows_today(director_client, small):
    response = director_client.get("/?as_of=2099-01-01")
    assert "is after today: showing today." in response.content.decode()
    assert not ProgramStatus.objects.filter(as_of=date(2099, 1, 1)).exists()


@pytest.mark.django_db
def test_no_budget_loaded_explains(director_client):
    response = director_client.get("/")
    assert response.status_code == 200
    assert "No budget is loaded yet" in response.content.decode()


def test_an_officer_without_a_ministry_sees_an_empty_table(client, small):
    """An officer not yet given a ministry may see no programme: an empty table, not an error."""
    officer = user_with_role(Role.OFFICER, username="officer-nowhere")
    client.force_login(officer)
    response = client.get(f"/programs/?{Q}")
    assert response.status_code == 200
    assert "PG00000" not in response.content.decode()
