"""The performance report as a file: JSON (``results.figures.figures_data``), a workbook (xlsx)
and a PDF rendered by WeasyPrint from ``results/report_pdf.html``. One code path for the command
(``performance_report``) and the page's download buttons; the language is the caller's (headers,
labels, names and amounts are written in it)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from budget.formatting import base_language, localized_name, unit_label
from ops.cells import write_text
from results.figures import KPIYear, ProgramYear, Summary, figures_data
from results.report import Report
from status import rules

FORMATS = ("json", "xlsx", "pdf")
CONTENT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

WON = "#,##0"
RATE = "0.0%"


def status_text(status: str) -> str:
    """A status in the active language ("On track", "정상")."""
    try:
        return str(rules.STATUS_LABELS[rules.Status(status)])
    except ValueError:
        return status


def achieved_text(achieved: bool) -> str:
    return pgettext("achieved", "Yes") if achieved else pgettext("achieved", "No")


def file_name(report: Report, file_format: str) -> str:
    scope = report.ministry.code if report.ministry else "all"
    return f"performance-{report.fiscal_year.year}-{scope}.{file_format}"


def report_file(report: Report, *, file_format: str, language: str) -> bytes:
    """The report in ``file_format`` (one of :data:`FORMATS`), written in ``language``."""
    if file_format == "json":
        data = figures_data(report.figures)
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    with translation.override(base_language(language)):
        if file_format == "xlsx":
            return report_xlsx(report)
        if file_format == "pdf":
            return report_pdf(report)
    raise ValueError(f"unknown format {file_format!r}")


def row_count(report: Report) -> int:
    """The KPI rows of the report (a programme without a KPI counts as one row)."""
    return sum(max(1, len(p.kpis)) for p in report.figures.programs())


# -- xlsx ---------------------------------------------------------------------------------------


def kpi_header() -> list[str]:
    """The columns of the KPI sheet, in the active language."""
    return [
        _("Ministry code"),
        _("Ministry"),
        _("Programme code"),
        _("Programme"),
        _("Allocation (won)"),
        _("Execution (won)"),
        _("Execution rate"),
        _("KPI code"),
        _("KPI"),
        _("Unit"),
        _("Year target"),
        _("Year actual"),
        _("Achievement rate"),
        pgettext("column", "Achieved"),
        _("Status"),
        _("Shortfall reason"),
        _("Remedy"),
    ]


WIDTHS = (10, 24, 14, 36, 18, 18, 10, 10, 36, 10, 14, 14, 12, 10, 12, 40, 40)


def _float(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _value_format(kpi: Any) -> str:
    decimals = kpi.value_decimals
    return "#,##0" if not decimals else "#,##0." + "0" * decimals


def _kpi_row(
    language: str, program: ProgramYear, kpi: KPIYear | None
) -> list[tuple[Any, str | None]]:
    p = program.program
    head: list[tuple[Any, str | None]] = [
        (p.ministry.code, None),
        (localized_name(p.ministry.name, p.ministry.name_ko, language), None),
        (p.code, None),
        (localized_name(p.name, p.name_ko, language), None),
        (program.allocated_won, WON),
        (program.executed_won, WON),
        (_float(program.execution_rate), RATE),
    ]
    if kpi is None:
        return head + [(None, None)] * 10
    k = kpi.kpi
    fmt = _value_format(k)
    return [
        *head,
        (k.code, None),
        (localized_name(k.name, k.name_ko, language), None),
        (unit_label(k.unit, language), None),
        (_float(kpi.year_target), fmt),
        (_float(kpi.year_actual), fmt),
        (_float(kpi.achievement_rate), RATE),
        (achieved_text(kpi.achieved), None),
        (status_text(kpi.status), None),
        (kpi.shortfall_reason, None),
        (kpi.remedy, None),
    ]


def _write(ws: Any, row: int, values: Sequence[tuple[Any, str | None]]) -> None:
    for column, (value, number_format) in enumerate(values, start=1):
        cell = ws.cell(row=row, column=column)
        if isinstance(value, str):
            write_text(cell, value)  # formula-like text stays text (ops/cells.py)
        else:
            cell.value = value
            if number_format and value is not None:
                cell.number_format = number_format


def _summary_values(label: str, code: str, summary: Summary) -> list[tuple[Any, str | None]]:
    share = summary.achievement_share
    return [
        (label, None),
        (code, None),
        (summary.kpis, "#,##0"),
        (summary.achieved, "#,##0"),
        (float(share) if share is not None else None, RATE),
    ]


def report_xlsx(report: Report) -> bytes:
    """Two sheets: the summary (overall, per ministry, per pillar) and one row per KPI with its
    programme's money. Numbers are numbers with formats; won are exact."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    language = base_language(translation.get_language())
    bold = Font(bold=True)
    wb = Workbook()
    summary: Any = wb.active
    summary.title = _("Summary")[:31]
    year = report.fiscal_year.year
    scope = (
        localized_name(report.ministry.name, report.ministry.name_ko, language)
        if report.ministry
        else _("All ministries")
    )
    write_text(summary.cell(row=1, column=1), _("Performance report %(year)s") % {"year": year})
    summary.cell(row=1, column=1).font = bold
    write_text(summary.cell(row=2, column=1), _("Fiscal year"))
    summary.cell(row=2, column=2).value = year
    write_text(summary.cell(row=3, column=1), pgettext("performance report", "Scope"))
    write_text(summary.cell(row=3, column=2), scope)
    header = [
        pgettext("performance report", "Scope"),
        _("Code"),
        _("KPIs"),
        _("Achieved"),
        _("Share achieved"),
    ]
    _write(summary, 5, [(h, None) for h in header])
    for cell in summary[5]:
        cell.font = bold
    line = 6
    _write(summary, line, _summary_values(_("Overall"), "", report.summary))
    for m in report.figures.ministries:
        line += 1
        name = localized_name(m.ministry.name, m.ministry.name_ko, language)
        _write(summary, line, _summary_values(name, m.ministry.code, m.summary))
    for pillar in report.pillars:
        line += 1
        name = _("Pillar: %(name)s") % {
            "name": localized_name(pillar.node.name, pillar.node.name_ko, language)
        }
        _write(summary, line, _summary_values(name, pillar.node.code, pillar.summary))
    for column, width in enumerate((40, 12, 10, 10, 14), start=1):
        summary.column_dimensions[get_column_letter(column)].width = width

    ws = wb.create_sheet(_("KPIs")[:31])
    _write(ws, 1, [(h, None) for h in kpi_header()])
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "A2"
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    row = 1
    for program in report.figures.programs():
        kpis: list[KPIYear | None] = list(program.kpis) or [None]
        for kpi in kpis:
            row += 1
            _write(ws, row, _kpi_row(language, program, kpi))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- pdf ----------------------------------------------------------------------------------------


def report_html(report: Report) -> str:
    """The print HTML of the report in the active language."""
    return render_to_string("results/report_pdf.html", {"report": report, "pdf": True})


def report_pdf(report: Report) -> bytes:
    """A PDF of A4 pages (WeasyPrint; Korean set in Noto Sans CJK KR, fonts-noto-cjk)."""
    from weasyprint import CSS, HTML

    css = CSS(string=render_to_string("results/report_print.css"))
    return bytes(HTML(string=report_html(report)).write_pdf(stylesheets=[css]))
