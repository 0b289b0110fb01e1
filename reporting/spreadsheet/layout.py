"""The progress template's layout, shared by writing it and reading it back: the format name and
version, the sheet and its rows, the columns (machine keys, widths) and their labels.

The layout (format version :data:`FORMAT_VERSION`), one sheet "Report":

* row 1: a title (ministry and period); row 2: how to fill it in; row 3: the column labels in the
  user's language; row 4 (hidden): the machine keys of :data:`COLUMNS`, which the upload reads to
  find its columns, so a CSV saved from the template, or a hand-made CSV whose header row holds
  the keys ``program, period_end, kpi, value, executed_won, narrative``, is read the same way;
* then, per programme, one programme row (no ``kpi``) for the budget executed in the period
  (whole won), the narrative and the over-execution confirmation, followed by one row per KPI for
  its value and, when the KPI falls short of the value expected at the period end (the "Target"
  column gives it), the shortfall reason and remedy (reporting/shortfalls.py). Only the input
  cells (yellow) are unlocked; the sheet is protected (no password) so the header and the
  reference columns are not changed by accident;
* a hidden sheet "_meta" carries the format name and version, the ministry and the period.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from budget.parsing import is_percent_unit
from kpis.kinds import kind_of

FORMAT_NAME = "ai-budget-tracker/progress-template"
FORMAT_VERSION = 1
SHEET_TITLE = "Report"
META_SHEET = "_meta"
KEY_ROW = 4
FIRST_DATA_ROW = 5

# (key, width). Labels are in column_labels(); the keys are the file format.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("program", 14),
    ("period_end", 12),
    ("kpi", 16),
    ("name", 48),
    ("unit", 12),
    ("kind", 12),
    ("enter", 30),
    ("target", 30),
    ("previous", 36),
    ("value", 16),
    ("shortfall_reason", 36),
    ("shortfall_remedy", 36),
    ("executed_won", 22),
    ("narrative", 48),
    ("confirm_over_execution", 16),
    ("report_status", 16),
)
COLUMN_INDEX = {key: i + 1 for i, (key, _width) in enumerate(COLUMNS)}
REQUIRED_KEYS = ("program", "period_end", "kpi", "value")
INPUT_KEYS = (
    "program",
    "period_end",
    "kpi",
    "value",
    "shortfall_reason",
    "shortfall_remedy",
    "executed_won",
    "narrative",
)
OPTIONAL_KEYS = (
    "shortfall_reason",
    "shortfall_remedy",
    "executed_won",
    "narrative",
    "confirm_over_execution",
)


def column_labels() -> dict[str, str]:
    return {
        "program": _("Programme code"),
        "period_end": _("Period end"),
        "kpi": _("KPI code"),
        "name": _("Programme / KPI"),
        "unit": _("Unit"),
        "kind": _("Kind"),
        "enter": _("What to enter"),
        "target": _("Target"),
        "previous": _("Previous approved values"),
        "value": _("Value (enter)"),
        "shortfall_reason": _("If below expected: why (enter)"),
        "shortfall_remedy": _("If below expected: remedy (enter)"),
        "executed_won": _("Budget executed this period, won (enter)"),
        "narrative": _("Narrative (enter)"),
        "confirm_over_execution": _("Confirm over-execution (yes)"),
        "report_status": _("Current report"),
    }


def what_to_enter(kind: str, *, unit: str = "") -> str:
    text = str(kind_of(kind).sheet_help)
    if is_percent_unit(unit):
        text += " " + _("(a percentage: 80 or 80% for 80%)")
    return text
