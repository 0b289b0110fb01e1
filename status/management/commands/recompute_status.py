"""``manage.py recompute_status [--as-of DATE]``: a synchronous full recompute."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from status.management.commands._dates import parse_as_of
from status.models import Status
from status.services import status_recompute_all


def _status_word(code: str) -> str:
    """The status in the active language ("부진" / "Off track"), not its code."""
    try:
        return str(Status(code).label)
    except ValueError:
        return code


class Command(BaseCommand):
    help = "Recompute and store every KPI, programme and budget node status as of a date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--fiscal-year", dest="fiscal_year", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"])
        s = status_recompute_all(as_of=as_of, fiscal_year=options["fiscal_year"])
        counts = ", ".join(f"{_status_word(k)} {v}" for k, v in s.program_status_counts.items())
        self.stdout.write(
            _(
                "Statuses as of %(day)s: %(kpis)d KPIs (%(kpis_written)d written), "
                "%(programs)d programmes (%(programs_written)d written), "
                "%(nodes)d budget nodes (%(nodes_written)d written)."
            )
            % {
                "day": as_of.isoformat(),
                "kpis": s.kpis,
                "kpis_written": s.kpis_written,
                "programs": s.programs,
                "programs_written": s.programs_written,
                "nodes": s.nodes,
                "nodes_written": s.nodes_written,
            }
        )
        self.stdout.write(_("Programmes by status: %(counts)s.") % {"counts": counts})
        for error in s.errors:
            self.stderr.write(_("Not computed: %(error)s") % {"error": error})
