"""``manage.py export_board [--as-of DATE] [--format json|csv]`` (docs/formats.md).

Reads the stored results for the date, computing them first if none exist. The format is
documented in status/export.py.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit.services import audit_export
from status.export import board_export_csv, board_export_data
from status.management.commands._dates import parse_as_of
from status.selectors import board_for
from status.services import status_results


class Command(BaseCommand):
    help = "Export the status board as of a date, as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--format", dest="format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"])
        # A date with nothing stored is computed from today's approvals and not stored.
        with status_results(as_of=as_of) as recomputed:
            data = board_export_data(board_for(as_of))
        if recomputed:
            self.stderr.write(
                f"Nothing is stored for {as_of.isoformat()}: recomputed today from today's "
                "approvals (not stored)."
            )
        audit_export(
            what="board",
            file_format=options["format"],
            rows=len(data["programs"]),
            filters={"as_of": as_of.isoformat()},
        )
        if options["format"] == "csv":
            out = io.StringIO()
            board_export_csv(data, out)
            self.stdout.write(out.getvalue(), ending="")
        else:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
