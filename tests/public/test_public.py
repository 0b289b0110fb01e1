"""The public page and its open data, read as an anonymous visitor: approved figures appear, and
nothing unapproved or personal ever does (draft, submitted, returned and superseded values,
narratives, comments, shortfall texts, user names), in the HTML of both languages, the JSON and
the CSV. Cached: a repeated request reads the data version and nothing else."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from boards.triggers import CACHED_TABLES
from programs.models import Program
from public.selectors import public_overview
from reporting.models import ProgressReport, ReportStatus
from tests.public.conftest import SECRET_NUMBERS, SECRET_TEXTS, number_forms

pytestmark = pytest.mark.django_db

PAGES = ["/public/", "/public/programs/PG00000/", "/public/programs/PG00003/"]
DATA = ["/public/data.json", "/public/data.csv"]


def _text(response) -> str:
    return response.content.decode("utf-8-sig")


def _outputs(client) -> dict[str, str]:
    out = {}
    for language in ("en", "ko"):
        client.cookies["django_language"] = language
        for url in PAGES:
            response = client.get(url)
            assert response.status_code == 200, url
            out[f"{url} ({language})"] = _text(response)
    for url in DATA:
        response = client.get(url)
        assert response.status_code == 200, url
        out[url] = _text(response)
    return out


def test_anonymous_visitors_read_the_pages_and_the_data(client, public_data):
    outputs = _outputs(client)
    assert "What the 2026 AI budget has produced so far" in outputs["/public/ (en)"]
    assert "2026년 AI 예산이 지금까지 만든 성과" in outputs["/public/ (ko)"]
    assert "Programme 00000" in outputs["/public/ (en)"]
    assert "사업 00000" in outputs["/public/ (ko)"]
    # money in the reading form of each language
    assert "5 billion won" in outputs["/public/ (en)"]  # the total, 5 x 1 billion
    assert "50억 원" in outputs["/public/ (ko)"]


def test_nothing_unapproved_or_personal_is_ever_shown(client, public_data):
    for name, text in _outputs(client).items():
        for secret in SECRET_TEXTS:
            assert secret not in text, (name, secret)
        for number in SECRET_NUMBERS:
            for form in number_forms(number):
                assert form not in text, (name, form)


def test_approved_values_appear_with_their_period(client, public_data):
    document = json.loads(client.get("/public/data.json").content)
    programmes = {p["code"]: p for p in document["programmes"]}
    first = {k["code"]: k for k in programmes["PG00000"]["kpis"]}
    # cumulative: the running total of the approved periods (300 + 300); level: the latest (90)
    assert first["CUM"]["actual"] == "600"
    assert first["CUM"]["latest_period_value"] == "300"
    assert first["LVL"]["actual"] == "90"
    assert (first["CUM"]["period_start"], first["CUM"]["period_end"]) == (
        "2026-04-01",
        "2026-06-30",
    )
    # the correction counts, not the revision it superseded: 600 + 500
    assert {k["code"]: k["actual"] for k in programmes["PG00003"]["kpis"]}["CUM"] == "1100"
    # execution: the approved periods of 2026 only (the returned report's amount is left out)
    assert programmes["PG00000"]["executed_won"] == 600_000_000
    assert programmes["PG00002"]["executed_won"] == 600_001_200
    # a programme without an approved report has no value and no execution
    assert programmes["PG00004"]["executed_won"] is None
    assert [(k["actual"], k["period_end"]) for k in programmes["PG00004"]["kpis"]] == [
        (None, None),
        (None, None),
    ]
    assert document["figures_as_of"] == "2026-06-30"
    assert document["status_as_of"] == "2026-09-01"
    assert programmes["PG00000"]["status"] and first["CUM"]["status"]
    assert document["total_won"] == 5_000_000_000
    assert document["licence"].startswith("KOGL Type 1")

    client.cookies["django_language"] = "en"
    html = _text(client.get("/public/programs/PG00000/"))
    assert "600 people" in html and "90 GPUs" in html
    assert "1,000 people by 31 Dec 2026" in html or "1,000 people by" in html


def test_the_csv_is_excel_ready_and_neutralises_formulas(client, public_data):
    Program.objects.filter(code="PG00001").update(name='=HYPERLINK("http://evil.example","x")')
    response = client.get("/public/data.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ai-budget-results.csv"'
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    assert len(rows) == 10  # five programmes, two KPIs each
    names = {row["programme_code"]: row["programme_name_en"] for row in rows}
    assert names["PG00001"] == '\'=HYPERLINK("http://evil.example","x")'
    assert {row["programme_name_ko"] for row in rows} >= {"사업 00000"}
    first = next(r for r in rows if r["programme_code"] == "PG00000" and r["kpi_code"] == "CUM")
    assert (first["actual"], first["period_end"], first["programme_executed_won"]) == (
        "600",
        "2026-06-30",
        "600000000",
    )


def test_signed_in_readers_see_the_public_frame_only(client, public_data, admin_user):
    client.force_login(admin_user)
    html = _text(client.get("/public/"))
    assert "/admin/" not in html
    assert "Log out" not in html
    assert admin_user.username not in html
    assert 'class="site-nav"' not in html


def test_security_headers_and_no_login(client, public_data):
    response = client.get("/public/")
    assert response.status_code == 200  # no redirect to the login page
    assert "Content-Security-Policy" in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get("/public/programs/NOPE/").status_code == 404
    assert client.post("/public/data.json").status_code == 405
    data = client.get("/public/data.json")
    assert data["Content-Type"] == "application/json"
    assert data["Access-Control-Allow-Origin"] == "*"
    assert "Content-Security-Policy" in data


def test_the_language_switch_works_for_anonymous_visitors(client, public_data):
    client.cookies["django_language"] = "en"
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/public/"})
    assert response.status_code == 302 and response["Location"] == "/public/"
    assert "2026년 AI 예산이 지금까지 만든 성과" in _text(client.get("/public/"))


@pytest.mark.parametrize("url", PAGES + DATA)
def test_a_second_request_reads_only_the_data_version(
    client, public_data, django_assert_num_queries, url
):
    cache.clear()
    with django_assert_num_queries(9):
        client.get(url)  # the version and the eight reads of public.selectors
    with django_assert_num_queries(1):
        client.get(url)


def test_an_approval_shows_at_once(client, public_data):
    client.get("/public/data.json")
    submitted = ProgressReport.objects.get(
        program__code="PG00001", period_end=date(2026, 9, 30), status=ReportStatus.SUBMITTED
    )
    submitted.status = ReportStatus.APPROVED
    submitted.is_current = True
    submitted.save()
    document = json.loads(client.get("/public/data.json").content)
    kpis = next(p for p in document["programmes"] if p["code"] == "PG00001")["kpis"]
    assert {k["code"]: k["latest_period_value"] for k in kpis} == {"CUM": "888888", "LVL": "888888"}
    assert document["figures_as_of"] == "2026-09-30"


_TABLE = __import__("re").compile(r'(?:FROM|JOIN)\s+"?([a-z_][a-z0-9_]*)"?', 2)


def test_the_change_log_covers_every_table_the_public_figures_read(public_data):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        public_overview(date(2026, 12, 6))
    existing = set(connection.introspection.table_names())
    tables = {
        t for q in ctx.captured_queries for t in _TABLE.findall(q["sql"]) if t in existing
    } - {"boards_change"}
    assert "reporting_kpivalue" in tables
    assert tables <= CACHED_TABLES, tables - CACHED_TABLES
