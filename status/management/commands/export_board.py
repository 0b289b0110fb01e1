"""``manage.py export_board [--as-of DATE] [--year YEAR] [--format json|csv]`` (docs/formats.md).

Reads the stored results for the date, computing them first if none exist (or when the year asked
for is not the one the date's results are stored for). ``--year`` defaults to the fiscal year of
the as-of date when it is loaded, else the latest loaded year before it. The format is documented
in status/export.py.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import audit_export
from budget.selectors import fiscal_year_get, fiscal_year_list, fiscal_year_of
from status.export import board_export_csv, board_export_data
from status.management.commands._dates import parse_as_of
from status.selectors import board_for
from status.services import status_results


class Command(BaseCommand):
    help = "Export the status board as of a date, as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", dest="format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--year",
            type=int,
            help="the fiscal year (default: the year of the as-of date, else the latest before it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"])
        read_in = fiscal_year_of(as_of)
        year = read_in
        if options["year"] is not None:
            year = fiscal_year_get(options["year"])
            if year is None:
                raise CommandError(
                    f"fiscal year {options['year']} is not loaded (loaded: "
                    f"{', '.join(str(y.year) for y in fiscal_year_list()) or 'none'})"
                )
        other = year is not None and read_in is not None and year.pk != read_in.pk
        # A date with nothing stored is computed from today's approvals and not stored.
        with status_results(
            as_of=as_of, fiscal_year=year.year if other and year else None
        ) as recomputed:
            data = board_export_data(board_for(as_of, year))
        if recomputed:
            self.stderr.write(
                f"Nothing is stored for {as_of.isoformat()}: recomputed today from today's "
                "approvals (not stored)."
            )
        audit_export(
            what="board",
            file_format=options["format"],
            rows=len(data["programs"]),
            filters={"as_of": as_of.isoformat(), "year": year.year if year else None},
        )
        if options["format"] == "csv":
            out = io.StringIO()
            board_export_csv(data, out)
            self.stdout.write(out.getvalue(), ending="")
        else:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
