"""``manage.py reconcile_budget [--format json|text] [--year YEAR]``: where the stated figures of a
loaded fiscal year do not agree (docs/formats.md). Thin: the rule is budget.reconciliation."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from budget.formatting import format_won
from budget.management.commands.export_budget import fiscal_year_or_error
from budget.reconciliation import Finding, FindingKind, reconcile_fiscal_year


def finding_line(finding: Finding, language: str) -> str:
    """One finding on one line, with its amounts in words and its statements."""

    def won(amount: int) -> str:
        return format_won(amount, language)

    def signed(amount: int) -> str:
        return ("+" if amount > 0 else "") + won(amount)

    if finding.kind == FindingKind.CONFLICT:
        text = _(
            "%(code)s: conflict: amount %(amount)s, other statements differ by up to %(difference)s"
        ) % {
            "code": finding.code,
            "amount": won(finding.amount_won),
            "difference": signed(finding.difference_won),
        }
    else:
        label = (
            _("over-allocated") if finding.kind == FindingKind.OVER_ALLOCATED else _("unallocated")
        )
        text = _(
            "%(code)s: %(kind)s: amount %(amount)s, children sum %(children)s, difference "
            "%(difference)s"
        ) % {
            "code": finding.code,
            "kind": label,
            "amount": won(finding.amount_won),
            "children": won(finding.children_sum_won or 0),
            "difference": signed(finding.difference_won),
        }
    if finding.statements:
        text += " | " + " | ".join(f'"{" ".join(s.split())}"' for s in finding.statements)
    return text


class Command(BaseCommand):
    help = (
        "Report every node whose children do not add up to its amount (over_allocated, "
        "unallocated) and every node with conflicting statements (conflict). Default: the latest "
        "fiscal year, as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "text"], default="json")
        parser.add_argument("--year", type=int, help="the fiscal year (default: the latest)")

    def handle(self, *args: Any, **options: Any) -> None:
        fiscal_year = fiscal_year_or_error(options["year"])
        findings = reconcile_fiscal_year(fiscal_year)
        if options["format"] == "json":
            self.stdout.write(
                json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2)
            )
            return
        language = get_language() or "en"
        for finding in findings:
            self.stdout.write(finding_line(finding, language))
        if not findings:
            self.stdout.write(
                _("Fiscal year %(year)s: every amount adds up and no statements conflict.")
                % {"year": fiscal_year.year}
            )
