"""The auditor's pages and exports: who may see them, what they show, query counts, and that
every export is itself audited with formulas neutralised."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.exporting import neutralize_cell, neutralize_row
from audit.models import AuditEntry
from tests.audit.conftest import entries
from tests.factories import KPIFactory, MinistryFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("audit:list", {}),
    ("audit:export_csv", {}),
    ("audit:export_xlsx", {}),
    ("audit:day", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("officer", 403), ("reviewer", 403), ("director", 403), ("auditor", 200), ("admin", 200)],
)
def test_permission_matrix(client, users, name, kwargs, role, expected):
    client.force_login(users[role])
    assert client.get(reverse(name, kwargs=kwargs)).status_code == expected


def test_object_history_permission(client, users, ministry):
    url = reverse("audit:object", args=["budget.ministry", ministry.pk])
    client.force_login(users["director"])
    assert client.get(url).status_code == 403
    client.force_login(users["auditor"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["audit:list", "audit:export_csv", "audit:export_xlsx"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _make_entries(n: int) -> None:
    for i in range(n):
        MinistryFactory(code=f"Q{i:03d}")


@pytest.mark.parametrize("size", [3, 60])
def test_list_query_count_is_pinned(client, users, django_assert_num_queries, size):
    _make_entries(size)
    client.force_login(users["auditor"])
    # session, user, roles, count, page, ministry choices of the filter form, and one per kind
    # of object named (here ministries and users)
    with django_assert_num_queries(8):
        response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(50, AuditEntry.objects.count())


def test_list_filters(client, users, kpi, ministry):
    other = MinistryFactory(code="MOE")
    kpi.target = Decimal(5)
    kpi.save()
    client.force_login(users["auditor"])
    url = reverse("audit:list")

    def seqs(**params):
        page = client.get(url, params).context["page"]
        return [e.seq for e in page.object_list]

    kpi_updates = [
        e.seq for e in entries(object_type="kpis.kpi", object_id=str(kpi.pk), action="update")
    ]
    got = seqs(object_type="kpis.kpi", object_id=kpi.pk, action="update")
    assert got == kpi_updates
    assert seqs(ministry=other.pk) == [e.seq for e in entries(object_id=str(other.pk))][::-1]
    today = timezone.localdate().isoformat()
    assert len(seqs(date_from=today, date_to=today)) == min(50, AuditEntry.objects.count())
    assert seqs(date_to="2000-01-01") == []
    assert seqs(actor="system")
    assert seqs(actor="nobody") == []


def test_object_history_shows_before_and_after(client, users, kpi):
    kpi.target = Decimal(1234)
    kpi.save()
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:object", args=["kpis.kpi", kpi.pk]))
    body = response.content.decode()
    assert "1,000" in body and "1000.0000" not in body  # a number, not the stored decimal
    assert "1,234" in body
    views = response.context["views"]
    assert [v.entry.action for v in views] == ["create", "update"]
    assert [(c.label, c.before, c.after) for c in views[1].changes] == [
        ("Target", "1,000", "1,234")
    ]


def test_day_view_shows_the_events_and_the_state(client, users, report):
    client.force_login(users["auditor"])
    today = timezone.localdate().isoformat()
    response = client.get(reverse("audit:day"), {"date": today})
    assert response.status_code == 200
    state = response.context["state"]
    assert [r["status"] for r in state.reports] == ["draft"]
    assert any(
        v.entry.object_type == "reporting.progressreport" for v in response.context["entries"]
    )
    assert f"/?as_of={today}" in response.content.decode()
    old = client.get(reverse("audit:day"), {"date": "2000-01-01"})
    assert old.context["state"].reports == []
    assert old.context["entries"] == []


def test_csv_export_is_audited_and_neutralised(client, users, program):
    KPIFactory(program=program, name='=HYPERLINK("http://evil")')
    client.force_login(users["auditor"])
    before = AuditEntry.objects.count()
    response = client.get(reverse("audit:export_csv"), {"object_type": "kpis.kpi"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Seq"  # people's headers, in the request's language
    repr_col = rows[0].index("Object")
    kpi_rows = rows[1:]
    assert len(kpi_rows) == 1
    assert kpi_rows[0][repr_col].startswith("K")  # "<code> =HYPERLINK" starts with the code
    after_col = rows[0].index("After")
    assert "=HYPERLINK" in kpi_rows[0][after_col]

    (export,) = entries(action="export", seq__gt=before)
    assert export.actor_id == users["auditor"].pk
    assert export.object_type == "audit.auditentry"
    assert export.extra == {"format": "csv", "rows": 1, "filters": {"object_type": "kpis.kpi"}}


def test_xlsx_export_is_audited_and_neutralised(client, users, ministry):
    MinistryFactory(code="=1+1")
    client.force_login(users["auditor"])
    before = AuditEntry.objects.count()
    response = client.get(reverse("audit:export_xlsx"), {"object_type": "budget.ministry"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[0]
    reprs = [row[header.index("Object")] for row in values[1:]]
    assert "'=1+1" in reprs
    assert "MSIT" in reprs
    (export,) = entries(action="export", seq__gt=before)
    assert export.extra["format"] == "xlsx"
    assert export.extra["rows"] == 2


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("plain", "plain"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralize_cell(raw, safe):
    assert neutralize_cell(raw) == safe


def test_neutralize_row_keeps_numbers():
    assert neutralize_row(["=x", 3, Decimal("-1")]) == ["'=x", 3, Decimal("-1")]


def test_export_json_columns_are_valid_json(client, users, ministry):
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:export_csv"), {"object_type": "budget.ministry"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert json.loads(rows[0]["After"])["code"] == "MSIT"


def test_csv_cells_that_look_like_formulas_are_neutralised(client, users):
    MinistryFactory(code="@SUM(1)")
    MinistryFactory(code="-2+3")
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:export_csv"), {"object_type": "budget.ministry"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    reprs = {r["Object"] for r in rows}
    assert {"'@SUM(1)", "'-2+3"} <= reprs


@pytest.mark.parametrize("size", [2, 30])
def test_object_history_query_count_is_pinned(client, users, kpi, django_assert_num_queries, size):
    for i in range(size):
        kpi.target = Decimal(i + 2000)
        kpi.save()
    client.force_login(users["auditor"])
    # session, user, roles, entries, and one per kind of object named (the KPI, its programme)
    with django_assert_num_queries(6):
        response = client.get(reverse("audit:object", args=["kpis.kpi", kpi.pk]))
    assert len(response.context["views"]) == size + 1


@pytest.mark.parametrize("size", [2, 30])
def test_day_view_query_count_is_pinned(client, users, report, django_assert_num_queries, size):
    _make_entries(size)
    client.force_login(users["auditor"])
    # session, user, roles, the day's entries, the stored board's programmes, the replay, and
    # one per kind of object named
    with django_assert_num_queries(12):
        response = client.get(reverse("audit:day"))
    assert len(response.context["entries"]) == AuditEntry.objects.count()


def test_pages_are_in_korean_by_default_and_english_on_request(client, users, settings):
    settings.LANGUAGE_CODE = "ko"
    client.force_login(users["auditor"])
    assert "감사 기록" in client.get(reverse("audit:list")).content.decode()
    english = client.get(reverse("audit:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Audit trail" in english.content.decode()
