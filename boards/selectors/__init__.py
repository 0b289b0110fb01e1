"""Reads for the status boards, one module per page: ``board`` (``/``, pillar and ministry
boards, briefing), ``programs_table`` (``/programs/`` and its exports), ``detail``
(``/programs/<code>/``), ``ministry_pages`` (``/ministries/``, ``/ministries/<code>/``),
``classification_page`` (``/classification/``), ``unfunded`` (programmes with a KPI in force
but no money in the year shown); with what several pages read in
``common`` (status order, budget tree, years, ministries, dates, filters), ``mix`` (status mix)
and ``reporting`` (reporting completeness and timeliness).

Nothing here computes a status rule: statuses, explanations, ratios and forecasts are the stored
results of the status app; the periods come from ``programs.periods``; the target in force from
``kpis.selectors``. Every selector runs a fixed number of queries whatever the number of
programmes (pinned in tests/boards/). Scoping: every role may read the boards; the programmes
table and its exports are scoped with ``programs.selectors.program_scope_q``.
"""

from boards.selectors import common
from boards.selectors.board import (
    Attention,
    AttentionLine,
    BoardPage,
    PillarCard,
    attention,
    board_page,
)
from boards.selectors.classification_page import Classification, classification
from boards.selectors.common import (
    ATTENTION_LIMIT,
    ATTENTION_STATUSES,
    GOOD_STATUSES,
    SEVERITY,
    STATUS_ORDER,
    Tree,
    as_of_dates,
    board_tree,
    effective_classification,
    effective_classification_q,
    fiscal_years,
    ministries,
    program_count,
    subtree_q,
)
from boards.selectors.detail import KPIView, ProgramDetail, StatusChange, program_detail
from boards.selectors.ministry_pages import (
    MinistryLine,
    OverdueReport,
    ministry_lines,
    overdue_reports,
)
from boards.selectors.mix import MixRow, StatusMix
from boards.selectors.programs_table import (
    attention_q,
    flag_in,
    forecast_miss_q,
    kpi_flags,
    overdue_q,
    program_page,
    program_rows,
)
from boards.selectors.reporting import (
    ReportingRow,
    ReportingStats,
    current_periods,
    reporting_by_ministry,
    reporting_rows,
)
from boards.selectors.unfunded import unfunded_rows

# Importing the submodule ``ministries`` above rebinds the package attribute of that name to the
# module: bind the function again.
ministries = common.ministries  # noqa: F811

__all__ = [
    "ATTENTION_LIMIT",
    "ATTENTION_STATUSES",
    "GOOD_STATUSES",
    "SEVERITY",
    "STATUS_ORDER",
    "Attention",
    "AttentionLine",
    "BoardPage",
    "Classification",
    "KPIView",
    "MinistryLine",
    "MixRow",
    "OverdueReport",
    "PillarCard",
    "ProgramDetail",
    "ReportingRow",
    "ReportingStats",
    "StatusChange",
    "StatusMix",
    "Tree",
    "as_of_dates",
    "attention",
    "attention_q",
    "board_page",
    "board_tree",
    "classification",
    "current_periods",
    "effective_classification",
    "effective_classification_q",
    "fiscal_years",
    "flag_in",
    "forecast_miss_q",
    "kpi_flags",
    "ministries",
    "ministry_lines",
    "overdue_q",
    "overdue_reports",
    "program_count",
    "program_detail",
    "program_page",
    "program_rows",
    "reporting_by_ministry",
    "reporting_rows",
    "subtree_q",
    "unfunded_rows",
]
