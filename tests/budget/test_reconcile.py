"""Reconciliation (docs/formats.md) of loaded budgets: crafted trees, and the reconcile_budget
command's formats and exit codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.utils import translation

from budget.models import FiscalYear
from budget.reconciliation import FindingKind, reconcile_fiscal_year
from budget.services import budget_load
from tests.budget.samples import small_budget

pytestmark = pytest.mark.django_db

B = 10**9


def node(
    code: str,
    amount_won: int,
    *children: dict[str, Any],
    conflicts: list[tuple[int, str]] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "code": code,
        "name": f"Node {code}",
        "amount_won": amount_won,
        "source_text": f"{code} is {amount_won // B} billion won",
    }
    if conflicts:
        result["conflicts"] = [{"amount_won": a, "source_text": t} for a, t in conflicts]
    if children:
        result["children"] = list(children)
    return result


def load_tree(*roots: dict[str, Any], year: int = 2026) -> FiscalYear:
    data = {
        "fiscal_year": year,
        "currency": "KRW",
        "title": f"Crafted {year}",
        "ministries": [],
        "nodes": list(roots),
    }
    return budget_load(data=data, source="crafted.yaml").fiscal_year


def findings(*roots: dict[str, Any]) -> list[dict[str, Any]]:
    return [f.as_dict() for f in reconcile_fiscal_year(load_tree(*roots))]


def test_an_exact_tree_has_no_findings() -> None:
    tree = node("T", 100 * B, node("A", 60 * B, node("A1", 60 * B)), node("B", 40 * B))
    assert findings(tree) == []


def test_over_allocated() -> None:
    assert findings(node("T", 100 * B, node("A", 60 * B), node("B", 50 * B))) == [
        {
            "code": "T",
            "kind": "over_allocated",
            "amount_won": 100 * B,
            "children_sum_won": 110 * B,
            "difference_won": 10 * B,
            "statements": [
                "T is 100 billion won",
                "A is 60 billion won",
                "B is 50 billion won",
            ],
        }
    ]


def test_unallocated() -> None:
    [finding] = findings(node("T", 100 * B, node("A", 30 * B), node("B", 20 * B)))
    assert finding["kind"] == "unallocated"
    assert (finding["children_sum_won"], finding["difference_won"]) == (50 * B, -50 * B)


def test_conflicting_statements() -> None:
    tree = node(
        "T",
        100 * B,
        node("A", 100 * B, conflicts=[(140 * B, "A is also 140 billion"), (90 * B, "or 90")]),
    )
    assert findings(tree) == [
        {
            "code": "A",
            "kind": "conflict",
            "amount_won": 100 * B,
            "children_sum_won": None,
            "difference_won": 40 * B,
            "statements": ["A is 100 billion won", "A is also 140 billion", "or 90"],
        }
    ]


def test_several_levels_deep_in_tree_order() -> None:
    tree = node(
        "T",
        100 * B,
        node(
            "A",
            60 * B,
            node("A1", 30 * B),
            node("A2", 40 * B, node("A2a", 10 * B), node("A2b", 10 * B)),
        ),
        node("B", 40 * B, node("B1", 40 * B)),
    )
    assert [(f["code"], f["kind"], f["difference_won"]) for f in findings(tree)] == [
        ("A", "over_allocated", 10 * B),
        ("A2", "unallocated", -20 * B),
    ]


def test_a_node_can_both_mismatch_and_conflict() -> None:
    tree = node("T", 100 * B, node("A", 70 * B), conflicts=[(110 * B, "T is 110")])
    assert [(f["code"], f["kind"], f["children_sum_won"]) for f in findings(tree)] == [
        ("T", "unallocated", 70 * B),
        ("T", "conflict", 70 * B),
    ]


def test_another_years_nodes_do_not_count() -> None:
    load_tree(node("T", 100 * B, node("A", 100 * B)), year=2026)
    other = load_tree(node("T", 100 * B, node("A", 90 * B)), year=2027)
    assert [f.kind for f in reconcile_fiscal_year(other)] == [FindingKind.UNALLOCATED]
    assert reconcile_fiscal_year(FiscalYear.objects.get(year=2026)) == []


# ------------------------------------------------------------------------------ the command


def _crafted() -> None:
    load_tree(
        node(
            "T",
            100 * B,
            node("A", 60 * B, node("A1", 70 * B)),
            node("B", 40 * B, conflicts=[(45 * B, "B is 45 billion")]),
        )
    )


def test_command_json_lists_findings_with_the_keys_of_4_4(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _crafted()
    call_command("reconcile_budget", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert [list(f) for f in out] == [
        ["code", "kind", "amount_won", "children_sum_won", "difference_won", "statements"]
    ] * 2
    assert [(f["code"], f["kind"], f["difference_won"]) for f in out] == [
        ("A", "over_allocated", 10 * B),
        ("B", "conflict", 5 * B),
    ]
    call_command("reconcile_budget")  # JSON is the default
    assert json.loads(capsys.readouterr().out) == out


def test_command_text_is_one_readable_line_per_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _crafted()
    call_command("reconcile_budget", "--format", "text")
    assert capsys.readouterr().out.splitlines() == [
        "A: over-allocated: amount 60 billion won, children sum 70 billion won, difference "
        '+10 billion won | "A is 60 billion won" | "A1 is 70 billion won"',
        "B: conflict: amount 40 billion won, other statements differ by up to +5 billion won | "
        '"B is 40 billion won" | "B is 45 billion"',
    ]


def test_command_text_in_korean_writes_korean_amounts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _crafted()
    with translation.override("ko"):
        call_command("reconcile_budget", "--format", "text")
    first = capsys.readouterr().out.splitlines()[0]
    assert "600억 원" in first and "700억 원" in first and "+100억 원" in first


def test_command_text_says_so_when_everything_adds_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_tree(node("T", 100 * B, node("A", 100 * B)))
    call_command("reconcile_budget", "--format", "text")
    assert capsys.readouterr().out == (
        "Fiscal year 2026: every amount adds up and no statements conflict.\n"
    )
    call_command("reconcile_budget", "--format", "json")
    assert json.loads(capsys.readouterr().out) == []


def test_command_picks_the_year(capsys: pytest.CaptureFixture[str]) -> None:
    load_tree(node("T", 100 * B, node("A", 90 * B)), year=2025)
    budget_load(data=small_budget(), source="small.yaml")
    call_command("reconcile_budget")
    assert [f["code"] for f in json.loads(capsys.readouterr().out)] == ["GPU"]
    call_command("reconcile_budget", "--year", "2025")
    assert [f["kind"] for f in json.loads(capsys.readouterr().out)] == ["unallocated"]


def test_command_exit_status(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "reconcile_budget"]).execute()
    assert exited.value.code == 1
    assert "No fiscal year is loaded" in capsys.readouterr().err

    _crafted()
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "reconcile_budget", "--year", "1999"]).execute()
    assert exited.value.code == 1
    assert "Fiscal year 1999 is not loaded." in capsys.readouterr().err

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "reconcile_budget", "--format", "xml"]).execute()
    assert exited.value.code == 2  # argparse: an invalid choice

    # Success exits normally (status 0), whatever the findings.
    ManagementUtility(["manage.py", "reconcile_budget", "--format", "text"]).execute()
    assert capsys.readouterr().out.startswith("A: over-allocated")
