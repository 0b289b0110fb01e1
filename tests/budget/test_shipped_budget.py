"""The shipped 2026 budget file (data/ai_budget_2026.yaml) against its source document.

Everything except the last test reads the YAML with PyYAML and the document as text: no loader, no
database. The figures expected here are the document's own (data/source/README.md); where the
document does not add up, the file must keep what it states and reconciliation must report it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from budget.reconciliation import FindingKind, NodeFacts, reconcile

ROOT = Path(__file__).resolve().parents[2]
BUDGET_FILE = ROOT / "data" / "ai_budget_2026.yaml"
DOCUMENT = ROOT / "data" / "source" / "korea_ai_budget_2026.txt"

T = 10**12
B = 10**9
M = 10**6
ISO = "%Y-%m-%d"
EXCERPT_JOINER = " … "

COFOG_DIVISIONS = {f"{n:02d}" for n in range(1, 11)}
AI_COMPONENTS = {"models", "semiconductors", "infrastructure"}
KINDS = {"cumulative", "level", "annual"}
FREQUENCIES = {"monthly", "quarterly", "semiannual", "annual"}


def _load() -> dict[str, Any]:
    with BUDGET_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict)
    return data


DATA = _load()
TEXT = DOCUMENT.read_text(encoding="utf-8")


def _normalise(text: str) -> str:
    """The document without markdown markup and line breaks."""
    return " ".join(re.sub(r"[*#]", " ", text).split())


NORMALISED_TEXT = _normalise(TEXT)


def _walk(
    nodes: list[dict[str, Any]], parent: str | None = None
) -> Iterator[tuple[dict[str, Any], str | None]]:
    for node in nodes:
        yield node, parent
        yield from _walk(node.get("children") or [], node["code"])


NODES = {node["code"]: node for node, _ in _walk(DATA["nodes"])}
PARENTS = {node["code"]: parent for node, parent in _walk(DATA["nodes"])}
PROGRAMS = {code: node["program"] for code, node in NODES.items() if "program" in node}
KPIS = {kpi["code"]: (code, kpi) for code, program in PROGRAMS.items() for kpi in program["kpis"]}


def _children(code: str) -> list[str]:
    return [child["code"] for child in NODES[code].get("children") or []]


# ------------------------------------------------------------------------------ the money tree


def test_header_and_total() -> None:
    assert DATA["fiscal_year"] == 2026
    assert DATA["currency"] == "KRW"
    assert len(DATA["nodes"]) == 1
    root = DATA["nodes"][0]
    assert root["code"] == "AI-2026"
    assert root["amount_won"] == 10_100_000_000_000
    assert "10.1 trillion won" in root["source_text"]


def test_pillars_amounts_and_shares() -> None:
    pillars = {"P1-INFRA": 5.4 * T, "P2-TALENT": 1.4 * T, "P3-AX": 2.6 * T, "P4-FIN": 0.7 * T}
    shares = {"P1-INFRA": 53.5, "P2-TALENT": 13.9, "P3-AX": 25.7, "P4-FIN": 6.9}
    total = NODES["AI-2026"]["amount_won"]
    assert _children("AI-2026") == list(pillars)
    for code, amount in pillars.items():
        assert NODES[code]["amount_won"] == int(amount), code
        share = round(Decimal(NODES[code]["amount_won"]) * 100 / Decimal(total), 1)
        assert share == Decimal(str(shares[code])), code
        # the share is stated with the pillar amount in the document
        assert f"({shares[code]}%)" in NODES[code]["source_text"], code
    assert sum(NODES[code]["amount_won"] for code in pillars) == total


# (code, parent, amount in won, implementation period or None)
EXPECTED_TREE: list[tuple[str, str, int, tuple[str, str] | None]] = [
    ("P1-COMPUTE", "P1-INFRA", 2300 * B, None),
    ("NACC", "P1-COMPUTE", 800 * B, ("2026-01-01", "2028-12-31")),
    ("KCLOUD", "P1-COMPUTE", 650 * B, ("2026-01-01", "2027-12-31")),
    ("SEMI-ACCEL", "P1-COMPUTE", 500 * B, ("2026-01-01", "2029-12-31")),
    ("GREENDC", "P1-COMPUTE", 350 * B, ("2026-01-01", "2028-12-31")),
    ("P1-DATA", "P1-INFRA", 1800 * B, None),
    ("NDC", "P1-DATA", 700 * B, None),
    ("INDDATA", "P1-DATA", 650 * B, None),
    ("DATAINFRA", "P1-DATA", 450 * B, None),
    ("NDIP", "DATAINFRA", 250 * B, ("2026-01-01", "2027-12-31")),
    ("SANDBOX", "DATAINFRA", 180 * B, ("2026-01-01", "2028-12-31")),
    ("P1-SEMI", "P1-INFRA", 1300 * B, None),
    ("P2-HIGHER", "P2-TALENT", 650 * B, None),
    ("AIFELLOW", "P2-HIGHER", 250 * B, ("2026-01-01", "2031-12-31")),
    ("P2-K12", "P2-TALENT", 450 * B, None),
    ("KAIS", "P2-K12", 180 * B, ("2026-01-01", "2029-12-31")),
    ("P2-PRO", "P2-TALENT", 300 * B, None),
    ("AIRESKILL", "P2-PRO", 75 * B, None),
    ("EXECLEAD", "P2-PRO", 40 * B, None),
    ("INDTRAIN", "P2-PRO", 90 * B, None),
    ("AICERT", "P2-PRO", 35 * B, None),
    ("P3-MFG", "P3-AX", 650 * B, None),
    ("P3-HEALTH", "P3-AX", 580 * B, None),
    ("P3-FINANCE", "P3-AX", 480 * B, None),
    ("P3-TRANS", "P3-AX", 450 * B, None),
    ("AXSPRINT", "P3-AX", 900 * B, None),
    ("LEGALAI", "P3-AX", 220 * M, None),
    ("SURVEIL", "P3-AX", 5500 * M, None),
    ("P4-DIRECT", "P4-FIN", 250 * B, None),
    ("P4-FISCAL", "P4-FIN", 200 * B, None),
    ("P4-INVEST", "P4-FIN", 250 * B, None),
]


@pytest.mark.parametrize(("code", "parent", "amount", "period"), EXPECTED_TREE)
def test_tree_node(code: str, parent: str, amount: int, period: tuple[str, str] | None) -> None:
    assert PARENTS[code] == parent
    assert NODES[code]["amount_won"] == amount
    if period is not None:
        program = PROGRAMS[code]
        assert (program["start"].strftime(ISO), program["end"].strftime(ISO)) == period
        years = f"{period[0][:4]}-{period[1][:4]}"
        assert f"Implementation period: {years}" in NODES[code]["source_text"] or (
            f"Implementation: {years}" in NODES[code]["source_text"]
        )


def test_tree_has_no_other_nodes() -> None:
    expected = {"AI-2026", "P1-INFRA", "P2-TALENT", "P3-AX", "P4-FIN"}
    expected |= {code for code, *_ in EXPECTED_TREE}
    assert set(NODES) == expected


def test_every_amount_in_the_document_is_in_the_file() -> None:
    stated: set[int] = set()
    for number, scale in re.findall(
        r"(\d[\d,]*(?:\.\d+)?)\**\s*(trillion|billion|million)\s+(?:won|KRW)", TEXT
    ):
        stated.add(
            int(Decimal(number.replace(",", "")) * {"trillion": T, "billion": B}.get(scale, M))
        )
    for number in re.findall(r"(\d+(?:\.\d+)?)T\b", TEXT):
        stated.add(int(Decimal(number) * T))
    assert {220 * M, 5500 * M, 900 * B, 2100 * B, 2800 * B} <= stated  # the regexes work

    present = {node["amount_won"] for node in NODES.values()}
    present |= {c["amount_won"] for node in NODES.values() for c in node.get("conflicts") or []}
    present |= {kpi["target"] for _, kpi in KPIS.values() if kpi["unit"] == "won"}
    assert sorted(stated - present) == []


def test_amounts_are_whole_non_negative_won() -> None:
    for code, node in NODES.items():
        assert isinstance(node["amount_won"], int), code
        assert node["amount_won"] >= 0, code


def test_reconciliation_reports_exactly_the_documents_mismatches() -> None:
    """The file keeps the stated figures; the project's reconciliation rule finds each mismatch."""
    facts = [
        NodeFacts(
            code=node["code"],
            parent_code=parent,
            amount_won=node["amount_won"],
            source_text=node.get("source_text", ""),
            conflicts=tuple(
                (c["amount_won"], c["source_text"]) for c in node.get("conflicts") or []
            ),
        )
        for node, parent in _walk(DATA["nodes"])
    ]
    found = {(f.code, f.kind): f.difference_won for f in reconcile(facts)}
    assert found == {
        # 650 + 580 + 480 + 450 + 900 + 0.22 + 5.5 billion against 2.6 trillion
        ("P3-AX", FindingKind.OVER_ALLOCATED): 465_720_000_000,
        # 75 + 40 + 90 + 35 = 240 billion against 300 billion
        ("P2-PRO", FindingKind.UNALLOCATED): -60 * B,
        # 250 + 180 = 430 billion against 450 billion
        ("DATAINFRA", FindingKind.UNALLOCATED): -20 * B,
        # areas with one named project beneath them: the rest of the area is not itemised
        ("P2-HIGHER", FindingKind.UNALLOCATED): -400 * B,  # Fellowship 250 of 650 billion
        ("P2-K12", FindingKind.UNALLOCATED): -270 * B,  # K-AI Schools 180 of 450 billion
        ("AXSPRINT", FindingKind.CONFLICT): 500 * B,
    }


def test_ax_sprint_keeps_both_amounts() -> None:
    sprint = NODES["AXSPRINT"]
    assert sprint["amount_won"] == 900 * B
    assert "(0.9T won)" in sprint["source_text"]
    assert [c["amount_won"] for c in sprint["conflicts"]] == [1400 * B]
    assert "1.4 trillion won flagship initiative" in sprint["conflicts"][0]["source_text"]
    others = [code for code, node in NODES.items() if node.get("conflicts") and code != "AXSPRINT"]
    assert others == []


# ------------------------------------------------------------------------ statements and codes


def _statements() -> Iterator[tuple[str, str]]:
    for code, node in NODES.items():
        yield code, node["source_text"]
        for conflict in node.get("conflicts") or []:
            yield f"{code} conflict", conflict["source_text"]
    for code, (_, kpi) in KPIS.items():
        yield code, kpi["source_text"]


@pytest.mark.parametrize(
    ("where", "statement"), list(_statements()), ids=[where for where, _ in _statements()]
)
def test_source_text_quotes_the_document(where: str, statement: str) -> None:
    assert statement.strip(), where
    for excerpt in statement.split(EXCERPT_JOINER):
        assert _normalise(excerpt) in NORMALISED_TEXT, f"{where}: {excerpt!r}"


def test_node_source_text_states_its_amount() -> None:
    """Each node's statement contains its own amount as the document writes it."""
    for code, node in NODES.items():
        amount = Decimal(node["amount_won"])
        spellings = {
            f"{amount / T:f} trillion won",
            f"{amount / T:f}T won",
            f"{amount / B:f} billion won",
            f"{amount / M:,f} million KRW",
        }
        text = _normalise(node["source_text"])
        assert any(spelling in text for spelling in spellings), (code, text)


def test_codes_are_unique_and_upper_case() -> None:
    node_codes = [node["code"] for node, _ in _walk(DATA["nodes"])]
    kpi_codes = [kpi["code"] for program in PROGRAMS.values() for kpi in program["kpis"]]
    assert len(node_codes) == len(set(node_codes))
    assert len(kpi_codes) == len(set(kpi_codes))
    assert not set(node_codes) & set(kpi_codes)
    for code in node_codes + kpi_codes:
        assert re.fullmatch(r"[A-Z0-9]+(?:-[A-Z0-9]+)*", code), code
    for code, (program_code, _) in KPIS.items():
        assert code.startswith(f"{program_code}-"), code


def test_names_and_classifications() -> None:
    for code, node in NODES.items():
        assert node["name"].strip() and node["name_ko"].strip(), code
        assert re.search(r"[가-힣]", node["name_ko"]), code
        if "cofog" in node:
            assert node["cofog"] in COFOG_DIVISIONS, code
        if "ai_component" in node:
            assert node["ai_component"] in AI_COMPONENTS, code
    for code, (_, kpi) in KPIS.items():
        assert kpi["name"].strip() and re.search(r"[가-힣]", kpi["name_ko"]), code


# ---------------------------------------------------------------------------------- programmes


def test_ministries_declared_and_used() -> None:
    declared = [ministry["code"] for ministry in DATA["ministries"]]
    assert len(declared) == len(set(declared))
    for ministry in DATA["ministries"]:
        assert ministry["name"].strip() and re.search(r"[가-힣]", ministry["name_ko"])
    used = {program["ministry"] for program in PROGRAMS.values()}
    assert used <= set(declared)
    assert set(declared) <= used  # nothing declared for nothing


def test_programmes_are_well_formed() -> None:
    for code, program in PROGRAMS.items():
        # the document names no owning ministry for any item
        assert program["owner_assumed"] is True, code
        assert isinstance(program["start"], dt.date), code
        assert isinstance(program["end"], dt.date), code
        assert program["start"] <= program["end"], code
        assert program["start"] == dt.date(2026, 1, 1), code
        assert program["frequency"] in FREQUENCIES, code
        if program["frequency"] == "annual":
            assert {kpi["kind"] for kpi in program["kpis"]} == {"annual"}, code


def test_every_leaf_named_project_and_targeted_node_is_a_programme() -> None:
    leaves = {code for code in NODES if not _children(code)}
    named_projects = {code for code, _, _, period in EXPECTED_TREE if period is not None}
    assert leaves <= set(PROGRAMS)
    assert named_projects <= set(PROGRAMS)
    # areas and pillars that carry a target of their own
    for code in ("P1-COMPUTE", "P2-HIGHER", "P2-K12", "P2-PRO", "P3-AX", "P4-FIN"):
        assert PROGRAMS[code]["kpis"], code
    # nodes that neither carry a target nor are leaves are not tracked themselves
    assert {"AI-2026", "P1-INFRA", "P2-TALENT", "P1-DATA", "DATAINFRA"}.isdisjoint(PROGRAMS)


def test_programmes_without_a_stated_period_run_for_the_budget_year_or_to_2030() -> None:
    for code in ("NDC", "INDDATA", "P1-SEMI", "AIRESKILL", "AXSPRINT", "LEGALAI", "P4-INVEST"):
        assert PROGRAMS[code]["end"] == dt.date(2026, 12, 31), code
    for code in ("P2-HIGHER", "P2-K12", "P2-PRO", "P3-AX"):
        assert PROGRAMS[code]["end"] == dt.date(2030, 12, 31), code
    assert PROGRAMS["P1-COMPUTE"]["end"] == dt.date(2028, 12, 31)  # "within 3 years"


# ---------------------------------------------------------------------------------------- KPIs

# code: (programme, kind, target, target date, unit, words that must be in target_text)
EXPECTED_KPIS: dict[str, tuple[str, str, int, str, str, str]] = {
    "NACC-GPU": ("NACC", "level", 10_000, "2028-12-31", "GPUs", "over 10,000"),
    "NACC-NET": ("NACC", "level", 1, "2028-12-31", "Tbps", "over 1 Tbps"),
    "P1-COMPUTE-CAP": ("P1-COMPUTE", "level", 300, "2028-12-31", "%", "300%"),
    "GREENDC-ENERGY": ("GREENDC", "level", 45, "2028-12-31", "%", "45%"),
    "P2-HIGHER-PHD": ("P2-HIGHER", "cumulative", 5_000, "2030-12-31", "persons", "5,000+"),
    "P2-HIGHER-GRAD": ("P2-HIGHER", "cumulative", 5_000, "2030-12-31", "persons", "5,000+"),
    "P2-K12-STUDENTS": ("P2-K12", "annual", 100_000, "2030-12-31", "persons", "100,000+"),
    "P2-K12-DEGREES": ("P2-K12", "annual", 20_000, "2030-12-31", "persons", "20,000+"),
    "P2-K12-UGRAD": ("P2-K12", "annual", 50_000, "2030-12-31", "persons", "50,000+"),
    "P2-PRO-RESKILL": ("P2-PRO", "cumulative", 100_000, "2030-12-31", "persons", "100,000"),
    "KAIS-HS": ("KAIS", "level", 15, "2029-12-31", "schools", "15"),
    "KAIS-ENH": ("KAIS", "level", 200, "2029-12-31", "schools", "200"),
    "KAIS-TEACH": ("KAIS", "cumulative", 1_000, "2029-12-31", "teachers", "1,000"),
    "AIFELLOW-DOC": ("AIFELLOW", "cumulative", 500, "2031-12-31", "fellowships", "500"),
    "AIFELLOW-SNR": ("AIFELLOW", "cumulative", 100, "2031-12-31", "fellowships", "100"),
    "AXSPRINT-APPS": ("AXSPRINT", "cumulative", 300, "2026-12-31", "AI applications", "300"),
    "AXSPRINT-MFG": ("AXSPRINT", "cumulative", 100, "2026-12-31", "AI applications", "100"),
    "AXSPRINT-BIO": ("AXSPRINT", "cumulative", 100, "2026-12-31", "AI applications", "100"),
    "AXSPRINT-HOME": ("AXSPRINT", "cumulative", 50, "2026-12-31", "AI applications", "50"),
    "AXSPRINT-LOGI": ("AXSPRINT", "cumulative", 30, "2026-12-31", "AI applications", "30-40"),
    "AXSPRINT-EDU": ("AXSPRINT", "cumulative", 20, "2026-12-31", "AI applications", "20-30"),
    "P3-AX-PROD": ("P3-AX", "level", 20, "2030-12-31", "%", "20-30%"),
    "P4-FIN-LEV": ("P4-FIN", "level", 3, "2026-12-31", "ratio", "3:1"),
    "P4-FIN-PRIV": ("P4-FIN", "cumulative", 2100 * B, "2026-12-31", "won", "2.1T"),
    "P4-FIN-TOTAL": ("P4-FIN", "cumulative", 2800 * B, "2026-12-31", "won", "2.8T"),
    "P4-INVEST-FOF": ("P4-INVEST", "level", 5, "2026-12-31", "ratio", "5:1"),
}


@pytest.mark.parametrize("code", list(EXPECTED_KPIS))
def test_kpi(code: str) -> None:
    program, kind, target, target_date, unit, text = EXPECTED_KPIS[code]
    owner, kpi = KPIS[code]
    assert owner == program
    assert kpi["kind"] == kind
    assert kpi["target"] == target
    assert kpi["target_date"] == dt.date.fromisoformat(target_date)
    assert unit in kpi["unit"]
    assert text in kpi["target_text"]
    assert kpi["direction"] == "increase"
    assert kpi["baseline"] == 0


def test_no_kpi_beyond_the_documents_targets() -> None:
    assert set(KPIS) == set(EXPECTED_KPIS)


def test_ax_sprint_sector_splits_add_up_to_the_stated_total_at_their_bounds() -> None:
    parts = ["AXSPRINT-MFG", "AXSPRINT-BIO", "AXSPRINT-HOME", "AXSPRINT-LOGI", "AXSPRINT-EDU"]
    lower = sum(KPIS[code][1]["target"] for code in parts)
    upper = sum(int(re.findall(r"\d+", KPIS[code][1]["target_text"])[-1]) for code in parts)
    assert lower <= KPIS["AXSPRINT-APPS"][1]["target"] <= upper  # 300 <= 300 <= 320


@pytest.mark.parametrize("code", list(EXPECTED_KPIS))
def test_kpi_target_is_the_lower_bound_of_its_stated_text(code: str) -> None:
    program_code, kpi = KPIS[code]
    first = re.search(r"(\d[\d,]*(?:\.\d+)?)(T?)", kpi["target_text"])
    assert first is not None, code
    value = Decimal(first.group(1).replace(",", "")) * (T if first.group(2) else 1)
    assert value == kpi["target"], code
    assert kpi["kind"] in KINDS
    assert isinstance(kpi["target_date"], dt.date)
    assert kpi["target_date"] >= PROGRAMS[program_code]["start"], code
    assert kpi["target_date"] <= PROGRAMS[program_code]["end"], code


# --------------------------------------------------------------------------------- the loader


@pytest.mark.django_db
def test_loader_accepts_the_shipped_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails until `manage.py load_budget` exists; then the shipped file must load as is."""
    from django.core.management import call_command

    from budget.models import BudgetConflict, BudgetNode
    from kpis.models import KPI
    from programs.models import Program

    monkeypatch.chdir(ROOT)
    call_command("load_budget", "data/ai_budget_2026.yaml")

    assert BudgetNode.objects.count() == len(NODES)
    assert BudgetNode.objects.get(code="AI-2026").amount_won == 10_100_000_000_000
    assert Program.objects.count() == len(PROGRAMS)
    assert KPI.objects.count() == len(KPIS)
    assert BudgetConflict.objects.get(node__code="AXSPRINT").amount_won == 1400 * B
