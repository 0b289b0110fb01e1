"""Small budget files for the budget interchange tests (docs/formats.md), and helpers to look at
the whole database at once."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from django.apps import apps

from budget.io import parse_budget_text

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_BUDGET = ROOT / "data" / "ai_budget_2026.yaml"

# Every optional key appears somewhere, decimals included; the amounts add up except where the
# reconciliation tests change them.
SMALL_BUDGET_YAML = """\
fiscal_year: 2026
currency: KRW
title: "Test AI budget 2026"
title_ko: "시험용 2026년 AI 예산"
ministries:
  - {code: MSIT, name: "Ministry of Science and ICT", name_ko: "과학기술정보통신부"}
  - {code: MOE, name: "Ministry of Education"}
nodes:
  - code: TOTAL
    name: "AI budget"
    name_ko: "AI 예산"
    amount_won: 1000000000000
    source_text: "Total 1 trillion won"
    children:
      - code: P1
        name: "Infrastructure"
        amount_won: 600000000000
        source_text: "600 billion won"
        cofog: "04"
        ai_component: infrastructure
        children:
          - code: GPU
            name: "GPU centre"
            amount_won: 450000000000
            conflicts:
              - {amount_won: 500000000000, source_text: "500 billion won for the GPU centre"}
            program:
              ministry: MSIT
              owner_assumed: true
              start: 2026-01-01
              end: 2028-12-31
              frequency: quarterly
              kpis:
                - code: GPU-COUNT
                  name: "GPUs deployed"
                  name_ko: "GPU 도입"
                  unit: GPUs
                  kind: level
                  direction: increase
                  baseline: 0
                  target: 10000
                  target_text: "over 10,000"
                  target_date: 2028-12-31
                  grace_days: 45
                  thresholds: {on_track: 0.95, at_risk: 0.80}
                  milestones:
                    - {date: 2026-12-31, value: 2000}
                    - {date: 2027-12-31, value: 6000.5}
                  source_text: "over 10,000 GPUs"
                - code: GPU-ENERGY
                  name: "Energy use"
                  unit: "%"
                  kind: level
                  direction: decrease
                  baseline: 100
                  target: 55
                  target_date: 2028-06-30
          - code: DATA
            name: "Data"
            amount_won: 150000000000
      - code: P2
        name: "Talent"
        amount_won: 400000000000
        cofog: "09"
        program:
          ministry: MOE
          start: 2026-01-01
          end: 2030-12-31
          frequency: annual
          kpis:
            - code: PHD
              name: "PhDs"
              unit: people
              kind: cumulative
              direction: increase
              baseline: 120
              target: 5000
              target_text: "5,000+"
              target_date: 2030-12-31
            - code: DEGREES
              name: "AI degrees"
              unit: degrees
              kind: annual
              direction: increase
              baseline: 0
              target: 20000
              target_text: "20,000+ annually"
              target_date: 2030-12-31
"""

# Key paths into SMALL_BUDGET_YAML.
GPU = "nodes[0].children[0].children[0]"
GPU_PROGRAM = f"{GPU}.program"
GPU_KPI = f"{GPU_PROGRAM}.kpis[0]"
P2_PROGRAM = "nodes[0].children[1].program"


def small_budget() -> dict[str, Any]:
    """A fresh copy of the small budget, as the YAML reader gives it (dates, Decimals)."""
    return copy.deepcopy(_SMALL)


_SMALL: dict[str, Any] = parse_budget_text(
    SMALL_BUDGET_YAML.encode(), source="small.yaml", fmt="yaml"
)


def get(data: dict[str, Any], path: str) -> Any:
    """The value at a key path such as ``nodes[0].children[1].program``."""
    value: Any = data
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return value


BUDGET_APPS = ("budget", "programs", "kpis")


def table_counts() -> dict[str, int]:
    """The number of rows of every model of the budget, programme and KPI apps."""
    return {
        model._meta.label: model._default_manager.count()
        for app in BUDGET_APPS
        for model in apps.get_app_config(app).get_models()
    }


def database_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model of the budget, programme and KPI apps."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for app in BUDGET_APPS
        for model in apps.get_app_config(app).get_models()
    }


WRITE_PREFIXES = ("INSERT", "UPDATE", "DELETE")


def write_queries(captured: list[dict[str, Any]], *, budget_only: bool = False) -> list[str]:
    """The INSERT, UPDATE and DELETE statements among captured queries (``budget_only``: those
    on the budget, programme and KPI tables, leaving out e.g. the audit trail's)."""
    writes = [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(WRITE_PREFIXES)]
    if budget_only:
        tables = tuple(f'"{app}_' for app in BUDGET_APPS)
        writes = [sql for sql in writes if any(table in sql.split("(")[0] for table in tables)]
    return writes
