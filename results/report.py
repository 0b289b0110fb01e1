"""What the performance report shows, for its page, its PDF and its spreadsheet: the figures of a
fiscal year (``results.figures``) for one ministry or all, with the headline (the share of KPIs
achieved overall, per ministry and per pillar) and the pillars' names from the year's tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from boards.selectors.common import board_tree
from budget.models import BudgetNode, FiscalYear, Ministry
from results.figures import Summary, YearFigures, year_figures
from results.headline import Headline, headline_of


@dataclass(frozen=True)
class PillarLine:
    node: BudgetNode
    summary: Summary


@dataclass(frozen=True)
class Report:
    fiscal_year: FiscalYear
    ministry: Ministry | None  # None: every ministry
    figures: YearFigures
    headline: Headline
    pillars: list[PillarLine]
    generated_on: date

    @property
    def summary(self) -> Summary:
        return self.figures.summary


def performance_report(
    *, fiscal_year: FiscalYear, ministry: Ministry | None, today: date
) -> Report:
    """The report of ``fiscal_year`` for ``ministry`` (or all): the figures' eight queries and the
    year's tree (cached, ``boards.cache``)."""
    figures = year_figures(year=fiscal_year.year, ministry=ministry)
    headline = headline_of(figures)
    tree = board_tree(fiscal_year)
    pillars = [
        PillarLine(node, headline.of_pillar(node.path))
        for node in tree.pillars
        if node.path in headline.by_pillar
    ]
    return Report(
        fiscal_year=fiscal_year,
        ministry=ministry,
        figures=figures,
        headline=headline,
        pillars=pillars,
        generated_on=today,
    )
