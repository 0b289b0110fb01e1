"""What an upload becomes once read: its rows, its errors with where they are, what confirming
will do per report; kept between the preview and the confirmation as JSON-safe data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _


@dataclass
class UploadError:
    """One problem, with where it is. ``row`` and ``column`` are as the spreadsheet shows them
    (1-based row, column letter); empty when the problem concerns the whole file or sheet."""

    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    field: str = ""

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(_("sheet %(sheet)s") % {"sheet": self.sheet})
        if self.row is not None:
            parts.append(_("row %(row)d") % {"row": self.row})
        if self.column:
            where = _("column %(column)s") % {"column": self.column}
            if self.field:
                where += f" ({self.field})"
            parts.append(where)
        return ", ".join(parts) + ": " + self.message


@dataclass
class UploadRow:
    """One data row as read: the raw cells of the input columns (strings, numbers or None)."""

    sheet: str
    row: int
    program: Any = None
    period_end: Any = None
    kpi: Any = None
    value: Any = None
    shortfall_reason: Any = None
    shortfall_remedy: Any = None
    executed_won: Any = None
    narrative: Any = None
    confirm_over_execution: Any = None
    columns: dict[str, str] = field(default_factory=dict)
    # Cells refused as formulas when the file was read: [column letter, key, shown value].
    formulas: list[list[str]] = field(default_factory=list)
    errors: list[UploadError] = field(default_factory=list)
    # Filled by the checks, for the preview: the value or amount as read, and warnings.
    read_value: str = ""
    read_executed: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def is_program_row(self) -> bool:
        return is_blank(self.kpi)

    def column_of(self, key: str) -> str:
        return self.columns.get(key, "")


@dataclass
class ReportPlan:
    """What confirming will do for one programme and period."""

    program_code: str
    period_end: str
    rows: list[int]  # indexes into UploadPreview.rows
    action: str = ""  # "create" | "update" | "skip"
    report_id: int | None = None
    errors: list[UploadError] = field(default_factory=list)
    note: str = ""  # why a programme is skipped, when it is not for lack of input


@dataclass
class UploadPreview:
    file_name: str
    file_format: str  # "xlsx" | "csv"
    rows: list[UploadRow] = field(default_factory=list)
    file_errors: list[UploadError] = field(default_factory=list)
    plans: list[ReportPlan] = field(default_factory=list)

    @property
    def errors(self) -> list[UploadError]:
        out = list(self.file_errors)
        for row in self.rows:
            out.extend(row.errors)
        for plan in self.plans:
            out.extend(plan.errors)
        return out

    @property
    def is_valid(self) -> bool:
        return not self.errors and any(p.action in ("create", "update") for p in self.plans)

    @property
    def reports_to_save(self) -> list[ReportPlan]:
        return [p for p in self.plans if p.action in ("create", "update")]

    def to_data(self) -> dict[str, Any]:
        """What to keep between the preview and the confirmation (JSON-safe): the file's name,
        format, read errors and raw rows. The checks are run again on confirmation."""
        rows = []
        for row in self.rows:
            raw = asdict(row)
            for checked in ("errors", "read_value", "read_executed", "warnings"):
                raw.pop(checked)
            rows.append(raw)
        return {
            "file_name": self.file_name,
            "file_format": self.file_format,
            "file_errors": [asdict(e) for e in self.file_errors],
            "rows": rows,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> UploadPreview:
        return cls(
            file_name=str(data["file_name"]),
            file_format=str(data["file_format"]),
            file_errors=[UploadError(**e) for e in data.get("file_errors", [])],
            rows=[UploadRow(**row) for row in data["rows"]],
        )


class UploadRejected(Exception):
    """The upload cannot be saved; ``preview`` lists every error."""

    def __init__(self, preview: UploadPreview):
        self.preview = preview
        super().__init__("; ".join(str(e) for e in preview.errors[:20]))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
