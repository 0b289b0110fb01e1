"""The reporting pages: what they show, the form flows, and pinned query counts that do not grow
with the number of programmes and reports."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting import services
from reporting.models import ProgressReport
from tests.factories import KPIFactory, ProgramFactory, ProgressReportFactory
from tests.reporting.conftest import FULL_SHORTFALLS, FULL_VALUES

Q1 = date(2026, 3, 31)
Q2 = date(2026, 6, 30)


def _kpi_field(world, code):
    return f"kpi_{world.program.kpis.get(code=code).pk}"


def _form_data(world, values=None, **extra):
    values = FULL_VALUES if values is None else values
    data = {_kpi_field(world, code): str(v) for code, v in values.items()}
    data.update({"executed_won": "1000", "narrative": "ok"})
    data.update(extra)
    return data


@pytest.fixture
def officer_client(client, world):
    client.force_login(world.users["officer"])
    return client


def test_new_report_page_shows_what_to_enter(officer_client, world):
    body = officer_client.get("/reports/new/?program=NACC&period_end=2026-03-31").content.decode()
    assert "Value at period end" in body  # level KPI
    assert "Amount achieved this period" in body  # cumulative and annual
    assert "GPUs" in body  # unit
    assert "10,000" in body  # target
    assert "Expected at period end" in body
    assert "Save draft" in body and "Submit for review" in body
    assert "1 million won" in body  # the allocation


def test_create_draft_then_submit_through_the_page(officer_client, world):
    response = officer_client.post(
        "/reports/new/?program=NACC&period_end=2026-03-31", _form_data(world, action="save")
    )
    report = ProgressReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.status == "draft"
    response = officer_client.post(
        f"/reports/{report.pk}/",
        _form_data(
            world,
            values={**FULL_VALUES, "NACC-GPU": "1,300"},
            action="submit",
            version=report.version,
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.values.get(kpi__code="NACC-GPU").value == 1300


def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(officer_client, world):
    response = officer_client.post(
        "/reports/new/?program=NACC&period_end=2026-03-31",
        _form_data(world, values={"NACC-GPU": "abc", "NACC-PHD": "-1"}, action="submit"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "&quot;abc&quot; is not a number" in body
    assert "cannot be negative" in body
    assert ProgressReport.objects.count() == 0


def test_submit_with_missing_values_saves_nothing(officer_client, world):
    response = officer_client.post(
        "/reports/new/?program=NACC&period_end=2026-03-31",
        _form_data(world, values={"NACC-GPU": "5"}, action="submit"),
    )
    assert "a value is required to submit" in response.content.decode()
    assert ProgressReport.objects.count() == 0


def test_new_page_for_a_period_with_a_report_goes_to_it(officer_client, world):
    report = services.report_create_draft(
        user=world.users["officer"], program=world.program, period_end=Q1
    )
    response = officer_client.get("/reports/new/?program=NACC&period_end=2026-03-31")
    assert response["Location"] == f"/reports/{report.pk}/"


def test_new_page_refuses_a_bad_period(officer_client, world):
    response = officer_client.post(
        "/reports/new/?program=NACC&period_end=2026-03-30", _form_data(world, action="save")
    )
    assert "is not the last day of a quarterly reporting period" in response.content.decode()
    assert ProgressReport.objects.count() == 0


def test_stale_form_keeps_the_entries_and_says_why(officer_client, world, client):
    report = services.report_create_draft(
        user=world.users["officer"], program=world.program, period_end=Q1
    )
    services.report_update(user=world.users["officer2"], report=report, narrative="theirs")
    response = officer_client.post(
        f"/reports/{report.pk}/",
        _form_data(world, action="save", version=1, narrative="mine"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this report" in body
    assert "mine" in body
    report.refresh_from_db()
    assert report.narrative == "theirs"


def test_returned_report_shows_the_comment_on_dashboard_and_page(officer_client, world):
    report = services.report_create_draft(
        user=world.users["officer"],
        program=world.program,
        period_end=Q1,
        values=FULL_VALUES,
        executed_won=5,
    )
    services.report_submit(user=world.users["officer"], report=report)
    services.report_return(user=world.users["reviewer"], report=report, comment="GPU count?")
    assert "GPU count?" in officer_client.get("/reports/").content.decode()
    assert "GPU count?" in officer_client.get(f"/reports/{report.pk}/").content.decode()


def test_correction_button_on_approved_reports(officer_client, world):
    report = services.report_create_draft(
        user=world.users["officer"],
        program=world.program,
        period_end=Q1,
        values=FULL_VALUES,
        executed_won=5,
    )
    services.report_submit(user=world.users["officer"], report=report)
    services.report_approve(user=world.users["reviewer"], report=report)
    body = officer_client.get(f"/reports/{report.pk}/").content.decode()
    assert "Start a correction" in body and "Save draft" not in body
    response = officer_client.post(f"/reports/{report.pk}/", {"action": "correction"})
    new = ProgressReport.objects.get(revision=2)
    assert response["Location"] == f"/reports/{new.pk}/"
    body = officer_client.get(f"/reports/{new.pk}/").content.decode()
    assert "All revisions of this period" in body and "Save draft" in body


def test_evidence_upload_and_download(officer_client, world):
    report = services.report_create_draft(
        user=world.users["officer"], program=world.program, period_end=Q1
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    officer_client.post(
        f"/reports/{report.pk}/evidence/",
        {"file": SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes")},
    )
    evidence = report.evidence.get()
    response = officer_client.get(f"/reports/{report.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 minutes"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    # A wrong type is refused with a message, nothing stored.
    response = officer_client.post(
        f"/reports/{report.pk}/evidence/",
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00\x03binary")},
        follow=True,
    )
    assert "this kind of file is not accepted" in response.content.decode()
    assert report.evidence.count() == 1


def test_review_queue_oldest_first_and_bulk(client, world):
    reports = []
    for end in (Q2, Q1):  # Q2 submitted first
        r = services.report_create_draft(
            user=world.users["officer"],
            program=world.program,
            period_end=end,
            values=FULL_VALUES,
            executed_won=5,
        )
        reports.append(services.report_submit(user=world.users["officer"], report=r))
    client.force_login(world.users["reviewer"])
    body = client.get("/review/").content.decode()
    assert body.index("2026-06-30") < body.index("2026-03-31")
    # The bulk comment shares the form with the Approve buttons: a browser must be able to submit
    # an approval with it empty, so it carries no HTML "required" (the server checks returns).
    assert " required" not in body.split('name="comment"', 1)[1].split(">", 1)[0]
    # Returning without a comment is refused.
    response = client.post("/review/", {"report": [r.pk for r in reports], "action": "return"})
    assert "Returning needs a comment" in response.content.decode()
    assert set(ProgressReport.objects.values_list("status", flat=True)) == {"submitted"}
    # Return one with its own comment, approve the other in bulk.
    client.post("/review/", {"return_one": reports[0].pk, f"comment_{reports[0].pk}": "why?"})
    client.post("/review/", {"report": [reports[1].pk], "action": "approve"})
    reports[0].refresh_from_db()
    reports[1].refresh_from_db()
    assert reports[0].status == "returned" and reports[0].review_comment == "why?"
    assert reports[1].status == "approved"


def test_programmes_page_lists_periods_and_states(officer_client, world):
    body = officer_client.get("/reports/programmes/").content.decode()
    assert "2026-Q1" in body and "2028-Q4" in body  # to the latest target date
    assert "EDU" not in body  # another ministry's programme


# Query counts -----------------------------------------------------------------------------------


def _grow(world, programs: int):
    """Add programmes of ministry A with KPIs and reports in every state."""
    for i in range(programs):
        program = ProgramFactory(ministry=world.ministry)
        KPIFactory(program=program, code=f"P{i}-A")
        KPIFactory(program=program, code=f"P{i}-B", kind="level")
        officer = world.users["officer"]
        for end, status in [
            (date(2026, 3, 31), "approved"),
            (date(2026, 6, 30), "submitted"),
            (date(2026, 9, 30), "returned"),
            (date(2026, 12, 31), "draft"),
        ]:
            ProgressReportFactory(
                program=program,
                period_start=date(end.year, end.month - 2, 1),
                period_end=end,
                status=status,
                is_current=status == "approved",
                created_by=officer,
                submitted_by=officer if status != "draft" else None,
                submitted_at="2026-07-01T00:00:00+09:00" if status != "draft" else None,
                review_comment="fix it" if status == "returned" else "",
                values={f"P{i}-A": 1, f"P{i}-B": 2},
            )


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


DASHBOARD_QUERIES = 5  # session, user, groups, programmes, reports
# session, user, groups, the queue's ministries, the queue, its values, their KPIs' milestones,
# the approved values before them
REVIEW_QUERIES = 8
PROGRAMMES_QUERIES = 5  # the same


@pytest.mark.parametrize(
    ("url", "who", "pinned"),
    [
        ("/reports/", "officer", DASHBOARD_QUERIES),
        ("/reports/programmes/", "officer", PROGRAMMES_QUERIES),
        ("/review/", "reviewer", REVIEW_QUERIES),
    ],
)
def test_query_counts_do_not_grow(client, world, url, who, pinned):
    client.force_login(world.users[who])
    _grow(world, 1)
    small, first = _count(client, url)
    _grow(world, 6)
    large, second = _count(client, url)
    assert len(second.content) > len(first.content)  # the larger page shows more
    assert (small, large) == (pinned, pinned)


def test_expected_value_follows_the_status_rule(world):
    from reporting.expected import expected_value

    program = world.program
    gpu = program.kpis.get(code="NACC-GPU")  # level 0 -> 10,000 from 2026-01-01 to 2028-12-31
    degrees = program.kpis.get(code="NACC-DEG")  # annual 20,000
    assert expected_value(gpu, date(2025, 12, 31), start=program.start) == 0
    assert expected_value(gpu, date(2028, 12, 31), start=program.start) == 10000
    assert expected_value(gpu, date(2030, 1, 1), start=program.start) == 10000
    half = expected_value(gpu, date(2027, 7, 2), start=program.start)
    assert half is not None and abs(half - 5000) < 10
    annual = expected_value(degrees, date(2026, 12, 31), start=program.start)
    assert annual == 20000


def test_review_queue_shows_values_against_expected_evidence_and_open_periods(
    client, world, monkeypatch
):
    from django.utils import timezone

    officer = world.users["officer"]
    q1 = services.report_create_draft(
        user=officer, program=world.program, period_end=Q1, values=FULL_VALUES, executed_won=5
    )
    services.report_submit(user=officer, report=q1)
    q4 = services.report_create_draft(
        user=officer,
        program=world.program,
        period_end=date(2026, 12, 31),
        values=FULL_VALUES,
        executed_won=5,
        shortfalls=FULL_SHORTFALLS,
    )
    # Submitted once the period had ended (say, under a wrong clock); today it has not.
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 5))
    services.report_submit(user=officer, report=q4)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 6))
    other = services.report_create_draft(
        user=world.users["officer_other"],
        program=world.other_program,
        period_end=world.other_program.start.replace(month=3, day=31),
        values={"EDU-X": 1},
        executed_won=1,
    )
    services.report_submit(user=world.users["officer_other"], report=other)

    client.force_login(world.users["reviewer_all"])
    body = client.get("/review/").content.decode()
    assert "against" in body and "expected" in body and "of expected progress" in body
    assert "period not ended" in body
    assert body.count("period not ended") == 1
    assert "EDU" in body and "NACC" in body
    filtered = client.get("/review/?ministry=MOE").content.decode()
    assert "EDU-X" in filtered and "NACC-GPU" not in filtered
    assert '<option value="MOE" selected>' in filtered


def test_officers_land_on_their_reporting_page_after_login(client, world):
    response = client.post(
        "/accounts/login/", {"username": "officer-a", "password": "pw-test-1234"}
    )
    assert response.status_code == 302 and response["Location"] == "/reports/"
    client.logout()
    response = client.post("/accounts/login/", {"username": "director", "password": "pw-test-1234"})
    assert response["Location"] == "/"
    client.logout()
    response = client.post(
        "/accounts/login/?next=/budget/", {"username": "officer-a", "password": "pw-test-1234"}
    )
    assert response["Location"] == "/budget/"


def test_upload_page_is_linked_from_the_reporting_page_and_the_navigation(officer_client, world):
    body = officer_client.get("/reports/").content.decode()
    assert body.count('href="/reports/upload/"') == 2


def test_officer_lists_show_korean_programme_names(officer_client, world):
    program = world.program
    program.name_ko = "국가 AI 컴퓨팅 센터"
    program.save()
    officer_client.cookies["django_language"] = "ko"
    services.report_create_draft(
        user=world.users["officer"], program=world.program, period_end=Q1, values={}
    )
    body = officer_client.get("/reports/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "국가 AI 컴퓨팅 센터" in body
    assert "National AI computing centre" not in body


def test_evidence_can_be_attached_on_the_first_save(officer_client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = officer_client.get("/reports/new/?program=NACC&period_end=2026-03-31").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert page.index('name="evidence"') < page.index('value="submit"')
    data = _form_data(world, program="NACC", period_end="2026-03-31", action="save")
    data["evidence"] = SimpleUploadedFile("minutes.txt", b"Minutes of the steering meeting\n")
    response = officer_client.post("/reports/new/", data)
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert [e.original_name for e in report.evidence.all()] == ["minutes.txt"]
