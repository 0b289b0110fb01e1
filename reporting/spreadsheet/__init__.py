"""Progress in bulk from a spreadsheet: the template an officer downloads (template.py, laid out as
layout.py says), the upload it comes back as (reading.py), the preview of every row with its errors
(preview.py), and the check against the database with the all-or-none confirmation (checking.py).
"""

from reporting.spreadsheet.checking import check_upload, parse_upload, upload_confirm
from reporting.spreadsheet.layout import (
    COLUMN_INDEX,
    COLUMNS,
    FIRST_DATA_ROW,
    FORMAT_NAME,
    FORMAT_VERSION,
    KEY_ROW,
    META_SHEET,
    SHEET_TITLE,
)
from reporting.spreadsheet.preview import UploadError, UploadPreview, UploadRejected, UploadRow
from reporting.spreadsheet.reading import read_upload
from reporting.spreadsheet.template import (
    build_template,
    default_period_end,
    template_filename,
    template_ministries,
    template_period_ends,
)

__all__ = [
    "COLUMNS",
    "COLUMN_INDEX",
    "FIRST_DATA_ROW",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "KEY_ROW",
    "META_SHEET",
    "SHEET_TITLE",
    "UploadError",
    "UploadPreview",
    "UploadRejected",
    "UploadRow",
    "build_template",
    "check_upload",
    "default_period_end",
    "parse_upload",
    "read_upload",
    "template_filename",
    "template_ministries",
    "template_period_ends",
    "upload_confirm",
]
