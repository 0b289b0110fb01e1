"""Data for ``make load`` (run by loadtest/run_load.py in a fresh database): the generated board
portfolio of tests/boards/data.py (``--programs`` quarterly programmes over MSIT and MOE, Q1 and Q2
approved for four in five, statuses computed), 20 officers (10 per ministry), 5 reviewers (every
ministry) and 20 directors, with API tokens; writes the plan (who does what) as JSON.

Each officer gets its own programmes (no two officers ever race for one report); each programme
offers the reporting periods that are ended and have no report yet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PASSWORD = "load-test-pw-2026"
OFFICERS, REVIEWERS, DIRECTORS = 20, 5, 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=1500)
    parser.add_argument("--plan", type=Path, required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import timezone

    from accounts.roles import Role
    from accounts.services import user_upsert
    from api.services import api_token_create
    from programs.models import Program
    from programs.periods import reporting_periods
    from reporting.models import ProgressReport
    from tests.boards.data import build_board_data

    data = build_board_data(args.programs, recompute=True, prefix="LD")
    today = timezone.localdate()

    def user(name: str, role: Role, ministry_id: int | None = None) -> dict[str, str]:
        u, _ = user_upsert(username=name, password=PASSWORD, role=role, ministry_id=ministry_id)
        _instance, token = api_token_create(user=u)
        return {"username": name, "password": PASSWORD, "token": token}

    taken = set(ProgressReport.objects.values_list("program_id", "period_end"))
    officers: list[dict[str, Any]] = []
    for i in range(OFFICERS):
        ministry = data.msit if i % 2 == 0 else data.moe
        officers.append({**user(f"load-officer-{i:02d}", Role.OFFICER, ministry.pk), "slots": []})
    programs = Program.objects.select_related("ministry").order_by("code")
    per_ministry: dict[int, int] = {}
    for program in programs:
        n = per_ministry.get(program.ministry_id, 0)
        per_ministry[program.ministry_id] = n + 1
        first = 0 if program.ministry_id == data.msit.pk else 1
        officer = officers[first + 2 * (n % (OFFICERS // 2))]
        for period in reporting_periods(program.start, program.end, program.frequency):
            if period.end < today and (program.pk, period.end) not in taken:
                officer["slots"].append({"program": program.code, "period_end": str(period.end)})
    plan = {
        "created": str(date.today()),
        "officers": officers,
        "reviewers": [user(f"load-reviewer-{i}", Role.REVIEWER) for i in range(REVIEWERS)],
        "directors": [user(f"load-director-{i:02d}", Role.DIRECTOR) for i in range(DIRECTORS)],
        "kpis": {"CUM": "cumulative", "LVL": "level"},
    }
    # The database was filled from nothing: statistics now, not after autovacuum's next pass.
    from ops.db import analyze

    analyze()
    args.plan.write_text(json.dumps(plan, indent=1))
    slots = sum(len(o["slots"]) for o in officers)
    print(f"load data: {args.programs:,} programmes, {slots:,} open report slots, plan {args.plan}")


if __name__ == "__main__":
    main()
