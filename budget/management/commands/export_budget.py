"""``manage.py export_budget [--format yaml|json] [--year YEAR] [--output FILE]``: write a loaded
fiscal year back out as a budget file (docs/formats.md). Thin: the work is in
budget.exporting.budget_export and budget.io.dump_budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from audit.services import audit_export
from budget.exporting import budget_export
from budget.io import dump_budget
from budget.models import FiscalYear
from budget.selectors import fiscal_year_get, fiscal_year_latest


def fiscal_year_or_error(year: int | None) -> FiscalYear:
    """The fiscal year asked for, or the latest loaded; a CommandError when there is none."""
    fiscal_year = fiscal_year_latest() if year is None else fiscal_year_get(year)
    if fiscal_year is None:
        if year is None:
            raise CommandError(_("No fiscal year is loaded: run manage.py load_budget first."))
        raise CommandError(_("Fiscal year %(year)s is not loaded.") % {"year": year})
    return fiscal_year


class Command(BaseCommand):
    help = (
        "Write a loaded fiscal year as a budget file (the format load_budget reads), to standard "
        "output or a file. Default: the latest fiscal year, as YAML."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--year", type=int, help="the fiscal year (default: the latest)")
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        fiscal_year = fiscal_year_or_error(options["year"])
        text = dump_budget(budget_export(fiscal_year=fiscal_year), fmt=options["format"])
        audit_export(
            what="budget", file_format=options["format"], filters={"year": fiscal_year.year}
        )
        if options["output"]:
            try:
                Path(options["output"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    _("Cannot write %(path)s: %(problem)s")
                    % {"path": options["output"], "problem": exc.strerror}
                ) from None
            self.stderr.write(
                _("Wrote fiscal year %(year)s to %(path)s.")
                % {"year": fiscal_year.year, "path": options["output"]}
            )
        else:
            self.stdout.write(text, ending="")
