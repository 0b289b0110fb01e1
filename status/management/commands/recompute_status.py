"""``manage.py recompute_status [--as-of DATE]``: a synchronous full recompute (domain.md 5)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from status.management.commands._dates import parse_as_of
from status.services import status_recompute_all


class Command(BaseCommand):
    help = "Recompute and store every KPI, programme and budget node status as of a date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--fiscal-year", dest="fiscal_year", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"])
        s = status_recompute_all(as_of=as_of, fiscal_year=options["fiscal_year"])
        counts = ", ".join(f"{k} {v}" for k, v in s.program_status_counts.items())
        self.stdout.write(
            f"Statuses as of {as_of.isoformat()}: {s.kpis} KPIs ({s.kpis_written} written), "
            f"{s.programs} programmes ({s.programs_written} written), "
            f"{s.nodes} budget nodes ({s.nodes_written} written)."
        )
        self.stdout.write(f"Programmes by status: {counts}.")
        for error in s.errors:
            self.stderr.write(f"Not computed: {error}")
