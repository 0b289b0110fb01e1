"""``manage.py performance_report --year YEAR [--ministry CODE] [--format json|xlsx|pdf]
[--output PATH] [--language ko|en]``: the performance report of a fiscal year (docs/performance.md).
Thin: results.report gathers the figures, results.exports writes the file."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_export
from budget.models import Ministry
from budget.selectors import fiscal_year_get, fiscal_year_list
from results.exports import FORMATS, report_file, row_count
from results.report import performance_report


class Command(BaseCommand):
    help = (
        "The performance report of a fiscal year (every KPI in force: year target, year actual, "
        "achievement rate, status, shortfall reason; each programme's allocation and execution), "
        "for one ministry or all, as JSON, a workbook or a PDF."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="the fiscal year")
        parser.add_argument("--ministry", help="a ministry code (default: every ministry)")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument(
            "--output", help="write to this file (default: standard output; required for pdf/xlsx)"
        )
        parser.add_argument(
            "--language",
            choices=["ko", "en"],
            help="the language of the xlsx and pdf (default: the LANGUAGE_CODE setting)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fiscal_year = fiscal_year_get(options["year"])
        if fiscal_year is None:
            loaded = ", ".join(str(y.year) for y in fiscal_year_list()) or "-"
            raise CommandError(
                _("Fiscal year %(year)s is not loaded (loaded: %(loaded)s).")
                % {"year": options["year"], "loaded": loaded}
            )
        ministry = None
        if options["ministry"]:
            ministry = Ministry.objects.filter(code=options["ministry"]).first()
            if ministry is None:
                known = ", ".join(Ministry.objects.order_by("code").values_list("code", flat=True))
                raise CommandError(
                    _("No ministry %(code)s (ministries: %(known)s).")
                    % {"code": options["ministry"], "known": known or "-"}
                )
        file_format = options["format"]
        output = options["output"]
        if file_format != "json" and not output and sys.stdout.isatty():
            raise CommandError(
                _("A %(format)s file needs --output PATH.") % {"format": file_format}
            )
        language = options["language"] or settings.LANGUAGE_CODE
        report = performance_report(
            fiscal_year=fiscal_year, ministry=ministry, today=timezone.localdate()
        )
        content = report_file(report, file_format=file_format, language=language)
        audit_export(
            what="performance_report",
            file_format=file_format,
            rows=row_count(report),
            filters={
                "year": fiscal_year.year,
                "ministry": ministry.code if ministry else None,
                "language": language if file_format != "json" else None,
            },
        )
        if output:
            with open(output, "wb") as out:
                out.write(content)
            self.stderr.write(
                _("Wrote %(path)s (%(size)s bytes).") % {"path": output, "size": len(content)}
            )
        elif file_format == "json":
            self.stdout.write(content.decode())
        else:
            self.stdout.flush()
            sys.stdout.buffer.write(content)
