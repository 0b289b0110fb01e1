"""Evidence files: the type is decided by the content, not the name; size limit; SHA-256."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting import services
from reporting.models import EvidenceFile
from reporting.validation import ReportInputError
from tests.reporting.conftest import FULL_VALUES


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


XLSX = _zip(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"])
DOCX = _zip(["[Content_Types].xml", "word/document.xml"])
PLAIN_ZIP = _zip(["readme.txt"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def draft(world):
    return services.report_create_draft(
        user=world.users["officer"], program=world.program, period_end=date(2026, 3, 31)
    )


def _attach(world, report, name, content):
    return services.evidence_attach(
        user=world.users["officer"],
        report=report,
        uploaded_file=SimpleUploadedFile(name, content),
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("minutes.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        (
            "sheet.xlsx",
            XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "letter.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("data.csv", b"kpi,value\nGPU,1200\n", "text/csv"),
        ("notes.txt", "진행 상황 메모\n".encode(), "text/plain"),
        ("notes-cp949.txt", "진행 상황 메모\n".encode("cp949"), "text/plain"),
        # The name does not decide: a PDF called .txt is a PDF.
        ("misnamed.txt", b"%PDF-1.4 x", "application/pdf"),
    ],
)
def test_allowed_types(world, draft, name, content, content_type):
    evidence = _attach(world, draft, name, content)
    assert evidence.content_type == content_type
    assert evidence.original_name == name
    assert evidence.size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    with evidence.file.open("rb") as f:
        assert f.read() == content
    draft.refresh_from_db()
    assert draft.transitions.filter(action="evidence", comment=name).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),  # a Windows executable named .pdf
        ("page.txt", b"<html><script>alert(1)</script></html>"),
        ("image.png", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
        ("archive.xlsx", PLAIN_ZIP),  # a zip that is not an Office document
        ("broken.docx", b"PK\x03\x04not really a zip"),
        ("binary.csv", b"a,b\x00\x01\x02"),
        ("latin.txt", bytes(range(128, 256))),
    ],
)
def test_wrong_types_are_refused(world, draft, name, content):
    with pytest.raises(ReportInputError) as info:
        _attach(world, draft, name, content)
    (error,) = info.value.errors
    assert error.field == "evidence"
    assert name in error.message and "not accepted" in error.message
    assert EvidenceFile.objects.count() == 0


def test_oversized_file_is_refused(world, draft, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ReportInputError, match="the limit is 1,024 bytes"):
        _attach(world, draft, "big.pdf", b"%PDF-" + b"x" * 1024)
    assert EvidenceFile.objects.count() == 0
    _attach(world, draft, "ok.pdf", b"%PDF-" + b"x" * 1000)


def test_default_limit_is_ten_megabytes(world, draft):
    with pytest.raises(ReportInputError, match="10,485,760"):
        _attach(world, draft, "big.pdf", b"%PDF-" + b"x" * (10 * 1024 * 1024))


def test_empty_file_is_refused(world, draft):
    with pytest.raises(ReportInputError, match="empty"):
        _attach(world, draft, "empty.pdf", b"")


def test_no_evidence_on_submitted_or_approved_reports(world):
    report = services.report_create_draft(
        user=world.users["officer"],
        program=world.program,
        period_end=date(2026, 3, 31),
        values=FULL_VALUES,
        executed_won=1,
    )
    services.report_submit(user=world.users["officer"], report=report)
    with pytest.raises(services.InvalidTransitionError):
        _attach(world, report, "late.pdf", b"%PDF-1.4")
