"""Loading a budget file (docs/formats.md): validation with key paths, atomicity, idempotence,
updates by code, the progress-data guard, and the load_budget command."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from budget.checks import validate_budget
from budget.io import parse_budget_text
from budget.models import BudgetConflict, BudgetNode, FiscalYear, Ministry
from budget.schema import BudgetError, BudgetFileError
from budget.services import ChangeAction, budget_load
from kpis.models import KPI, Milestone
from programs.models import Program
from reporting.models import KPIValue, ProgressReport
from tests.budget.samples import (
    GPU,
    GPU_KPI,
    GPU_PROGRAM,
    P2_PROGRAM,
    SMALL_BUDGET_YAML,
    database_snapshot,
    get,
    small_budget,
    table_counts,
    write_queries,
)
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def load(data: dict[str, Any]) -> Any:
    return budget_load(data=data, source="budget.yaml")


# ------------------------------------------------------------------------------ a valid file


def test_a_valid_small_file_loads_everything() -> None:
    result = load(small_budget())

    assert table_counts() == {
        "budget.FiscalYear": 1,
        "budget.Ministry": 2,
        "budget.BudgetNode": 5,
        "budget.BudgetConflict": 1,
        "programs.Program": 2,
        "kpis.KPI": 4,
        "kpis.Milestone": 2,
        "kpis.TargetRevision": 0,
    }
    assert (result.created, result.updated, result.deleted, result.unchanged) == (17, 0, 0, 0)
    year = FiscalYear.objects.get()
    assert (year.year, year.currency, year.title) == (2026, "KRW", "Test AI budget 2026")
    assert Ministry.objects.get(code="MSIT").name_ko == "과학기술정보통신부"

    p1 = BudgetNode.objects.get(code="P1")
    assert p1.parent == BudgetNode.objects.get(code="TOTAL")
    assert (p1.cofog, p1.ai_component, p1.source_text) == (
        "04",
        "infrastructure",
        "600 billion won",
    )
    conflict = BudgetConflict.objects.get()
    assert (conflict.node.code, conflict.amount_won) == ("GPU", 500_000_000_000)

    program = Program.objects.get(code="GPU")
    assert program.ministry.code == "MSIT"
    assert program.owner_assumed is True
    assert (program.start, program.end) == (datetime.date(2026, 1, 1), datetime.date(2028, 12, 31))
    assert Program.objects.get(code="P2").owner_assumed is False

    kpi = KPI.objects.get(code="GPU-COUNT")
    assert kpi.target == Decimal(10000)
    assert kpi.grace_days == 45
    assert (kpi.on_track_threshold, kpi.at_risk_threshold) == (Decimal("0.95"), Decimal("0.8"))
    assert kpi.source_text == "over 10,000 GPUs"
    assert list(kpi.milestones.values_list("date", "value")) == [
        (datetime.date(2026, 12, 31), Decimal(2000)),
        (datetime.date(2027, 12, 31), Decimal("6000.5")),
    ]
    energy = KPI.objects.get(code="GPU-ENERGY")
    assert (energy.direction, energy.grace_days, energy.on_track_threshold) == (
        "decrease",
        30,
        None,
    )
    assert list(KPI.objects.order_by("program", "position").values_list("code", flat=True)) == [
        "GPU-COUNT",
        "GPU-ENERGY",
        "PHD",
        "DEGREES",
    ]


def test_path_depth_and_position_give_tree_order() -> None:
    load(small_budget())
    rows = list(
        BudgetNode.objects.order_by("path").values_list("code", "path", "depth", "position")
    )
    assert rows == [
        ("TOTAL", "0000", 0, 0),
        ("P1", "0000/0000", 1, 0),
        ("GPU", "0000/0000/0000", 2, 0),
        ("DATA", "0000/0000/0001", 2, 1),
        ("P2", "0000/0001", 1, 1),
    ]


def test_tree_order_holds_past_ten_siblings() -> None:
    data = small_budget()
    data["nodes"][0]["children"] = [
        {"code": f"C{i}", "name": f"Child {i}", "amount_won": 1} for i in range(12)
    ]
    data["nodes"][0]["amount_won"] = 12
    load(data)
    codes = list(BudgetNode.objects.order_by("path").values_list("code", flat=True))
    assert codes == ["TOTAL", *[f"C{i}" for i in range(12)]]
    assert BudgetNode.objects.get(code="C11").path == "0000/0011"


def test_yaml_text_is_read_with_exact_decimals_and_dates() -> None:
    data = small_budget()
    milestones = get(data, f"{GPU_KPI}.milestones")
    assert milestones[1]["value"] == Decimal("6000.5")
    assert isinstance(milestones[1]["value"], Decimal)
    assert get(data, f"{GPU_PROGRAM}.start") == datetime.date(2026, 1, 1)
    assert validate_budget(data) == []


def test_string_dates_are_accepted_like_yaml_dates() -> None:
    data = small_budget()
    get(data, GPU_PROGRAM)["start"] = "2026-01-01"
    get(data, GPU_KPI)["milestones"][0]["date"] = "2026-12-31"
    load(data)
    assert Program.objects.get(code="GPU").start == datetime.date(2026, 1, 1)


def test_float_numbers_are_kept_exact() -> None:
    data = small_budget()
    get(data, GPU_KPI)["target"] = 10000.25
    get(data, GPU_KPI)["thresholds"] = {"on_track": 0.9, "at_risk": 0.75}
    load(data)
    kpi = KPI.objects.get(code="GPU-COUNT")
    assert kpi.target == Decimal("10000.25")
    assert kpi.on_track_threshold == Decimal("0.9")


# ------------------------------------------------------------------------------ bad input

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        get(data, path)[key] = value

    return mutate


def _delete(path: str, key: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del get(data, path)[key]

    return mutate


def _append(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        get(data, path).append(value)

    return mutate


TWO_CHILDREN = "nodes[0].children"
BAD_INPUTS: list[tuple[str, Mutation, str, str]] = [
    # id, mutation, key path, the reason (exactly)
    ("missing node name", _delete("nodes[0]", "name"), "nodes[0].name", "missing required field"),
    (
        "missing target date",
        _delete(GPU_KPI, "target_date"),
        f"{GPU_KPI}.target_date",
        "missing required field",
    ),
    (
        "missing programme ministry",
        _delete(GPU_PROGRAM, "ministry"),
        f"{GPU_PROGRAM}.ministry",
        "missing required field",
    ),
    (
        "missing top-level title",
        lambda data: data.pop("title"),
        "title",
        "missing required field",
    ),
    (
        "negative amount",
        _set(GPU, "amount_won", -5),
        f"{GPU}.amount_won",
        "amount must not be negative, got -5",
    ),
    (
        "decimal amount",
        _set(GPU, "amount_won", Decimal("1.5")),
        f"{GPU}.amount_won",
        "amount must be a whole number of won, got 1.5 (a decimal number)",
    ),
    (
        "float amount",
        _set(GPU, "amount_won", 1.5),
        f"{GPU}.amount_won",
        "amount must be a whole number of won, got 1.5 (a decimal number)",
    ),
    (
        "whole float amount",
        _set(GPU, "amount_won", 450000000000.0),
        f"{GPU}.amount_won",
        "amount must be a whole number of won, got 450000000000.0 (a decimal number)",
    ),
    (
        "text amount",
        _set(GPU, "amount_won", "100"),
        f"{GPU}.amount_won",
        'amount must be a whole number of won, got "100" (text)',
    ),
    (
        "boolean amount",
        _set(GPU, "amount_won", True),
        f"{GPU}.amount_won",
        "amount must be a whole number of won, got true (true/false)",
    ),
    (
        "negative conflict amount",
        lambda data: get(data, GPU)["conflicts"][0].update(amount_won=-1),
        f"{GPU}.conflicts[0].amount_won",
        "amount must not be negative, got -1",
    ),
    (
        "duplicate node code",
        _set(f"{TWO_CHILDREN}[1]", "code", "P1"),
        "nodes[0].children[1].code",
        'duplicate node code "P1" (first at nodes[0].children[0].code)',
    ),
    (
        "duplicate KPI code across programmes",
        lambda data: get(data, f"{P2_PROGRAM}.kpis[0]").update(code="GPU-COUNT"),
        f"{P2_PROGRAM}.kpis[0].code",
        f'duplicate KPI code "GPU-COUNT" (first at {GPU_KPI}.code)',
    ),
    (
        "unknown ministry",
        _set(GPU_PROGRAM, "ministry", "MOTIE"),
        f"{GPU_PROGRAM}.ministry",
        'unknown ministry "MOTIE": not listed under ministries',
    ),
    (
        "duplicate ministry code",
        _append("ministries", {"code": "MSIT", "name": "Again"}),
        "ministries[2].code",
        'duplicate ministry code "MSIT" (first at ministries[0].code)',
    ),
    (
        "bad date",
        _set(GPU_PROGRAM, "start", "2026/01/01"),
        f"{GPU_PROGRAM}.start",
        'not a date: expected YYYY-MM-DD, got "2026/01/01"',
    ),
    (
        "impossible date",
        _set(GPU_PROGRAM, "end", "2026-02-30"),
        f"{GPU_PROGRAM}.end",
        "impossible date 2026-02-30: no such day",
    ),
    (
        "impossible month",
        _set(GPU_KPI, "target_date", "2028-13-01"),
        f"{GPU_KPI}.target_date",
        "impossible date 2028-13-01: no such day",
    ),
    (
        "date and time instead of a date",
        _set(GPU_PROGRAM, "start", datetime.datetime(2026, 1, 1, 9, 0)),
        f"{GPU_PROGRAM}.start",
        "expected a date YYYY-MM-DD, got a date and time 2026-01-01T09:00:00",
    ),
    (
        "end before start",
        _set(GPU_PROGRAM, "end", datetime.date(2025, 12, 31)),
        f"{GPU_PROGRAM}.end",
        "end 2025-12-31 is before start 2026-01-01",
    ),
    (
        "target date before start",
        _set(f"{GPU_PROGRAM}.kpis[1]", "target_date", datetime.date(2025, 6, 30)),
        f"{GPU_PROGRAM}.kpis[1].target_date",
        "target date 2025-06-30 is before the programme start 2026-01-01",
    ),
    (
        "milestone after the target date",
        lambda data: get(data, GPU_KPI)["milestones"][1].update(date=datetime.date(2029, 1, 31)),
        f"{GPU_KPI}.milestones[1].date",
        "milestone date 2029-01-31 is outside the programme start 2026-01-01 to the target "
        "date 2028-12-31",
    ),
    (
        "milestone before the start",
        lambda data: get(data, GPU_KPI)["milestones"][0].update(date=datetime.date(2025, 12, 31)),
        f"{GPU_KPI}.milestones[0].date",
        "milestone date 2025-12-31 is outside the programme start 2026-01-01 to the target "
        "date 2028-12-31",
    ),
    (
        "duplicate milestone date",
        lambda data: get(data, GPU_KPI)["milestones"][1].update(date=datetime.date(2026, 12, 31)),
        f"{GPU_KPI}.milestones[1].date",
        "duplicate milestone date 2026-12-31",
    ),
    (
        "milestones out of order",
        lambda data: get(data, GPU_KPI)["milestones"][1].update(date=datetime.date(2026, 6, 30)),
        f"{GPU_KPI}.milestones[1].date",
        "milestones must be in date order: 2026-06-30 comes after 2026-12-31",
    ),
    (
        "unknown kind",
        _set(GPU_KPI, "kind", "stock"),
        f"{GPU_KPI}.kind",
        'unknown value "stock": expected one of cumulative, level, annual',
    ),
    (
        "unknown direction",
        _set(GPU_KPI, "direction", "up"),
        f"{GPU_KPI}.direction",
        'unknown value "up": expected one of increase, decrease',
    ),
    (
        "unknown frequency",
        _set(GPU_PROGRAM, "frequency", "weekly"),
        f"{GPU_PROGRAM}.frequency",
        'unknown value "weekly": expected one of monthly, quarterly, semiannual, annual',
    ),
    (
        "unknown cofog",
        _set("nodes[0].children[0]", "cofog", "11"),
        "nodes[0].children[0].cofog",
        'unknown value "11": expected one of 01, 02, 03, 04, 05, 06, 07, 08, 09, 10',
    ),
    (
        "cofog written as a number",
        _set("nodes[0].children[0]", "cofog", 7),
        "nodes[0].children[0].cofog",
        "wrong type: expected text, got 7 (a whole number) (write the division in quotes, "
        'e.g. "07")',
    ),
    (
        "unknown ai component",
        _set("nodes[0].children[0]", "ai_component", "robots"),
        "nodes[0].children[0].ai_component",
        'unknown value "robots": expected one of models, semiconductors, infrastructure',
    ),
    (
        "name of the wrong type",
        _set("nodes[0]", "name", 5),
        "nodes[0].name",
        "wrong type: expected text, got 5 (a whole number)",
    ),
    (
        "children not a list",
        _set("nodes[0]", "children", {"code": "X"}),
        "nodes[0].children",
        "wrong type: expected a list, got {...} (a mapping)",
    ),
    (
        "owner_assumed not a boolean",
        _set(GPU_PROGRAM, "owner_assumed", "yes please"),
        f"{GPU_PROGRAM}.owner_assumed",
        'wrong type: expected true or false, got "yes please" (text)',
    ),
    (
        "target as text",
        _set(GPU_KPI, "target", "10000"),
        f"{GPU_KPI}.target",
        'wrong type: expected a number, got "10000" (text)',
    ),
    (
        "baseline a boolean",
        _set(GPU_KPI, "baseline", False),
        f"{GPU_KPI}.baseline",
        "wrong type: expected a number, got false (true/false)",
    ),
    (
        "baseline not a number",
        _set(GPU_KPI, "baseline", float("nan")),
        f"{GPU_KPI}.baseline",
        "must be a finite number, got nan",
    ),
    (
        "target a decimal NaN",
        _set(GPU_KPI, "target", Decimal("NaN")),
        f"{GPU_KPI}.target",
        "must be a finite number, got nan",
    ),
    (
        "target infinite",
        _set(GPU_KPI, "target", Decimal("Infinity")),
        f"{GPU_KPI}.target",
        "must be a finite number, got Infinity",
    ),
    (
        "too many decimal places",
        _set(GPU_KPI, "target", Decimal("10000.12345")),
        f"{GPU_KPI}.target",
        "at most 4 decimal places, got 10000.12345",
    ),
    (
        "annual KPI with a baseline",
        _set(f"{P2_PROGRAM}.kpis[1]", "baseline", 500),
        f"{P2_PROGRAM}.kpis[1].baseline",
        "an annual KPI has baseline 0 (its target repeats every year), got 500",
    ),
    (
        "threshold above 1",
        _set(GPU_KPI, "thresholds", {"on_track": Decimal("1.5"), "at_risk": Decimal("0.75")}),
        f"{GPU_KPI}.thresholds.on_track",
        "a threshold must be between 0 and 1, got 1.5",
    ),
    (
        "negative threshold",
        _set(GPU_KPI, "thresholds", {"on_track": Decimal("0.9"), "at_risk": -0.1}),
        f"{GPU_KPI}.thresholds.at_risk",
        "a threshold must be between 0 and 1, got -0.1",
    ),
    (
        "at_risk above on_track",
        _set(GPU_KPI, "thresholds", {"on_track": Decimal("0.8"), "at_risk": Decimal("0.9")}),
        f"{GPU_KPI}.thresholds.at_risk",
        "the at_risk threshold 0.9 is above the on_track threshold 0.8",
    ),
    (
        "unknown threshold",
        _set(GPU_KPI, "thresholds", {"on_track": Decimal("0.9"), "risky": Decimal("0.5")}),
        f"{GPU_KPI}.thresholds.risky",
        'unknown key (did you mean "at_risk"?)',
    ),
    (
        "unknown key",
        _set("nodes[0]", "colour", "blue"),
        "nodes[0].colour",
        "unknown key; allowed here: code, name, name_ko, amount_won, source_text, conflicts, "
        "cofog, ai_component, children, program",
    ),
    (
        "misspelt key",
        _set(GPU_KPI, "baseline_value", 0),
        f"{GPU_KPI}.baseline_value",
        'unknown key (did you mean "baseline"?)',
    ),
    (
        "bad code",
        _set(GPU, "code", "GPU centre/1"),
        f"{GPU}.code",
        "invalid code \"GPU centre/1\": use letters, digits, '.', '_' and '-', starting with a "
        "letter or digit",
    ),
    (
        "empty name",
        _set(GPU, "name", ""),
        f"{GPU}.name",
        "must not be empty",
    ),
    (
        "bad currency",
        lambda data: data.update(currency="won"),
        "currency",
        'expected a three-letter currency code such as KRW, got "won"',
    ),
    (
        "no nodes",
        lambda data: data.update(nodes=[]),
        "nodes",
        "must not be empty",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [pytest.param(m, p, r, id=case) for case, m, p, r in BAD_INPUTS],
)
def test_bad_input_names_the_key_path_and_saves_nothing(
    mutate: Mutation, path: str, reason: str
) -> None:
    load(small_budget())  # something to leave untouched
    before = database_snapshot()
    data = small_budget()
    get(data, GPU)["amount_won"] = 1  # a valid change that must not be saved either
    mutate(data)

    with pytest.raises(BudgetFileError) as caught:
        load(data)

    assert caught.value.errors == [BudgetError(path, reason)]
    assert caught.value.lines() == [f"budget.yaml: {path}: {reason}"]
    assert database_snapshot() == before


def test_bad_input_on_an_empty_database_saves_nothing() -> None:
    data = small_budget()
    get(data, GPU_PROGRAM)["ministry"] = "NOPE"
    with pytest.raises(BudgetFileError):
        load(data)
    assert set(table_counts().values()) == {0}


def test_every_error_is_collected_in_file_order() -> None:
    data = small_budget()
    data["fiscal_year"] = "2026"
    get(data, GPU)["amount_won"] = -1
    get(data, GPU_PROGRAM)["end"] = datetime.date(2025, 1, 1)
    get(data, GPU_KPI)["kind"] = "stock"
    del get(data, f"{P2_PROGRAM}.kpis[0]")["unit"]
    get(data, f"{P2_PROGRAM}.kpis[1]")["code"] = "PHD"

    errors = validate_budget(data)

    assert [error.path for error in errors] == [
        "fiscal_year",
        f"{GPU}.amount_won",
        f"{GPU_PROGRAM}.end",
        f"{GPU_KPI}.kind",
        f"{P2_PROGRAM}.kpis[0].unit",
        f"{P2_PROGRAM}.kpis[1].code",
    ]
    assert errors[0].reason == 'wrong type: expected a whole number, got "2026" (text)'


def test_not_a_mapping() -> None:
    errors = validate_budget(["fiscal_year", 2026])
    assert len(errors) == 1
    assert errors[0].reason.startswith("the file must hold a mapping")


# ------------------------------------------------------------------------------ the file itself


def _read(text: str | bytes, fmt: str = "yaml") -> Any:
    content = text.encode() if isinstance(text, str) else text
    return parse_budget_text(content, source="b.yaml", fmt=fmt)


def _file_error(text: str | bytes, fmt: str = "yaml") -> str:
    with pytest.raises(BudgetFileError) as caught:
        _read(text, fmt)
    assert len(caught.value.lines()) == 1
    return caught.value.lines()[0]


def test_invalid_yaml_names_the_file_and_line() -> None:
    line = _file_error("fiscal_year: 2026\ntitle: [unclosed\ncurrency: KRW\n")
    assert line.startswith("b.yaml: line 3, column ")
    assert "not valid YAML" in line


def test_a_key_written_twice_is_an_error_with_its_line() -> None:
    line = _file_error("fiscal_year: 2026\ntitle: a\ntitle: b\n")
    assert line == (
        "b.yaml: line 3, column 1: not valid YAML: while constructing a mapping found "
        "duplicate key 'title'"
    )


def test_not_utf8_names_the_line() -> None:
    line = _file_error(b"fiscal_year: 2026\ntitle: \xff\xfe caf\xe9\n")
    assert line == "b.yaml: line 2: not valid UTF-8 (byte 0xff at offset 25)"


def test_a_file_that_is_not_a_mapping() -> None:
    assert _file_error("- a\n- b\n") == (
        "b.yaml: line 1: the file must hold a mapping (fiscal_year, currency, title, "
        "ministries, nodes), got [...] (a list)"
    )
    assert _file_error("") == "b.yaml: line 1: the file is empty"


def test_an_impossible_yaml_date_is_reported_at_its_key_path() -> None:
    text = SMALL_BUDGET_YAML.replace("end: 2028-12-31", "end: 2026-02-30", 1)
    data = _read(text)
    assert validate_budget(data) == [
        BudgetError(f"{GPU_PROGRAM}.end", "impossible date 2026-02-30: no such day")
    ]


def test_yaml_special_floats_are_refused() -> None:
    text = SMALL_BUDGET_YAML.replace("target: 10000", "target: .inf", 1)
    assert validate_budget(_read(text)) == [
        BudgetError(f"{GPU_KPI}.target", "must be a finite number, got inf")
    ]


def test_invalid_json_names_the_line() -> None:
    assert _file_error('{"fiscal_year": 2026,\n "title": }', fmt="json").startswith(
        "b.yaml: line 2, column 11: not valid JSON: Expecting value"
    )


def test_read_budget_file_names_a_missing_file(tmp_path: Path) -> None:
    from budget.io import read_budget_file

    missing = tmp_path / "nope.yaml"
    with pytest.raises(BudgetFileError) as caught:
        read_budget_file(missing)
    assert caught.value.lines() == [f"{missing}: cannot read the file: No such file or directory"]


# ------------------------------------------------------------------------------ idempotence


def test_loading_the_same_file_again_writes_nothing() -> None:
    load(small_budget())
    before = database_snapshot()

    with CaptureQueriesContext(connection) as queries:
        result = load(small_budget())

    assert write_queries(queries.captured_queries) == []
    assert len(queries.captured_queries) <= 11  # 7 reads, savepoint and release
    assert not result.changed
    assert (result.created, result.updated, result.deleted) == (0, 0, 0)
    assert result.unchanged == 17
    assert database_snapshot() == before


# ------------------------------------------------------------------------------ updates by code


def test_a_changed_amount_updates_the_node_in_place() -> None:
    load(small_budget())
    node = BudgetNode.objects.get(code="GPU")
    data = small_budget()
    get(data, GPU)["amount_won"] = 460_000_000_000

    with CaptureQueriesContext(connection) as queries:
        result = load(data)

    writes = write_queries(queries.captured_queries, budget_only=True)
    assert len(writes) == 1
    assert writes[0].startswith('UPDATE "budget_budgetnode" SET "amount_won"')
    node.refresh_from_db()
    assert node.amount_won == 460_000_000_000
    assert BudgetNode.objects.get(code="GPU").pk == node.pk
    assert (result.created, result.updated, result.deleted, result.unchanged) == (0, 1, 0, 16)
    [change] = result.changes
    assert change.action == ChangeAction.UPDATED
    assert (change.model, change.label, change.object_pk) == ("budget.BudgetNode", "GPU", node.pk)
    assert change.instance == node
    assert change.before == {"amount_won": 450_000_000_000}
    assert change.after == {"amount_won": 460_000_000_000}


def test_a_removed_node_is_deleted_with_its_programme_and_kpis() -> None:
    load(small_budget())
    data = small_budget()
    p1 = get(data, "nodes[0].children[0]")
    p1["children"] = [p1["children"][1]]  # GPU goes

    result = load(data)

    assert not BudgetNode.objects.filter(code="GPU").exists()
    assert set(KPI.objects.values_list("code", flat=True)) == {"PHD", "DEGREES"}
    assert Milestone.objects.count() == 0
    assert BudgetConflict.objects.count() == 0
    assert Program.objects.count() == 1
    deleted = {(c.model, c.label) for c in result.changes if c.action == ChangeAction.DELETED}
    assert deleted == {
        ("budget.BudgetNode", "GPU"),
        ("budget.BudgetConflict", "GPU#0"),
        ("programs.Program", "GPU"),
        ("kpis.KPI", "GPU-COUNT"),
        ("kpis.KPI", "GPU-ENERGY"),
        ("kpis.Milestone", "GPU-COUNT@2026-12-31"),
        ("kpis.Milestone", "GPU-COUNT@2027-12-31"),
    }
    gpu = next(c for c in result.changes if c.label == "GPU" and c.model == "budget.BudgetNode")
    assert gpu.before is not None and gpu.before["amount_won"] == 450_000_000_000
    assert gpu.after is None
    # DATA moved up to position 0.
    assert BudgetNode.objects.get(code="DATA").path == "0000/0000/0000"
    assert result.deleted == 7


def test_a_removed_subtree_is_deleted_and_a_moved_node_survives() -> None:
    load(small_budget())
    data = small_budget()
    total = data["nodes"][0]
    gpu = get(data, GPU)
    total["children"] = [gpu, total["children"][1]]  # P1 and DATA go, GPU moves up

    load(data)

    assert set(BudgetNode.objects.values_list("code", flat=True)) == {"TOTAL", "GPU", "P2"}
    moved = BudgetNode.objects.select_related("parent").get(code="GPU")
    assert moved.parent is not None
    assert (moved.parent.code, moved.depth, moved.position, moved.path) == (
        "TOTAL",
        1,
        0,
        "0000/0000",
    )
    assert KPI.objects.filter(program__allocations=moved).count() == 2
    assert Milestone.objects.count() == 2


def test_a_node_inserted_between_siblings_shifts_the_later_paths() -> None:
    load(small_budget())
    data = small_budget()
    data["nodes"][0]["children"].insert(1, {"code": "NEW", "name": "New", "amount_won": 0})

    result = load(data)

    assert BudgetNode.objects.get(code="NEW").path == "0000/0001"
    assert BudgetNode.objects.get(code="P2").path == "0000/0002"
    assert result.created == 1
    p2 = next(c for c in result.changes if c.label == "P2")
    assert p2.before == {"position": 1, "path": "0000/0001"}
    assert p2.after == {"position": 2, "path": "0000/0002"}


def test_kpi_milestone_and_conflict_updates_by_code() -> None:
    load(small_budget())
    kpi_pk = KPI.objects.get(code="GPU-COUNT").pk
    first = Milestone.objects.get(date=datetime.date(2026, 12, 31))
    conflict_pk = BudgetConflict.objects.get().pk
    data = small_budget()
    kpi = get(data, GPU_KPI)
    kpi["name"] = "GPUs in service"
    del kpi["thresholds"]
    kpi["milestones"] = [
        {"date": datetime.date(2026, 12, 31), "value": 2500},
        {"date": datetime.date(2028, 6, 30), "value": 8000},
    ]
    get(data, GPU)["conflicts"][0]["source_text"] = "restated"

    result = load(data)

    stored = KPI.objects.get(code="GPU-COUNT")
    assert stored.pk == kpi_pk
    assert (stored.name, stored.on_track_threshold, stored.at_risk_threshold) == (
        "GPUs in service",
        None,
        None,
    )
    first.refresh_from_db()
    assert first.value == Decimal(2500)
    assert list(stored.milestones.values_list("date", flat=True)) == [
        datetime.date(2026, 12, 31),
        datetime.date(2028, 6, 30),
    ]
    assert BudgetConflict.objects.get().pk == conflict_pk
    assert BudgetConflict.objects.get().source_text == "restated"
    actions = sorted((c.model, c.action.value) for c in result.changes)
    assert actions == [
        ("budget.BudgetConflict", "updated"),
        ("kpis.KPI", "updated"),
        ("kpis.Milestone", "created"),
        ("kpis.Milestone", "deleted"),
        ("kpis.Milestone", "updated"),
    ]


def test_a_kpi_moved_to_another_programme_is_a_new_kpi_there() -> None:
    """KPIs are identified by their code within their programme: moved, a KPI without data is
    removed from the first programme and created in the second."""
    load(small_budget())
    pk = KPI.objects.get(code="GPU-ENERGY").pk
    data = small_budget()
    energy = get(data, GPU_PROGRAM)["kpis"].pop(1)
    get(data, P2_PROGRAM)["kpis"].append(energy)

    load(data)

    moved = KPI.objects.get(code="GPU-ENERGY")
    assert moved.pk != pk
    assert moved.program.code == "P2"
    assert moved.position == 2


def test_a_programme_dropped_from_a_node_is_deleted() -> None:
    load(small_budget())
    data = small_budget()
    del get(data, "nodes[0].children[1]")["program"]

    load(data)

    assert BudgetNode.objects.filter(code="P2").exists()
    assert not Program.objects.filter(code="P2").exists()
    assert not KPI.objects.filter(code__in=["PHD", "DEGREES"]).exists()


def test_ministries_are_updated_but_never_deleted() -> None:
    load(small_budget())
    data = small_budget()
    data["ministries"][1]["name_ko"] = "교육부"
    get(data, P2_PROGRAM)["ministry"] = "MSIT"
    data["ministries"].pop(1)  # MOE no longer listed (its name_ko change goes with it)

    load(data)

    assert Ministry.objects.filter(code="MOE").exists()
    assert Ministry.objects.get(code="MOE").name_ko == ""
    assert Program.objects.get(code="P2").ministry.code == "MSIT"


def test_a_second_year_funds_the_same_programmes() -> None:
    """Each year keeps its own tree and amounts; the programmes and KPIs are the same objects."""
    load(small_budget())
    program_pk = Program.objects.get(code="GPU").pk
    data = small_budget()
    data["fiscal_year"] = 2027
    get(data, GPU)["amount_won"] = 1

    load(data)

    assert BudgetNode.objects.filter(code="GPU").count() == 2
    assert BudgetNode.objects.get(code="GPU", fiscal_year__year=2026).amount_won == 450 * 10**9
    assert KPI.objects.filter(code="GPU-COUNT").count() == 1
    assert Program.objects.get(code="GPU").pk == program_pk
    assert sorted(
        BudgetNode.objects.filter(program_id=program_pk).values_list("fiscal_year__year", flat=True)
    ) == [2026, 2027]


# ------------------------------------------------------------------------------ progress data


@pytest.fixture
def gpu_with_progress() -> KPI:
    """The small budget loaded, with an approved report giving GPU-COUNT a value."""
    load(small_budget())
    program = Program.objects.get(code="GPU")
    officer = user_with_role(Role.OFFICER, ministry=program.ministry)
    report = ProgressReport.objects.create(
        program=program,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        created_by=officer,
    )
    kpi = KPI.objects.get(code="GPU-COUNT")
    KPIValue.objects.create(report=report, kpi=kpi, value=Decimal(100))
    return kpi


def _refused(data: dict[str, Any]) -> list[str]:
    before = database_snapshot()
    with pytest.raises(BudgetFileError) as caught:
        load(data)
    assert database_snapshot() == before
    return caught.value.lines()


def test_a_programme_with_progress_reports_cannot_be_removed(gpu_with_progress: KPI) -> None:
    data = small_budget()
    get(data, "nodes[0].children[0]")["children"].pop(0)
    assert _refused(data) == [
        "budget.yaml: programme GPU is no longer in the file, but it has progress reports: it "
        "cannot be removed",
        "budget.yaml: KPI GPU-COUNT is no longer in the file, but it has progress data: it "
        "cannot be removed",
    ]


def test_a_kpi_with_values_cannot_be_removed_or_redefined(gpu_with_progress: KPI) -> None:
    data = small_budget()
    get(data, GPU_PROGRAM)["kpis"].pop(0)
    assert _refused(data) == [
        "budget.yaml: KPI GPU-COUNT is no longer in the file, but it has progress data: it "
        "cannot be removed"
    ]

    data = small_budget()
    get(data, GPU_KPI).update(kind="cumulative", direction="decrease", target=12000)
    get(data, GPU_PROGRAM)["frequency"] = "monthly"
    assert _refused(data) == [
        f"budget.yaml: {GPU_PROGRAM}.frequency: cannot change the reporting frequency of "
        "programme GPU from quarterly to monthly: it has progress reports",
        f"budget.yaml: {GPU_KPI}.kind: cannot change the kind of KPI GPU-COUNT: it has "
        "progress data",
        f"budget.yaml: {GPU_KPI}.direction: cannot change the direction of KPI GPU-COUNT: it "
        "has progress data",
        f"budget.yaml: {GPU_KPI}: KPI GPU-COUNT has progress data and the file changes its "
        "target: add a revision key to the KPI (revision: {reason: ..., note: ...}) with one of "
        "the reasons annual_review, budget_realignment, scope_change, implementation_delay, "
        "data_correction, other",
    ]

    data = small_budget()
    get(data, GPU_KPI)["milestones"].pop()
    assert (
        "KPI GPU-COUNT has progress data and the file changes its milestones: add a "
        in (_refused(data)[0])
    )


def test_what_has_no_progress_data_can_still_change(gpu_with_progress: KPI) -> None:
    data = small_budget()
    get(data, GPU_KPI)["name"] = "Renamed"  # not a redefinition
    get(data, GPU_PROGRAM)["kpis"][1]["kind"] = "cumulative"  # GPU-ENERGY has no values
    get(data, GPU)["amount_won"] = 1

    result = load(data)

    assert result.updated == 3
    assert KPI.objects.get(code="GPU-ENERGY").kind == "cumulative"


# ------------------------------------------------------------------------------ the command


def _write(tmp_path: Path, text: str, name: str = "budget.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_command_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, SMALL_BUDGET_YAML)
    call_command("load_budget", str(path))
    out = capsys.readouterr().out
    assert (
        f"Loaded fiscal year 2026 from {path}: 17 created, 0 updated, 0 deleted, 0 unchanged."
        in out
    )
    assert "budget.BudgetNode: 5 created, 0 updated, 0 deleted, 0 unchanged" in out
    assert "Reconciliation: 1 findings" in out

    call_command("load_budget", str(path))
    out = capsys.readouterr().out
    assert "0 created, 0 updated, 0 deleted, 17 unchanged." in out


def run_manage(monkeypatch: pytest.MonkeyPatch, *argv: str) -> None:
    """Run a command the way ``manage.py`` does (CommandError -> exit status 1), keeping the test's
    database connection open (run_from_argv closes every connection when it ends)."""
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    ManagementUtility(["manage.py", *argv]).execute()


def test_command_prints_every_error_and_exits_with_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = SMALL_BUDGET_YAML.replace("ministry: MSIT", "ministry: NOPE").replace(
        "kind: level", "kind: stock", 1
    )
    path = _write(tmp_path, text)

    with pytest.raises(SystemExit) as exited:
        run_manage(monkeypatch, "load_budget", str(path))

    assert exited.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f'{path}: {GPU_PROGRAM}.ministry: unknown ministry "NOPE": not listed under ministries',
        f'{path}: {GPU_KPI}.kind: unknown value "stock": expected one of cumulative, level, annual',
        f"CommandError: 2 errors in {path}; nothing was saved.",
    ]
    assert set(table_counts().values()) == {0}


def test_command_reports_a_syntax_error_with_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "fiscal_year: 2026\nnodes: [\n")
    with pytest.raises(CommandError, match="1 error in"):
        call_command("load_budget", str(path))


def test_command_reads_json_files(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"fiscal_year": 2026, "title": "x", "currency": "KRW"}', name="b.json")
    with pytest.raises(CommandError):
        call_command("load_budget", str(path))


def test_reloading_the_same_file_after_a_target_revision_keeps_the_revision(
    gpu_with_progress: KPI,
) -> None:
    """``make run`` reloads the shipped file on every start: after an administrator revised a
    target, the unchanged file is not refused and does not undo the revision."""
    from kpis.services import kpi_revise_target

    admin = user_with_role(Role.ADMINISTRATOR)
    original = gpu_with_progress.target
    kpi_revise_target(
        user=admin,
        kpi=gpu_with_progress,
        effective_from="2026-07-01",
        target=original * 2,
        milestones=[],
        reason="other",
        reason_text="demo",
    )
    load(small_budget())  # the same file again: accepted

    kpi = KPI.objects.get(code="GPU-COUNT")
    assert kpi.target == original * 2
    assert not kpi.milestones.exists()

    data = small_budget()  # a file that changes the target some other way is still refused
    get(data, GPU_KPI)["target"] = 7
    assert "has progress data and the file changes its target" in _refused(data)[0]
