"""Property tests (Hypothesis) on the input parsers: arbitrary input gives an error message (the
parser's own error type, with text), never a crash, and a refused input saves nothing.

Small budget here (FUZZ_EXAMPLES, default 50, so the suite stays fast); ``make fuzz`` runs the same
properties with thousands of examples.
"""

from __future__ import annotations

import copy
import io
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from budget.checks import validate_budget
from budget.io import parse_budget_text, read_budget_file
from budget.models import BudgetNode, FiscalYear, Ministry
from budget.schema import BudgetFileError
from budget.services import budget_load
from budget.spec import parse_budget
from kpis.models import KPI
from programs.models import Program
from reporting.models import KPIValue, ProgressReport
from reporting.spreadsheet import COLUMNS, UploadPreview, parse_upload
from reporting.validation import (
    ReportInputError,
    parse_period_end,
    parse_value,
    validate_report_input,
)
from tests.factories import KPIFactory, ProgramFactory, user_with_role

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 50,  # the quick run is reproducible; make fuzz explores
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any JSON-like value (what YAML or JSON can give), plus dates and Decimals (what YAML gives too).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
number_like = st.one_of(
    scalars,
    st.from_regex(r"^[ +\-]?[0-9,]{0,20}(\.[0-9]{0,8})?([eE][+\-]?[0-9]{1,4})?\s?$"),
    st.sampled_from(["=1+1", "@SUM(A1)", "NaN", "Infinity", "1,2,3", "١٢٣", "1e15", "-0"]),
)


def _has_message(exc: Exception) -> None:
    assert str(exc).strip(), f"{type(exc).__name__} without a message"


def _counts() -> tuple[int, ...]:
    return (
        FiscalYear.objects.count(),
        Ministry.objects.count(),
        BudgetNode.objects.count(),
        Program.objects.count(),
        KPI.objects.count(),
        ProgressReport.objects.count(),
        KPIValue.objects.count(),
    )


# -- budget/ (schema, checks, spec, io), budget/services.py ----------------------------------


@FUZZ
@given(json_values)
def test_validate_and_parse_budget_never_crash(data: Any) -> None:
    errors = validate_budget(data)
    assert isinstance(errors, list)
    try:
        parse_budget(data, source="fuzz.yaml")
    except BudgetFileError as exc:
        _has_message(exc)
        assert exc.errors
    else:
        assert not errors


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_budget_text_never_crashes(content: bytes) -> None:
    for fmt in ("yaml", "json"):
        try:
            data = parse_budget_text(content, source="fuzz", fmt=fmt)
        except BudgetFileError as exc:
            _has_message(exc)
        else:
            assert isinstance(data, dict)


_BUDGET = read_budget_file(ROOT / "data" / "ai_budget_2026.yaml")


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


_BUDGET_PATHS = _paths(_BUDGET)[1:]


@st.composite
def mutated_budgets(draw: st.DrawFn) -> Any:
    """The shipped 2026 budget with a few values (anywhere in the tree) replaced."""
    data = copy.deepcopy(_BUDGET)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_BUDGET_PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation replaced an ancestor
    return data


@pytest.mark.django_db
@FUZZ
@given(mutated_budgets())
def test_budget_load_saves_all_or_nothing(data: Any) -> None:
    before = _counts()
    try:
        budget_load(data=data, source="fuzz.yaml")
    except BudgetFileError as exc:
        _has_message(exc)
        assert _counts() == before, "a refused budget file changed the database"


# -- reporting/validation.py ----------------------------------------------------------------------


@FUZZ
@given(number_like, st.sampled_from(["values.K", "executed_won"]))
def test_parse_value_returns_a_number_or_says_why(raw: Any, field: str) -> None:
    try:
        value = parse_value(raw, field=field)
    except ReportInputError as exc:
        _has_message(exc)
        assert [e.field for e in exc.errors] == [field]
    else:
        assert isinstance(value, Decimal) and value.is_finite()


@FUZZ
@given(st.one_of(scalars, st.from_regex(r"^\d{4}-\d{2}-\d{2}$")))
def test_parse_period_end_returns_a_date_or_says_why(raw: Any) -> None:
    try:
        day = parse_period_end(raw)
    except ReportInputError as exc:
        _has_message(exc)
    else:
        assert isinstance(day, date)


@pytest.fixture
def program_with_kpis(db: Any) -> Any:
    program = ProgramFactory()
    KPIFactory(program=program, code="CUM", kind="cumulative")
    KPIFactory(program=program, code="LVL", kind="level")
    return program


@pytest.fixture
def officer(program_with_kpis: Program) -> Any:
    return user_with_role(
        Role.OFFICER, username="fuzz-officer", ministry=program_with_kpis.ministry
    )


@pytest.mark.django_db
@FUZZ
@given(
    period_end=st.one_of(scalars, st.sampled_from(["2026-03-31", "2026-06-30", "2026-02-30"])),
    values=st.one_of(
        json_values,
        st.dictionaries(st.sampled_from(["CUM", "LVL", "NOPE", ""]), number_like, max_size=3),
    ),
    executed_won=number_like,
    require_complete=st.booleans(),
)
def test_validate_report_input_never_crashes(
    program_with_kpis: Program,
    period_end: Any,
    values: Any,
    executed_won: Any,
    require_complete: bool,
) -> None:
    try:
        validate_report_input(
            program=program_with_kpis,
            period_end=period_end,
            values=values,
            executed_won=executed_won,
            require_complete=require_complete,
        )
    except ReportInputError as exc:
        _has_message(exc)
        assert all(e.field and e.message for e in exc.errors)


# -- reporting/spreadsheet parse_upload ------------------------------------------------------

KEYS = [key for key, _width in COLUMNS]


@st.composite
def csv_uploads(draw: st.DrawFn) -> bytes:
    """CSV text: sometimes with the template's key row, rows of arbitrary cells; or raw bytes."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=300))
    cell = st.one_of(
        st.text(max_size=15).map(lambda s: s.replace('"', "")),
        st.sampled_from(["CUM", "LVL", "2026-03-31", "=1+1", "1,000", "-5", "yes", ""]),
        st.integers(-(10**17), 10**17).map(str),
    )
    rows = []
    if draw(st.booleans()):
        rows.append(",".join(KEYS))
    for _ in range(draw(st.integers(0, 5))):
        rows.append(",".join(f'"{draw(cell)}"' for _ in range(draw(st.integers(0, len(KEYS))))))
    return "\n".join(rows).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp949"])), "replace")


@pytest.mark.django_db
@FUZZ
@given(content=csv_uploads())
def test_parse_upload_reports_errors_and_saves_nothing(
    program_with_kpis: Program, officer: Any, content: bytes
) -> None:
    code = program_with_kpis.code
    content = content.replace(b"PROG", code.encode())
    before = _counts()
    preview = parse_upload(user=officer, file=io.BytesIO(content), file_name="fuzz.csv")
    assert isinstance(preview, UploadPreview)
    for error in preview.errors:
        assert str(error).strip()
    assert _counts() == before, "parse_upload saved something"


# -- manage.py import_progress ------------------------------------------------------------------


@pytest.mark.django_db
@FUZZ
@given(
    rows=st.one_of(
        json_values,
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "program": st.sampled_from(["PROG", "NOPE", ""]) | st.text(max_size=8),
                    "period_end": st.sampled_from(["2026-03-31", "2026-06-30", "x"]) | scalars,
                    "values": st.dictionaries(
                        st.sampled_from(["CUM", "LVL", "X"]), number_like, max_size=3
                    )
                    | json_values,
                    "executed_won": number_like,
                    "narrative": st.text(max_size=20) | scalars,
                },
            ),
            max_size=4,
        ),
    )
)
def test_import_progress_all_rows_or_none(
    program_with_kpis: Program, officer: Any, tmp_path_factory: Any, rows: Any
) -> None:
    text = json.dumps(rows, default=str).replace('"PROG"', json.dumps(program_with_kpis.code))
    path = tmp_path_factory.mktemp("imp") / "progress.json"
    path.write_text(text, encoding="utf-8")
    before = _counts()
    try:
        call_command("import_progress", str(path), "--as", officer.username, stdout=io.StringIO())
    except CommandError as exc:
        _has_message(exc)
        assert _counts() == before, "a refused progress file saved something"
