"""The headline of the performance report: the share of KPIs achieved in a fiscal year, overall,
per ministry and per pillar (docs/performance.md), as the budget office publishes it.

A programme's pillar is the pillar (depth 1) above its node in the year's tree; a programme the
year does not fund has none (it is counted overall and in its ministry). Cached under the version of
the data (``boards.cache``): the board reads it on every visit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from boards.cache import cached
from results.figures import Summary, YearFigures, year_figures


def pillar_path(path: str) -> str:
    """The path of the pillar above a node's ``path`` ("" when it has none): the ancestor of depth
    1, as ``boards.selectors.common.Tree.pillar_of`` finds it."""
    parts = path.split("/") if path else []
    return "/".join(parts[:2]) if len(parts) > 1 else ""


@dataclass(frozen=True)
class Headline:
    fiscal_year: int
    overall: Summary
    by_ministry: dict[int, Summary] = field(default_factory=dict)  # by ministry id
    by_pillar: dict[str, Summary] = field(default_factory=dict)  # by the pillar's path

    def of_ministry(self, ministry_id: int | None) -> Summary:
        return self.by_ministry.get(ministry_id or 0, Summary(0, 0))

    def of_pillar(self, path: str) -> Summary:
        return self.by_pillar.get(path, Summary(0, 0))


def headline_of(figures: YearFigures) -> Headline:
    """The headline of figures already computed (no query)."""
    pillars: dict[str, list] = {}
    for program in figures.programs():
        pillar = pillar_path(program.path)
        if pillar:
            pillars.setdefault(pillar, []).extend(program.kpis)
    return Headline(
        fiscal_year=figures.fiscal_year,
        overall=figures.summary,
        by_ministry={m.ministry.pk: m.summary for m in figures.ministries},
        by_pillar={path: Summary.of(kpis) for path, kpis in pillars.items()},
    )


def achievement_headline(*, year: int) -> Headline:
    """The headline of fiscal ``year`` for the whole budget (the figures' eight queries, cached)."""
    return cached("kpi_achievement", year, lambda: headline_of(year_figures(year=year)))
