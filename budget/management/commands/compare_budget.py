"""``manage.py compare_budget YEAR1 YEAR2 [--format json|csv]``: two fiscal years side by side,
one row per node code found in either (docs/formats.md). Thin: budget.comparison does the work."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from audit.services import audit_export
from budget.comparison import CSV_COLUMNS, comparison_data
from budget.selectors import fiscal_year_get, fiscal_year_list
from ops.cells import neutralize_cell


class Command(BaseCommand):
    help = (
        "Compare two loaded fiscal years: per node code, both amounts, the change in won and as a "
        "ratio, and whether the node was added, removed, changed or unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year1", type=int, help="the earlier fiscal year")
        parser.add_argument("year2", type=int, help="the later fiscal year")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        years = []
        for key in ("year1", "year2"):
            year = fiscal_year_get(options[key])
            if year is None:
                loaded = ", ".join(str(y.year) for y in fiscal_year_list()) or "-"
                raise CommandError(
                    _("Fiscal year %(year)s is not loaded (loaded: %(loaded)s).")
                    % {"year": options[key], "loaded": loaded}
                )
            years.append(year)
        data = comparison_data(years[0], years[1])
        audit_export(
            what="budget comparison",
            file_format=options["format"],
            rows=len(data["rows"]),
            filters={"year1": years[0].year, "year2": years[1].year},
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for row in data["rows"]:
            writer.writerow(
                ["" if row[c] is None else neutralize_cell(row[c]) for c in CSV_COLUMNS]
            )
        self.stdout.write(out.getvalue(), ending="")
