"""The budget pages (/budget/, /budget/<year>/, /budget/<year>/<code>/) and their selectors.

Trees are built with the factories (tests/factories.py). Query counts are pinned, and pinned at two
tree sizes to show they do not grow with the number of nodes, programmes, KPIs or milestones.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from budget.models import BudgetNode, FiscalYear
from budget.selectors import budget_node_detail, budget_tree, fiscal_year_latest
from tests.factories import (
    BudgetConflictFactory,
    BudgetTreeNodeFactory,
    FiscalYearFactory,
    KPIFactory,
    MilestoneFactory,
    MinistryFactory,
    ProgramFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db

T = 10**12
B = 10**9
M = 10**6

# Queries of every signed-in page: the session, the user, and the user's roles (the navigation
# shows the review queue and the audit trail only to the roles that use them).
REQUEST_QUERIES = 3
# /budget/: the fiscal years (the page's and the year switch), the nodes, and reconciliation's two.
TREE_QUERIES = REQUEST_QUERIES + 4
# /budget/<year>/<code>/: the fiscal year, then budget_node_detail's eight (seven for a node with
# no KPIs: there are no milestones to fetch).
NODE_QUERIES = REQUEST_QUERIES + 9
NODE_WITHOUT_KPIS_QUERIES = NODE_QUERIES - 1


def node(parent: BudgetNode | None, code: str, amount: int, position: int, **kw: object):
    extra: dict[str, object] = {"fiscal_year": kw.pop("fiscal_year")} if parent is None else {}
    return BudgetTreeNodeFactory(
        parent=parent, code=code, amount_won=amount, position=position, **extra, **kw
    )


def build_budget(year: int = 2026) -> FiscalYear:
    """AI 10.1T -> P1 5.4T (NACC 0.8T, KCLOUD 4.6T) and P2 4.7T (TALENT 4.48T, LEGAL 0.22B).

    P2's parts add up to 4,480.22B (unallocated), TALENT carries a conflicting statement."""
    fy = cast(FiscalYear, FiscalYearFactory(year=year, title=f"AI budget {year}"))
    msit = MinistryFactory(
        code="MSIT", name="Ministry of Science and ICT", name_ko="과학기술정보통신부"
    )
    moj = MinistryFactory(code="MOJ", name="Ministry of Justice", name_ko="법무부")
    root = node(
        None,
        "AI",
        10_100 * B,
        0,
        fiscal_year=fy,
        name="AI budget",
        name_ko="AI 예산",
        source_text="Total Investment 10.1 trillion won",
    )
    p1 = node(root, "P1", 5_400 * B, 0, name="AI Infrastructure", name_ko="AI 인프라")
    p2 = node(root, "P2", 4_700 * B, 1, name="AI Talent", name_ko="AI 인재")
    nacc = node(
        p1,
        "NACC",
        800 * B,
        0,
        name="National AI Computing Center",
        name_ko="국가 AI 컴퓨팅 센터",
        source_text="National AI Computing Center 800 billion won",
        cofog="04",
        ai_component="infrastructure",
    )
    kcloud = node(p1, "KCLOUD", 4_600 * B, 1, name="K-Cloud", name_ko="K-클라우드")
    # Positions, not codes, order siblings: TALENT (position 0) comes before LEGAL (1).
    talent = node(p2, "TALENT", 4_480 * B, 0, name="Talent programme", name_ko="인재 사업")
    legal = node(p2, "LEGAL", 220 * M, 1, name="Legal assistance", name_ko="법률 지원")
    program = ProgramFactory(
        node=nacc,
        ministry=msit,
        owner_assumed=True,
        start=date(2026, 1, 1),
        end=date(2028, 12, 31),
        frequency="quarterly",
    )
    gpu = KPIFactory(
        program=program,
        code="NACC-GPU",
        name="GPUs deployed",
        name_ko="GPU 보급",
        unit="GPUs",
        kind="level",
        target=Decimal(10000),
        target_text="over 10,000",
        target_date=date(2028, 12, 31),
        source_text="Deployment of over 10,000 high-performance GPUs",
        position=0,
    )
    MilestoneFactory(kpi=gpu, date=date(2027, 12, 31), value=Decimal(4000))
    KPIFactory(program=program, code="NACC-NET", name="Network", unit="Tbps", position=1)
    ProgramFactory(node=kcloud, ministry=msit, owner_assumed=False)
    ProgramFactory(node=legal, ministry=moj, owner_assumed=True)
    BudgetConflictFactory(
        node=talent, amount_won=1_400 * B, source_text="a 1.4 trillion won flagship", position=0
    )
    return fy


def grow(fy: FiscalYear, count: int) -> None:
    """Add ``count`` areas, each a programme with two KPIs, milestones and a conflict."""
    pillar = BudgetNode.objects.get(fiscal_year=fy, code="P1")
    extra = node(pillar, "EXTRA", count * B, 10, name="Extra area")
    ministry = MinistryFactory(code="MOE", name="Ministry of Education", name_ko="교육부")
    for index in range(count):
        leaf = node(extra, f"X{index:03d}", B, index)
        program = ProgramFactory(node=leaf, ministry=ministry)
        for k in range(2):
            kpi = KPIFactory(program=program, code=f"X{index:03d}-K{k}")
            MilestoneFactory(kpi=kpi, date=date(2026, 6, 30))
        BudgetConflictFactory(node=leaf, amount_won=2 * B)


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def budget() -> FiscalYear:
    return build_budget()


@pytest.fixture
def director_client(client: Client) -> Client:
    client.force_login(user_with_role(Role.DIRECTOR, username="director"))
    return client


def korean(client: Client) -> Client:
    client.cookies["django_language"] = "ko"
    return client


def text_of(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


# -- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/budget/", "/budget/2026/", "/budget/2026/AI/"])
def test_anonymous_users_are_sent_to_log_in(client: Client, budget: FiscalYear, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_budget(client: Client, budget: FiscalYear, role: Role) -> None:
    ministry = MinistryFactory(code="MSIT") if role in {Role.OFFICER, Role.REVIEWER} else None
    client.force_login(user_with_role(role, username=f"u-{role}", ministry=ministry))
    assert client.get("/budget/").status_code == 200
    assert client.get("/budget/2026/NACC/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/budget/1999/", "/budget/1999/AI/", "/budget/2026/NOPE/", "/budget/2026/ai/"]
)
def test_unknown_year_or_code_is_404(director_client: Client, budget: FiscalYear, path) -> None:
    assert director_client.get(path).status_code == 404


def test_a_code_of_another_year_is_404(director_client: Client, budget: FiscalYear) -> None:
    other = FiscalYearFactory(year=2027, title="AI budget 2027")
    node(None, "ONLY27", B, 0, fiscal_year=other)
    assert director_client.get("/budget/2027/ONLY27/").status_code == 200
    assert director_client.get("/budget/2026/ONLY27/").status_code == 404


# -- the tree page -----------------------------------------------------------------------------


def test_tree_in_english(director_client: Client, budget: FiscalYear) -> None:
    response = director_client.get("/budget/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert '<html lang="en">' in html
    # amounts per language, shares of parent and of total
    assert "10.1 trillion won" in text
    assert "5.4 trillion won" in text
    assert "800 billion won" in text
    assert "220 million won" in text
    assert "53.5%" in text  # P1 of the total
    assert "14.8%" in text  # NACC: 0.8 / 5.4 of its parent
    assert "7.9%" in text  # NACC: 0.8 / 10.1 of the total
    # names in English; ministry with the "assumed" mark; implementation period; KPI count
    assert "AI Infrastructure" in text and "AI 인프라" not in text
    assert "Ministry of Science and ICT assumed" in text
    assert "2026-01 \u2013 2028-12" in text  # an en dash between the months
    # every node links to its page, in tree order by position (TALENT before LEGAL)
    assert html.index('href="/budget/2026/TALENT/"') < html.index('href="/budget/2026/LEGAL/"')
    for code in ["P1", "P2", "NACC", "KCLOUD", "TALENT", "LEGAL"]:
        assert f'href="/budget/2026/{code}/"' in html
    # the chart: inline SVG with a title, a description and a data table
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "AI Infrastructure: 5.4 trillion won (53.5%)" in html
    assert "<caption>Budget by pillar</caption>" in html
    # expand/collapse without JavaScript
    assert "<details" in html and "<summary>" in html
    assert "<script" not in html


def test_tree_flags_findings_with_words(director_client: Client, budget: FiscalYear) -> None:
    text = text_of(director_client.get("/budget/"))
    html = director_client.get("/budget/").content.decode()
    # summary: P2's parts fall short by 219.78B; TALENT has a conflicting statement
    assert "Reconciliation findings 2" in text
    assert 'id="finding-P2-unallocated"' in html
    assert 'id="finding-TALENT-conflict"' in html
    assert "Unallocated" in text and "Conflicting amounts" in text
    assert "-220 billion won" in text
    assert "a 1.4 trillion won flagship" in text
    # flagged on the node rows, linking to the summary
    assert 'href="#finding-TALENT-conflict"' in html


def test_tree_in_korean(director_client: Client, budget: FiscalYear) -> None:
    response = korean(director_client).get("/budget/")
    html = response.content.decode()
    text = text_of(response)
    assert '<html lang="ko">' in html
    assert "10조 1,000억 원" in text
    assert "5조 4,000억 원" in text
    assert "8,000억 원" in text
    assert "2억 2,000만 원" in text
    assert "10.1조 원" not in text  # the exact form in tables ...
    assert "5조 4,000억 원 · 53.5%" in html  # ... the same rule on the chart
    assert "AI 인프라" in text and "과학기술정보통신부" in text
    assert "가정" in text  # the "assumed" mark
    assert "미배분" in text  # "Unallocated"
    assert "Budget tree" not in text  # the page is translated


def test_tree_of_another_year_and_the_latest(director_client: Client, budget: FiscalYear) -> None:
    older = FiscalYearFactory(year=2025, title="AI budget 2025")
    node(None, "AI25", 5_600 * B, 0, fiscal_year=older, name="AI budget 2025")
    assert fiscal_year_latest() == budget
    assert "AI budget 2025" not in text_of(director_client.get("/budget/"))
    response = director_client.get("/budget/2025/")
    assert response.status_code == 200
    assert "5.6 trillion won" in text_of(response)
    assert 'href="/budget/2026/"' in response.content.decode()  # the year switch


def test_tree_with_no_budget_loaded(director_client: Client) -> None:
    response = director_client.get("/budget/")
    assert response.status_code == 200
    assert "No budget is loaded yet" in text_of(response)


def test_tree_query_count_is_pinned(
    director_client: Client, budget: FiscalYear, django_assert_num_queries
) -> None:
    with django_assert_num_queries(TREE_QUERIES):
        assert director_client.get("/budget/").status_code == 200


@pytest.mark.parametrize("extra", [1, 25])
def test_tree_query_count_does_not_grow_with_the_tree(
    director_client: Client, budget: FiscalYear, django_assert_num_queries, extra: int
) -> None:
    grow(budget, extra)
    with django_assert_num_queries(TREE_QUERIES):
        response = director_client.get("/budget/2026/")
    assert response.status_code == 200
    linked = set(re.findall(r'href="/budget/2026/(X\d+)/"', response.content.decode()))
    assert len(linked) == extra


# -- the node page -----------------------------------------------------------------------------


def test_node_page_in_english(director_client: Client, budget: FiscalYear) -> None:
    response = director_client.get("/budget/2026/NACC/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    # breadcrumb: the year, the ancestors, the node
    crumbs = html[
        html.index('aria-label="Breadcrumb"') : html.index("</nav>", html.index("Breadcrumb"))
    ]
    assert (
        crumbs.index("/budget/2026/")
        < crumbs.index("/budget/2026/AI/")
        < crumbs.index("/budget/2026/P1/")
    )
    assert 'aria-current="page"' in crumbs
    # amount, shares, source, classification
    assert "800 billion won" in text
    assert "14.8% of AI Infrastructure" in text
    assert "National AI Computing Center 800 billion won" in text
    assert "Economic affairs" in text and "AI infrastructure" in text
    # programme facts
    assert "Ministry of Science and ICT MSIT" in text
    assert "The source document does not name the owning ministry." in text
    assert "2026-01-01" in text and "2028-12-31" in text and "Quarterly" in text
    # KPIs: unit, kind, direction, baseline, target, stated target, date, milestones, source
    assert "GPUs deployed NACC-GPU" in text
    assert "Level" in text and "Increase" in text
    assert "10,000 GPUs" in text and '<q lang="en">over 10,000</q>' in html
    assert "2027-12-31 4,000 GPUs" in text
    assert "Deployment of over 10,000 high-performance GPUs" in text
    assert "Network NACC-NET" in text
    # no finding for it
    assert "Consistent" in text


def test_node_page_with_children_conflicts_and_findings(
    director_client: Client, budget: FiscalYear
) -> None:
    text = text_of(director_client.get("/budget/2026/P2/"))
    # children with their share of this item, and the sum of its parts
    assert "Talent programme TALENT 4.48 trillion won 95.3%" in text
    assert "Legal assistance LEGAL 220 million won <0.1%" in text
    assert "Sum of its parts 4.48 trillion won" in text
    assert "Unallocated" in text and "-220 billion won" in text

    text = text_of(director_client.get("/budget/2026/TALENT/"))
    assert "Conflicting statements" in text
    assert "1.4 trillion won -3.08 trillion won" in text
    assert "a 1.4 trillion won flagship" in text


def test_node_page_in_korean(director_client: Client, budget: FiscalYear) -> None:
    text = text_of(korean(director_client).get("/budget/2026/LEGAL/"))
    assert "법률 지원" in text
    assert "2억 2,000만 원" in text
    assert "법무부" in text
    assert "AI 예산" in text and "AI 인재" in text  # the breadcrumb, in Korean
    assert "Legal assistance" in text  # the English name is shown as the other name
    text = text_of(korean(director_client).get("/budget/2026/NACC/"))
    assert "GPU 보급" in text and "수준" in text  # KPI name and kind in Korean


def test_node_query_count_is_pinned(
    director_client: Client, budget: FiscalYear, django_assert_num_queries
) -> None:
    with django_assert_num_queries(NODE_QUERIES):
        assert director_client.get("/budget/2026/NACC/").status_code == 200
    with django_assert_num_queries(NODE_WITHOUT_KPIS_QUERIES):
        assert director_client.get("/budget/2026/AI/").status_code == 200  # not a programme


@pytest.mark.parametrize("extra", [1, 25])
def test_node_query_count_does_not_grow_with_children_or_kpis(
    director_client: Client, budget: FiscalYear, django_assert_num_queries, extra: int
) -> None:
    grow(budget, extra)
    program = BudgetNode.objects.get(code="NACC").program
    for index in range(extra):
        kpi = KPIFactory(program=program, code=f"MORE{index}")
        MilestoneFactory(kpi=kpi, date=date(2026, 9, 30))
    with django_assert_num_queries(NODE_WITHOUT_KPIS_QUERIES):
        assert director_client.get("/budget/2026/EXTRA/").status_code == 200
    with django_assert_num_queries(NODE_QUERIES):
        assert director_client.get("/budget/2026/NACC/").status_code == 200


# -- selectors ---------------------------------------------------------------------------------


def test_budget_tree_order_shares_and_findings(
    budget: FiscalYear, django_assert_num_queries
) -> None:
    with django_assert_num_queries(3):
        tree = budget_tree(budget)
        rows = list(tree)
    assert [r.code for r in rows] == ["AI", "P1", "NACC", "KCLOUD", "P2", "TALENT", "LEGAL"]
    assert [r.level for r in rows] == [0, 1, 2, 2, 1, 2, 2]
    by_code = {r.code: r for r in rows}
    assert tree.total_won == 10_100 * B
    assert by_code["AI"].share_of_parent is None
    assert by_code["AI"].share_of_total == 1
    assert by_code["P1"].share_of_total == Decimal(54) / Decimal(101)
    assert by_code["NACC"].share_of_parent == Decimal(8) / Decimal(54)
    assert by_code["NACC"].kpi_count == 2
    assert by_code["NACC"].program is not None
    assert by_code["NACC"].program.ministry.code == "MSIT"
    assert by_code["P1"].program is None and by_code["P1"].kpi_count == 0
    assert [f.kind for f in by_code["P2"].findings] == ["unallocated"]
    assert [f.kind for f in by_code["TALENT"].findings] == ["conflict"]
    assert [r.code for r in tree.pillars] == ["P1", "P2"]
    assert tree.program_count == 3


def test_budget_node_detail(budget: FiscalYear, django_assert_num_queries) -> None:
    with django_assert_num_queries(8):
        detail = budget_node_detail(budget, "NACC")
        assert detail is not None
        kpis = [(k.code, [m.value for m in k.milestones.all()]) for k in detail.kpis]
    assert [c.code for c in detail.ancestors] == ["AI", "P1"]
    assert kpis == [("NACC-GPU", [Decimal(4000)]), ("NACC-NET", [])]
    assert detail.share_of_parent == Decimal(8) / Decimal(54)
    assert detail.program is not None and detail.program.owner_assumed
    assert budget_node_detail(budget, "MISSING") is None


# -- the language switch -----------------------------------------------------------------------


def test_language_switch_posts_to_set_language(director_client: Client, budget: FiscalYear):
    html = director_client.get("/budget/").content.decode()
    form = re.search(r'<form action="([^"]+)" method="post" class="lang-switch"', html)
    assert form is not None and form.group(1) == "/i18n/setlang/"
    assert 'name="language" value="ko"' in html and 'name="language" value="en"' in html
    assert '<input name="next" type="hidden" value="/budget/">' in html

    response = director_client.post("/i18n/setlang/", {"language": "ko", "next": "/budget/"})
    assert response.status_code == 302 and response["Location"] == "/budget/"
    assert response.cookies["django_language"].value == "ko"
    assert "10조 1,000억 원" in text_of(director_client.get("/budget/"))

    director_client.post("/i18n/setlang/", {"language": "en", "next": "/budget/"})
    assert "10.1 trillion won" in text_of(director_client.get("/budget/"))


def test_accept_language_chooses_korean(client: Client, budget: FiscalYear) -> None:
    client.force_login(user_with_role(Role.AUDITOR, username="auditor"))
    response = client.get("/budget/", headers={"accept-language": "ko-KR,ko;q=0.9"})
    assert "10조 1,000억 원" in text_of(response)


def test_login_page_is_translated(client: Client) -> None:
    client.cookies["django_language"] = "ko"
    text = text_of(client.get("/accounts/login/"))
    assert "로그인" in text and "비밀번호" in text
