"""``/performance/``: who sees which ministry, the year and ministry selectors, the downloads (the
command's files, audited), both languages, query counts pinned at two sizes; and the board's
headline of KPIs achieved."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from accounts.roles import Role
from audit.models import AuditEntry
from budget.models import BudgetNode, FiscalYear, Ministry
from results.figures import year_figures
from tests.boards.data import AS_OF, build_board_data
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _login(client, role, ministry=None, name="u"):
    client.force_login(user_with_role(role, username=name, ministry=ministry))
    return client


def test_director_sees_every_ministry_and_picks_one(client, portfolio):
    _login(client, Role.DIRECTOR)
    response = client.get("/performance/?year=2024")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ministry of Results" in body and "Other programme" in body
    assert "KPIs achieved in 2024: 2 of 5 (40.0%)" in body
    assert 'name="ministry"' in body  # the ministry selector
    assert "Two labs opened late" in body
    body = client.get("/performance/?year=2024&ministry=OTH").content.decode()
    assert "Other programme" in body and "Two labs opened late" not in body
    assert client.get("/performance/?year=2024&ministry=NOPE").status_code == 404
    assert client.get("/performance/?year=2031").status_code == 404


def test_officer_sees_only_their_ministry(client, portfolio):
    own = Ministry.objects.get(code="OTH")
    _login(client, Role.OFFICER, ministry=own)
    body = client.get("/performance/?year=2024").content.decode()
    assert "Other programme" in body
    assert "Ministry of Results" not in body and "Two labs opened late" not in body
    assert 'name="ministry"' not in body
    assert client.get("/performance/?year=2024&ministry=RES").status_code == 404
    assert client.get("/performance/pdf/?year=2024&ministry=RES").status_code == 404
    wb = load_workbook(io.BytesIO(client.get("/performance/xlsx/?year=2024").content))
    assert {row[0].value for row in wb.worksheets[1].iter_rows(2)} == {"OTH"}


def test_reviewer_of_a_ministry_is_scoped_and_no_ministry_is_refused(client, portfolio):
    _login(client, Role.REVIEWER, ministry=portfolio.ministry, name="rev")
    body = client.get("/performance/?year=2024").content.decode()
    assert "Two labs opened late" in body and "Other programme" not in body
    client.logout()
    _login(client, Role.OFFICER, name="nobody")  # an officer with no ministry
    assert client.get("/performance/").status_code == 403
    client.logout()
    assert client.get("/performance/").status_code == 302  # to the login page


def test_default_year_is_today_s(client, portfolio, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2024, 8, 1))
    _login(client, Role.AUDITOR)
    response = client.get("/performance/")
    assert response.context["report"].fiscal_year.year == 2024
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 8, 1))
    assert client.get("/performance/").context["report"].fiscal_year.year == 2025  # latest


def test_downloads_are_the_command_s_files_and_audited(client, portfolio):
    user = user_with_role(Role.ADMINISTRATOR, username="adm")
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "ko"})
    response = client.get("/performance/xlsx/?year=2024&ministry=RES")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="performance-2024-RES.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["요약", "성과지표"]
    response = client.get("/performance/pdf/?year=2024")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    entries = AuditEntry.objects.filter(object_type="performance_report").order_by("pk")
    assert [(e.extra["format"], e.actor_id) for e in entries] == [
        ("xlsx", user.pk),
        ("pdf", user.pk),
    ]
    assert entries[0].extra["filters"] == {"year": 2024, "ministry": "RES", "language": "ko"}


def test_korean_page(client, portfolio):
    _login(client, Role.DIRECTOR)
    client.post("/i18n/setlang/", {"language": "ko"})
    body = client.get("/performance/?year=2024").content.decode()
    assert "2024 회계연도 성과보고서" in body
    assert "2024년 성과지표 달성: 5개 중 2개(40.0%)" in body
    assert "성과부" in body and "100억 원" in body and "미달성" in body
    assert "PDF 내려받기" in body


# Queries: session, user, groups, fiscal years, ministries, the data's version, the figures'
# eight, and (first visit) the year's tree; the same at every size.
PERFORMANCE_QUERIES = 14


@pytest.mark.parametrize("size", [6, 40])
def test_query_count_does_not_grow(client, django_assert_num_queries, size):
    build_board_data(size)
    _login(client, Role.DIRECTOR, name="qc")
    client.get("/performance/?year=2026")
    with django_assert_num_queries(PERFORMANCE_QUERIES):
        response = client.get("/performance/?year=2026")
    assert len(response.context["report"].figures.programs()) == size
    cache.clear()
    with django_assert_num_queries(PERFORMANCE_QUERIES + 1):  # the tree
        client.get("/performance/?year=2026&ministry=MSIT")


def _headline(body: str) -> tuple[int, int]:
    match = re.search(r"(\d+) of (\d+) KPIs in force reached", body)
    assert match, "no headline"
    return int(match[1]), int(match[2])


def test_board_headline_overall_per_pillar_and_ministry(client):
    data = build_board_data(10)
    _login(client, Role.DIRECTOR, name="b")
    figures = year_figures(year=2026)
    assert figures.summary.kpis == 20  # two KPIs a programme
    assert 0 < figures.summary.achieved < 20
    body = client.get(f"/?as_of={AS_OF.isoformat()}").content.decode()
    assert "KPIs achieved in 2026" in body
    assert _headline(body) == (figures.summary.achieved, 20)
    for code in ("P1", "P2"):
        pillar = BudgetNode.objects.get(fiscal_year=data.year, code=code)
        kpis = [
            k for p in figures.programs() if p.path.startswith(pillar.path + "/") for k in p.kpis
        ]
        assert kpis
        achieved = sum(k.achieved for k in kpis)
        share = f"{achieved * 100 / len(kpis):.1f}%"
        assert f"KPIs achieved in 2026: {achieved} of {len(kpis)} ({share})" in body
    msit = Ministry.objects.get(code="MSIT")
    body = client.get(f"/ministries/MSIT/?as_of={AS_OF.isoformat()}").content.decode()
    mine = next(m for m in figures.ministries if m.ministry == msit).summary
    assert _headline(body) == (mine.achieved, mine.kpis) and mine.kpis < 20
    assert data.year == FiscalYear.objects.get(year=2026)
