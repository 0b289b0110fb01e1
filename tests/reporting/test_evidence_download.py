"""Evidence downloads carry a name and type from the validated content, never the uploaded name's
extension, as an attachment; files that are also HTML (polyglots) are refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reporting import services
from reporting.validation import ReportInputError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def draft(world):
    return services.report_create_draft(
        user=world.users["officer"], program=world.program, period_end=date(2026, 3, 31)
    )


def _attach(world, report, name, content):
    return services.evidence_attach(
        user=world.users["officer"], report=report, uploaded_file=SimpleUploadedFile(name, content)
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type", "download"),
    [
        ("x.html", b"%PDF-1.7\n1 0 obj\n%%EOF\n", "application/pdf", "x.pdf"),
        ("photo.svg", PNG, "image/png", "photo.png"),
        ("notes.html", b"just some words", "text/plain", "notes.txt"),
        ("noext", b"%PDF-1.7\n%%EOF", "application/pdf", "noext.pdf"),
    ],
)
def test_download_name_and_type_come_from_the_content(
    world, draft, client, name, content, content_type, download
):
    evidence = _attach(world, draft, name, content)
    client.force_login(world.users["reviewer"])
    response = client.get(f"/reports/{draft.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{download}"' in disposition
    assert ".html" not in disposition and ".svg" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF",
        b"%PDF-1.4\n<!DOCTYPE html><p>hi</p>",
        b"%PDF-1.4\n\x00\x01<svg onload=alert(1)>",
        PNG + b"<script>alert(1)</script>",
        b"%PDF-1.4\n<IFRAME src=//evil.example>",
    ],
)
def test_polyglots_are_refused(world, draft, content):
    with pytest.raises(ReportInputError, match="HTML"):
        _attach(world, draft, "report.pdf", content)
    assert not draft.evidence.exists()
