"""``manage.py load_budget PATH``: load a budget file (docs/formats.md). Thin: the work is in
budget.services.budget_load."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from audit.context import audit_context
from budget.io import read_budget_file
from budget.reconciliation import reconcile_fiscal_year
from budget.schema import BudgetFileError
from budget.services import budget_load


class Command(BaseCommand):
    help = (
        "Load a budget file (YAML, or JSON when it ends in .json). Atomic: an invalid file saves "
        "nothing and every error is printed as PATH: key.path: reason. Idempotent: loading the "
        "same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the budget file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            data = read_budget_file(path)
            with audit_context(source="command:load_budget"):
                result = budget_load(data=data, source=path)
        except BudgetFileError as exc:
            for line in exc.lines():
                self.stderr.write(line)
            raise CommandError(exc.summary()) from None

        year = result.fiscal_year
        self.stdout.write(
            _(
                "Loaded fiscal year %(year)s from %(path)s: %(created)d created, %(updated)d "
                "updated, %(deleted)d deleted, %(unchanged)d unchanged."
            )
            % {
                "year": year.year,
                "path": path,
                "created": result.created,
                "updated": result.updated,
                "deleted": result.deleted,
                "unchanged": result.unchanged,
            }
        )
        for model, counts in result.counts_by_model().items():
            self.stdout.write(
                "  "
                + _(
                    "%(model)s: %(created)d created, %(updated)d updated, %(deleted)d deleted, "
                    "%(unchanged)d unchanged"
                )
                % {"model": model, **counts}
            )
        findings = reconcile_fiscal_year(year)
        if findings:
            self.stdout.write(
                _(
                    "Reconciliation: %(count)d findings (the stated figures do not all agree); "
                    "see manage.py reconcile_budget --year %(year)s."
                )
                % {"count": len(findings), "year": year.year}
            )
        else:
            self.stdout.write(_("Reconciliation: every amount adds up."))
