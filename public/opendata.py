"""The open data of the public page: one JSON document and one CSV table (docs/open-data.md
describes every field). Built from :class:`public.selectors.PublicOverview` alone, so it holds
exactly what the page shows: approved figures, no person, no text anyone typed in a report.

Both languages are in the data (``name_en`` and ``name_ko``), so the files do not depend on the
reader's language. Amounts are whole won (integers); KPI values are decimal numbers written as
text ("1234.5", exact, "." as the decimal mark, no grouping); dates are ISO 8601 (YYYY-MM-DD).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from kpis.selectors import number_text
from public.selectors import PublicKPI, PublicOverview, PublicProgram

FORMAT_VERSION = 1
LICENCE = "KOGL Type 1 (Korea Open Government License: attribution)"
DOCUMENTATION = "docs/open-data.md"


def _number(value: Decimal | None) -> str | None:
    return None if value is None else number_text(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _rate(value: Decimal | None) -> str | None:
    """A ratio (0.535) rounded to four decimals, as text."""
    return None if value is None else number_text(value.quantize(Decimal("0.0001")))


def _kpi(kpi: PublicKPI) -> dict[str, Any]:
    return {
        "code": kpi.code,
        "name_en": kpi.name,
        "name_ko": kpi.name_ko,
        "unit": kpi.unit,
        "kind": kpi.kind,
        "direction": kpi.direction,
        "baseline": _number(kpi.baseline),
        "target": _number(kpi.target),
        "target_as_stated": kpi.target_text,
        "target_date": _day(kpi.target_date),
        "actual": _number(kpi.actual),
        "latest_period_value": _number(kpi.latest_value),
        "period_start": _day(kpi.period_start),
        "period_end": _day(kpi.period_end),
        "status": kpi.status or None,
    }


def _program(program: PublicProgram) -> dict[str, Any]:
    return {
        "code": program.code,
        "name_en": program.name,
        "name_ko": program.name_ko,
        "pillar_code": program.pillar.code if program.pillar else None,
        "ministry": {
            "code": program.ministry.code,
            "name_en": program.ministry.name,
            "name_ko": program.ministry.name_ko,
        },
        "start": _day(program.start),
        "end": _day(program.end),
        "allocated_won": program.allocated_won,
        "executed_won": program.executed_won,
        "execution_rate": _rate(program.execution_rate),
        "last_period_end": _day(program.last_period_end),
        "status": program.status or None,
        "kpis": [_kpi(kpi) for kpi in program.kpis],
    }


def open_data(overview: PublicOverview) -> dict[str, Any]:
    """The JSON document of ``/public/data.json``."""
    return {
        "format_version": FORMAT_VERSION,
        "documentation": DOCUMENTATION,
        "licence": LICENCE,
        "fiscal_year": overview.year,
        "title_en": overview.title,
        "title_ko": overview.title_ko,
        "currency": "KRW",
        "figures_as_of": _day(overview.figures_as_of),
        "status_as_of": _day(overview.status_as_of),
        "total_won": overview.total_won,
        "executed_won": overview.executed_won,
        "execution_rate": _rate(overview.execution_rate),
        "pillars": [
            {
                "code": pillar.code,
                "name_en": pillar.name,
                "name_ko": pillar.name_ko,
                "amount_won": pillar.amount_won,
                "share_of_total": _rate(pillar.share),
                "executed_won": pillar.executed_won,
                "programmes": [program.code for program in pillar.programs],
            }
            for pillar in overview.pillars
        ],
        "programmes": [_program(program) for program in overview.programs],
    }


CSV_HEADER = [
    "fiscal_year",
    "pillar_code",
    "pillar_name_en",
    "pillar_name_ko",
    "programme_code",
    "programme_name_en",
    "programme_name_ko",
    "ministry_code",
    "ministry_name_en",
    "ministry_name_ko",
    "programme_allocated_won",
    "programme_executed_won",
    "programme_status",
    "kpi_code",
    "kpi_name_en",
    "kpi_name_ko",
    "unit",
    "kind",
    "direction",
    "baseline",
    "target",
    "target_date",
    "actual",
    "latest_period_value",
    "period_start",
    "period_end",
    "kpi_status",
    "figures_as_of",
    "status_as_of",
]


def csv_rows(overview: PublicOverview) -> Iterator[list[Any]]:
    """One row per KPI (a programme without a KPI: one row with the KPI columns empty)."""
    for pillar in overview.pillars:
        for program in pillar.programs:
            head = [
                overview.year,
                pillar.code,
                pillar.name,
                pillar.name_ko,
                program.code,
                program.name,
                program.name_ko,
                program.ministry.code,
                program.ministry.name,
                program.ministry.name_ko,
                program.allocated_won,
                program.executed_won,
                program.status,
            ]
            tail = [_day(overview.figures_as_of), _day(overview.status_as_of)]
            if not program.kpis:
                yield [*head, *[None] * 14, *tail]
            for kpi in program.kpis:
                yield [
                    *head,
                    kpi.code,
                    kpi.name,
                    kpi.name_ko,
                    kpi.unit,
                    kpi.kind,
                    kpi.direction,
                    _number(kpi.baseline),
                    _number(kpi.target),
                    _day(kpi.target_date),
                    _number(kpi.actual),
                    _number(kpi.latest_value),
                    _day(kpi.period_start),
                    _day(kpi.period_end),
                    kpi.status,
                    *tail,
                ]
