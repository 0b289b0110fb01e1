"""manage.py import_progress PATH --as USER [--approve-as USER] (docs/formats.md)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reporting.models import KPIValue, ProgressReport


def _write(tmp_path, rows, name="progress.json"):
    path = tmp_path / name
    path.write_text(rows if isinstance(rows, str) else json.dumps(rows), encoding="utf-8")
    return path


def _row(period_end="2026-03-31", **overrides):
    row = {
        "program": "NACC",
        "period_end": period_end,
        "executed_won": 120_000,
        "values": {"NACC-GPU": 1200, "NACC-PHD": 30, "NACC-DEG": 500},
        "narrative": "text",
    }
    row.update(overrides)
    return row


def _run(path, *args):
    out = StringIO()
    call_command("import_progress", str(path), *args, stdout=out)
    return out.getvalue()


def _fail(path, *args) -> str:
    with pytest.raises(CommandError) as info:
        _run(path, *args)
    return str(info.value)


def test_rows_are_submitted(world, tmp_path):
    path = _write(tmp_path, [_row(), _row("2026-06-30")])
    out = _run(path, "--as", "officer-a")
    assert "2 report(s) submitted by officer-a" in out
    reports = ProgressReport.objects.order_by("period_end")
    assert [r.status for r in reports] == ["submitted", "submitted"]
    submitter = reports[0].submitted_by
    assert submitter is not None and submitter.username == "officer-a"
    assert reports[0].narrative == "text"
    assert KPIValue.objects.get(report=reports[0], kpi__code="NACC-GPU").value == 1200


def test_rows_are_approved_with_approve_as(world, tmp_path):
    path = _write(tmp_path, [_row(), _row("2026-06-30")])
    out = _run(path, "--as", "officer-a", "--approve-as", "reviewer-a")
    assert "approved by reviewer-a" in out
    assert set(ProgressReport.objects.values_list("status", "is_current")) == {("approved", True)}


def test_bad_third_row_saves_nothing(world, tmp_path):
    rows = [_row(), _row("2026-06-30"), _row("2026-09-30", values={"NACC-GPU": "abc"})]
    path = _write(tmp_path, rows)
    message = _fail(path, "--as", "officer-a", "--approve-as", "reviewer-a")
    assert f'{path}: row 3: values.NACC-GPU: "abc" is not a number' in message
    assert ProgressReport.objects.count() == 0
    assert KPIValue.objects.count() == 0


def test_message_names_file_row_field_and_reason(world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, [_row(), _row("2026-06-30"), _row("2026-09-30", values={"NACC-GPU": "abc"})])
    message = _fail("progress.json", "--as", "officer-a")
    assert 'progress.json: row 3: values.NACC-GPU: "abc" is not a number' in message.splitlines()


def test_every_problem_is_listed(world, tmp_path):
    rows = [
        _row(period_end="2026-03-30"),
        _row("2026-06-30", values={"EDU-X": 1, "NACC-PHD": -5}),
        _row("2026-09-30", program="NOPE"),
        _row("2026-12-31", executed_won="=SUM(A1)", extra=1),
        "not an object",
        _row("2027-03-31", values={"NACC-GPU": "NaN"}),
    ]
    lines = _fail(_write(tmp_path, rows), "--as", "officer-a").splitlines()
    text = "\n".join(lines)
    assert "row 1: period_end: 2026-03-30 is not the last day" in text
    assert "row 2: values.EDU-X: EDU-X is not a KPI of programme NACC" in text
    assert "row 2: values.NACC-PHD:" in text
    assert "row 3: program: no programme has the code NOPE" in text
    assert "row 4: extra: unknown field" in text
    assert "row 5: row: must be an object" in text
    assert 'row 6: values.NACC-GPU: "NaN" is not a number' in text
    assert ProgressReport.objects.count() == 0


def test_duplicate_rows_in_one_file(world, tmp_path):
    message = _fail(_write(tmp_path, [_row(), _row()]), "--as", "officer-a")
    assert "row 2: period_end: A report for NACC 2026-03-31 is already open" in message
    assert ProgressReport.objects.count() == 0


def test_submitter_must_be_allowed(world, tmp_path):
    path = _write(tmp_path, [_row()])
    message = _fail(path, "--as", "officer-b")
    assert "row 1: program:" in message and "MSIT" in message
    message = _fail(path, "--as", "reviewer-a")
    assert "row 1: program:" in message
    assert ProgressReport.objects.count() == 0


def test_approver_must_be_allowed_and_different(world, tmp_path):
    path = _write(tmp_path, [_row()])
    assert "cannot approve the reports they submit" in _fail(
        path, "--as", "officer-a", "--approve-as", "officer-a"
    )
    message = _fail(path, "--as", "officer-a", "--approve-as", "reviewer-b")
    assert "row 1: approve:" in message
    message = _fail(path, "--as", "officer-a", "--approve-as", "officer-a2")
    assert "row 1: approve:" in message
    assert ProgressReport.objects.count() == 0


def test_unknown_users(world, tmp_path):
    path = _write(tmp_path, [_row()])
    assert "--as: there is no active user named ghost" in _fail(path, "--as", "ghost")
    assert "--approve-as: there is no active user named ghost" in _fail(
        path, "--as", "officer-a", "--approve-as", "ghost"
    )


def test_file_problems(world, tmp_path):
    assert "no such file" in _fail(tmp_path / "missing.json", "--as", "officer-a")
    bad = _write(tmp_path, '[{"program": "NACC",', name="bad.json")
    assert "bad.json: not valid JSON: line 1" in _fail(bad, "--as", "officer-a")
    obj = _write(tmp_path, {"program": "NACC"}, name="obj.json")
    assert "must hold a JSON list" in _fail(obj, "--as", "officer-a")


def test_json_nan_and_infinity_literals_are_refused(world, tmp_path):
    path = _write(
        tmp_path,
        '[{"program": "NACC", "period_end": "2026-03-31", "executed_won": 1,'
        ' "values": {"NACC-GPU": NaN, "NACC-PHD": Infinity, "NACC-DEG": 1}}]',
    )
    message = _fail(path, "--as", "officer-a")
    assert 'row 1: values.NACC-GPU: "NaN" is not a number' in message
    assert 'row 1: values.NACC-PHD: "Infinity" is not a number' in message


def test_an_open_draft_is_completed_and_submitted(world, tmp_path):
    from reporting import services

    draft = services.report_create_draft(
        user=world.users["officer"], program=world.program, period_end="2026-03-31"
    )
    _run(_write(tmp_path, [_row()]), "--as", "officer-a")
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.values.count() == 3


def test_an_import_analyzes_the_tables_it_filled(world, tmp_path):
    """Statistics for the imported rows at once (pg_stat_user_tables.last_analyze), not after
    autovacuum's next pass; a refused file analyzes nothing."""
    from tests.ops.test_analyze import analyzed_since, clock

    tables = ("reporting_progressreport", "reporting_kpivalue")
    before = clock()
    _fail(_write(tmp_path, [_row(values={"NACC-GPU": "abc"})], "bad.json"), "--as", "officer-a")
    assert analyzed_since(before, *tables) == []
    _run(_write(tmp_path, [_row(), _row("2026-06-30")]), "--as", "officer-a")
    assert analyzed_since(before, *tables) == sorted(tables)
