"""The admin of the budget, programmes and KPIs (budget/admin.py, programs/admin.py,
kpis/admin.py): every page opens, amounts are formatted, lists do not grow in queries with their
rows, and KPI targets change only through a target revision with its reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from budget.models import BudgetNode
from kpis.models import KPI, TargetRevision
from tests.budget.test_views import B, build_budget, grow, node
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(cast(User, UserFactory(username="root", is_staff=True, is_superuser=True)))
    return client


@pytest.mark.parametrize(
    "name",
    [
        "budget_fiscalyear",
        "budget_ministry",
        "budget_budgetnode",
        "budget_budgetconflict",
        "programs_program",
        "kpis_kpi",
        "kpis_milestone",
        "kpis_targetrevision",
    ],
)
def test_every_changelist_opens(admin_client: Client, name: str) -> None:
    build_budget()
    response = admin_client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    response = admin_client.get(reverse(f"admin:{name}_changelist"), {"q": "NACC"})
    assert response.status_code == 200


def test_change_pages_open_with_their_inlines(admin_client: Client) -> None:
    build_budget()
    talent = BudgetNode.objects.get(code="TALENT")
    html = admin_client.get(reverse("admin:budget_budgetnode_change", args=[talent.pk])).content
    assert b"a 1.4 trillion won flagship" in html  # the conflict inline
    assert b"4.48 trillion won" in html  # the formatted amount
    nacc = BudgetNode.objects.get(code="NACC")
    html = admin_client.get(
        reverse("admin:programs_program_change", args=[nacc.program.pk])
    ).content
    assert b"NACC-GPU" in html  # the KPI inline
    gpu = KPI.objects.get(code="NACC-GPU")
    html = admin_client.get(reverse("admin:kpis_kpi_change", args=[gpu.pk])).content
    assert b"2027-12-31" in html  # the milestone inline
    assert reverse("admin:kpis_kpi_revise_target", args=[gpu.pk]).encode() in html


def test_the_tree_structure_is_not_edited_in_the_admin(admin_client: Client) -> None:
    build_budget()
    assert admin_client.get(reverse("admin:budget_budgetnode_add")).status_code == 403
    nacc = BudgetNode.objects.get(code="NACC")
    html = admin_client.get(reverse("admin:budget_budgetnode_change", args=[nacc.pk])).content
    assert b'name="parent"' not in html and b'name="path"' not in html
    assert b'name="amount_won"' in html  # a stated amount can be corrected (and is audited)


def test_node_list_is_formatted_and_pinned(admin_client: Client, django_assert_num_queries):
    fy = build_budget()
    response = admin_client.get(reverse("admin:budget_budgetnode_changelist"))
    assert "10.1 trillion won" in response.content.decode()
    with django_assert_num_queries(8) as small:
        admin_client.get(reverse("admin:budget_budgetnode_changelist"))
    grow(fy, 20)
    with django_assert_num_queries(len(small.captured_queries)):
        admin_client.get(reverse("admin:budget_budgetnode_changelist"))


def test_korean_admin_shows_korean_amounts(admin_client: Client) -> None:
    build_budget()
    admin_client.cookies["django_language"] = "ko"
    html = admin_client.get(reverse("admin:budget_budgetnode_changelist")).content.decode()
    assert "10조 1,000억 원" in html
    assert "예산 항목" in html


def test_kpi_targets_are_read_only_on_the_change_form(admin_client: Client) -> None:
    build_budget()
    gpu = KPI.objects.get(code="NACC-GPU")
    url = reverse("admin:kpis_kpi_change", args=[gpu.pk])
    html = admin_client.get(url).content
    assert b'name="target"' not in html and b'name="baseline"' not in html
    response = admin_client.post(
        url,
        {
            "name": "GPUs and NPUs deployed",
            "name_ko": "GPU·NPU 보급",
            "unit": "GPUs",
            "kind": "level",
            "direction": "increase",
            "target_text": "over 10,000",
            "grace_days": "30",
            "source_text": "Deployment of over 10,000 high-performance GPUs",
            "position": "0",
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "1",
            "revisions-TOTAL_FORMS": "0",
            "revisions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    gpu.refresh_from_db()
    assert gpu.name == "GPUs and NPUs deployed"
    assert gpu.target == Decimal(10000)


def test_revise_target_through_the_admin(admin_client: Client) -> None:
    build_budget()
    gpu = KPI.objects.get(code="NACC-GPU")
    url = reverse("admin:kpis_kpi_revise_target", args=[gpu.pk])
    form = admin_client.get(url).content.decode()
    assert "2027-12-31 4000" in form  # the milestones in force, filled in

    response = admin_client.post(
        url,
        {
            "effective_from": "2026-07-01",
            "target": "12000",
            "target_date": "2028-12-31",
            "baseline": "0",
            "milestones": "2027-06-30 5000\n2027-12-31 7000",
            "reason": "scope_change",
            "reason_text": "",
        },
    )
    assert response.status_code == 302
    gpu.refresh_from_db()
    assert gpu.target == Decimal(12000)
    assert [(m.date, m.value) for m in gpu.milestones.order_by("date")] == [
        (date(2027, 6, 30), Decimal(5000)),
        (date(2027, 12, 31), Decimal(7000)),
    ]
    revision = TargetRevision.objects.get(kpi=gpu)
    assert revision.reason == "scope_change"
    assert revision.previous["target"].startswith("10000")


def test_revise_target_shows_the_services_errors(admin_client: Client) -> None:
    build_budget()
    gpu = KPI.objects.get(code="NACC-GPU")
    url = reverse("admin:kpis_kpi_revise_target", args=[gpu.pk])
    base = {
        "effective_from": "2026-07-01",
        "target": "12000",
        "target_date": "2028-12-31",
        "baseline": "0",
        "milestones": "2027-12-31 4000",
    }
    response = admin_client.post(url, {**base, "reason": "other", "reason_text": ""})
    assert response.status_code == 200
    assert 'explain the revision when the reason is "other"' in unescape(response.content.decode())
    response = admin_client.post(url, {**base, "milestones": "5000", "reason": ""})
    assert response.status_code == 200
    assert "Line 1: write a date and a value" in response.content.decode()
    assert not TargetRevision.objects.exists()
    gpu.refresh_from_db()
    assert gpu.target == Decimal(10000)


def test_staff_without_the_administrator_role_cannot_revise(client: Client) -> None:
    build_budget()
    client.force_login(cast(User, UserFactory(username="staff", is_staff=True)))
    gpu = KPI.objects.get(code="NACC-GPU")
    response = client.post(
        reverse("admin:kpis_kpi_revise_target", args=[gpu.pk]),
        {"effective_from": "2026-07-01", "target": "12000", "target_date": "2028-12-31"},
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not TargetRevision.objects.exists()


def test_root_nodes_of_other_years_do_not_mix(admin_client: Client) -> None:
    build_budget()
    from tests.factories import FiscalYearFactory

    other = FiscalYearFactory(year=2027, title="Next")
    node(None, "R27", 3 * B, 0, fiscal_year=other)
    html = admin_client.get(reverse("admin:budget_fiscalyear_changelist")).content.decode()
    assert "3 billion won" in html and "10.1 trillion won" in html
