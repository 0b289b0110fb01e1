"""What an evidence file is, decided by its content and not its name: the accepted types, the
extension each is stored and served with, and markup that must not ride along (pure functions on
bytes; ``reporting.services.evidence_attach`` stores the file)."""

from __future__ import annotations

import io
import os
import re
import zipfile
from typing import Any

from reporting.models import EvidenceFile

# The accepted evidence types (decided by the content, :func:`_sniff`) and the extension each is
# stored and downloaded with, whatever the uploaded name said.
EVIDENCE_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/csv": ".csv",
    "text/plain": ".txt",
}
# Markup a browser would run if it ever rendered the file: a PDF or an image that also carries
# it (a polyglot) is refused. Compressed streams (PDF, XLSX, DOCX, image data) are random-like:
# each pattern is long enough (five bytes or more) not to occur in them by chance.
_MARKUP = re.compile(
    rb"<(?:!doctype\s|html[\s>]|body[\s>]|script|iframe|object|embed|svg[\s>/]|meta\s)",
    re.IGNORECASE,
)


def evidence_download_name(evidence: EvidenceFile) -> tuple[str, str]:
    """(file name, content type) to serve an evidence file with: the uploaded name's stem and the
    extension of the type its content was validated as (``x.html`` holding a PDF is ``x.pdf``);
    an unknown stored type is served as ``application/octet-stream``."""
    content_type = evidence.content_type
    extension = EVIDENCE_EXTENSIONS.get(content_type)
    if extension is None:
        content_type, extension = "application/octet-stream", ".bin"
    stem = os.path.splitext(os.path.basename(evidence.original_name))[0] or "evidence"
    return f"{stem}{extension}", content_type


def _sniff(head: bytes, data_file: Any) -> tuple[str, str] | None:
    """(content type, extension) from the content's magic bytes, or None when not allowed."""
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            data_file.seek(0)
            with zipfile.ZipFile(data_file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "xl/workbook.xml" in names:
            return (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ".xlsx",
            )
        if "word/document.xml" in names:
            return (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".docx",
            )
        return None
    return None


def _sniff_text(data: bytes, name: str) -> tuple[str, str] | None:
    if b"\x00" in data:
        return None
    text = None
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        return None
    stripped = text.lstrip()
    if stripped.startswith("<") or "<script" in stripped[:4096].lower():
        return None  # markup (HTML, SVG, XML) is not accepted as plain text
    if name.lower().endswith(".csv"):
        return "text/csv", ".csv"
    return "text/plain", ".txt"


def evidence_kind(data: bytes, name: str) -> tuple[str, str] | None:
    """(content type, extension) of an uploaded file's content, or None when not accepted."""
    kind = _sniff(data[:16], io.BytesIO(data))
    if kind is None and not data.startswith(b"PK\x03\x04"):
        kind = _sniff_text(data, name)
    return kind


def carries_markup(data: bytes, content_type: str) -> bool:
    """Whether a binary file also carries markup a browser would run (a polyglot)."""
    return content_type not in ("text/plain", "text/csv") and bool(_MARKUP.search(data))
