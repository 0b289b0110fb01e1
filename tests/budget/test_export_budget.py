"""Exporting a loaded budget (docs/formats.md): the structure of the budget file back, so that load
-> export -> load changes nothing; the export_budget command; the shipped 2026 budget."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.exporting import budget_export
from budget.io import dump_budget, parse_budget_text, read_budget_file
from budget.models import FiscalYear
from budget.services import budget_load
from kpis.models import KPI
from tests.budget.samples import (
    GPU,
    GPU_KPI,
    GPU_PROGRAM,
    SHIPPED_BUDGET,
    SMALL_BUDGET_YAML,
    database_snapshot,
    get,
    small_budget,
    write_queries,
)

pytestmark = pytest.mark.django_db


def load(data: dict[str, Any], source: str = "budget.yaml") -> Any:
    return budget_load(data=data, source=source)


def export(year: int = 2026) -> dict[str, Any]:
    return budget_export(fiscal_year=FiscalYear.objects.get(year=year))


def test_export_equals_the_input_structure() -> None:
    load(small_budget())
    exported = export()
    assert exported == small_budget()
    # Same keys in the same order as the file, not only equal values.
    assert list(exported) == ["fiscal_year", "currency", "title", "title_ko", "ministries", "nodes"]
    assert list(get(exported, GPU)) == list(get(small_budget(), GPU))
    assert list(get(exported, GPU_KPI)) == list(get(small_budget(), GPU_KPI))


def test_export_takes_a_fixed_number_of_queries() -> None:
    load(small_budget())
    year = FiscalYear.objects.get()
    with CaptureQueriesContext(connection) as queries:
        budget_export(fiscal_year=year)
    assert len(queries.captured_queries) == 6


def test_export_keeps_numbers_exact_and_whole_numbers_whole() -> None:
    load(small_budget())
    kpi = get(export(), GPU_KPI)
    assert kpi["target"] == 10000 and type(kpi["target"]) is int
    assert kpi["baseline"] == 0 and type(kpi["baseline"]) is int
    assert kpi["milestones"][1]["value"] == Decimal("6000.5")
    assert str(kpi["milestones"][1]["value"]) == "6000.5"
    assert kpi["thresholds"] == {"on_track": Decimal("0.95"), "at_risk": Decimal("0.8")}
    assert kpi["target_date"] == datetime.date(2028, 12, 31)


def test_load_export_load_changes_nothing() -> None:
    load(small_budget())
    before = database_snapshot()
    with CaptureQueriesContext(connection) as queries:
        result = load(export())
    assert write_queries(queries.captured_queries) == []
    assert not result.changed
    assert database_snapshot() == before


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_exported_text_reads_back_to_the_same_structure(fmt: str) -> None:
    load(small_budget())
    text = dump_budget(export(), fmt=fmt)
    read_back = parse_budget_text(text.encode(), source=f"export.{fmt}", fmt=fmt)
    if fmt == "json":
        assert json.loads(text)["nodes"][0]["children"][0]["cofog"] == "04"
        assert '"value": 6000.5' in text
        assert '"on_track": 0.95' in text
        assert '"start": "2026-01-01"' in text
        assert "과학기술정보통신부" in text
    else:
        assert "value: 6000.5" in text
        assert "start: 2026-01-01" in text
        assert "cofog: '04'" in text
        assert "과학기술정보통신부" in text
    assert not load(read_back).changed
    # JSON has strings for dates; the loader takes both.
    assert load(read_back).fiscal_year.year == 2026


def test_defaults_are_left_out_and_explicit_defaults_load_the_same() -> None:
    data = small_budget()
    kpi = get(data, f"{GPU_PROGRAM}.kpis[1]")
    kpi.update(grace_days=30, target_text="", name_ko="", source_text="")
    get(data, GPU_PROGRAM)["owner_assumed"] = False
    get(data, "nodes[0].children[0].children[1]").update(conflicts=[], children=[], name_ko="")
    load(data)

    exported = export()
    assert set(get(exported, f"{GPU_PROGRAM}.kpis[1]")) == {
        "code",
        "name",
        "unit",
        "kind",
        "direction",
        "baseline",
        "target",
        "target_date",
    }
    assert "owner_assumed" not in get(exported, GPU_PROGRAM)
    assert set(get(exported, "nodes[0].children[0].children[1]")) == {"code", "name", "amount_won"}
    assert not load(exported).changed


def test_a_programme_without_kpis_exports_an_empty_list() -> None:
    data = small_budget()
    del get(data, "nodes[0].children[1].program")["kpis"]
    load(data)
    assert get(export(), "nodes[0].children[1].program")["kpis"] == []
    assert not load(export()).changed


def test_changes_made_in_the_application_are_exported() -> None:
    load(small_budget())
    KPI.objects.filter(code="GPU-COUNT").update(target=Decimal("12000.5"), grace_days=10)
    exported = export()
    assert get(exported, GPU_KPI)["target"] == Decimal("12000.5")
    assert get(exported, GPU_KPI)["grace_days"] == 10
    assert not load(exported).changed


def test_a_one_sided_threshold_round_trips() -> None:
    data = small_budget()
    get(data, GPU_KPI)["thresholds"] = {"at_risk": Decimal("0.7")}
    load(data)
    assert get(export(), GPU_KPI)["thresholds"] == {"at_risk": Decimal("0.7")}


# ------------------------------------------------------------------------------ the command


def test_command_writes_yaml_of_the_latest_year_to_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    load(small_budget())
    older = small_budget()
    older["fiscal_year"] = 2025
    older["title"] = "Older"
    load(older)

    call_command("export_budget")
    out = capsys.readouterr().out
    assert out.startswith("fiscal_year: 2026\ncurrency: KRW\ntitle: Test AI budget 2026\n")
    assert parse_budget_text(out.encode(), source="-") == small_budget()

    call_command("export_budget", "--year", "2025", "--format", "json")
    out = capsys.readouterr().out
    assert json.loads(out)["title"] == "Older"


def test_command_writes_a_file_that_loads_back(tmp_path: Path) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(SMALL_BUDGET_YAML, encoding="utf-8")
    call_command("load_budget", str(source))

    for fmt in ("yaml", "json"):
        target = tmp_path / f"out.{fmt}"
        call_command("export_budget", "--format", fmt, "--output", str(target))
        if fmt == "yaml":
            assert read_budget_file(target) == small_budget()
        else:
            assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
                dump_budget(small_budget(), fmt="json")
            )
        before = database_snapshot()
        call_command("load_budget", str(target))
        assert database_snapshot() == before


def test_command_without_a_loaded_year_fails() -> None:
    with pytest.raises(CommandError, match="No fiscal year is loaded"):
        call_command("export_budget")
    load(small_budget())
    with pytest.raises(CommandError, match="Fiscal year 1999 is not loaded"):
        call_command("export_budget", "--year", "1999")


# ------------------------------------------------------------------------------ the shipped file


def test_the_shipped_budget_loads_and_round_trips() -> None:
    if not SHIPPED_BUDGET.exists():
        pytest.skip("data/ai_budget_2026.yaml is not written yet")
    data = read_budget_file(SHIPPED_BUDGET)
    result = load(data, source=str(SHIPPED_BUDGET))
    assert result.created > 0 and result.updated == result.deleted == 0

    exported = export(data["fiscal_year"])
    assert exported == data
    before = database_snapshot()
    with CaptureQueriesContext(connection) as queries:
        again = load(exported)
    assert write_queries(queries.captured_queries) == []
    assert not again.changed
    assert database_snapshot() == before
    # Written out and read back, it is still the same file.
    for fmt in ("yaml", "json"):
        text = dump_budget(exported, fmt=fmt)
        assert not load(parse_budget_text(text.encode(), source="x", fmt=fmt)).changed
