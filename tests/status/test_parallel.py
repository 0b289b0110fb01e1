"""The rules on several CPUs (status.engine.parallel): forked processes assess chunks of the
programmes and send back their rows as COPY text; the stored rows are exactly those of one
process, and a child that fails is assessed again by the parent."""

from __future__ import annotations

import itertools
import json
import os
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from status.engine import parallel, recompute
from status.engine.assessing import assess_programs
from status.engine.storing import encode_rows
from status.services import status_recompute_all
from tests.status.portfolio import clear_results, stored_rows

DAYS = [date(2026, 3, 1), date(2026, 8, 21), date(2026, 10, 30), date(2026, 12, 31)]


@pytest.fixture
def parallel_from_two(settings):
    settings.STATUS_PARALLEL_MIN_PROGRAMS = 2


def test_chunks_give_the_parent_a_smaller_last_share(settings):
    settings.STATUS_PARALLEL_MIN_PROGRAMS = 10
    ids = list(range(100))
    assert parallel.chunks(ids[:9], 2) == [ids[:9]]  # too few: one process
    assert parallel.chunks(ids, 1) == [ids]
    two = parallel.chunks(ids, 2)
    assert [len(c) for c in two] == [53, 47] and list(itertools.chain(*two)) == ids
    four = parallel.chunks(ids, 4)
    assert [len(c) for c in four] == [25, 26, 26, 23] and list(itertools.chain(*four)) == ids


@pytest.mark.django_db
def test_several_processes_store_exactly_the_rows_of_one(busy, parallel_from_two):
    expected = {}
    for day in DAYS:
        status_recompute_all(as_of=day, processes=1)
        expected[day] = stored_rows(day)
    clear_results()
    for day in DAYS:  # nothing stored on any date for the first: every programme is assessed
        summary = status_recompute_all(as_of=day, processes=3)
        assert stored_rows(day) == expected[day], day
    assert summary.kpis_written == 4


@pytest.mark.django_db
def test_when_every_fingerprint_changed_the_processes_assess_them_all(busy, parallel_from_two):
    day = date(2026, 10, 30)
    status_recompute_all(as_of=day - timedelta(days=1), processes=1)
    status_recompute_all(as_of=day, processes=1)
    expected = stored_rows(day)
    with connection.cursor() as cursor:  # every programme changes: all are assessed again
        cursor.execute("UPDATE status_kpistatus SET fingerprint = 'x'")
        cursor.execute("UPDATE status_programstatus SET fingerprint = 'x'")
    summary = status_recompute_all(as_of=day, processes=2)
    assert summary.programs_written == 3 and summary.programs_reused == 0
    assert stored_rows(day) == expected


@pytest.mark.django_db
def test_the_chunks_are_assessed_in_other_processes(busy, parallel_from_two, monkeypatch):
    def assess_and_sign(*args, **kwargs):
        out = assess_programs(*args, **kwargs)
        out.errors.append(f"pid {os.getpid()}")
        return out

    monkeypatch.setattr(recompute, "assess_programs", assess_and_sign)
    summary = status_recompute_all(as_of=date(2026, 12, 31), processes=3)
    pids = {e for e in summary.errors if e.startswith("pid ")}
    assert len(pids) == 3 and f"pid {os.getpid()}" in pids


@pytest.mark.django_db
def test_a_child_that_fails_is_assessed_by_the_parent(busy, parallel_from_two, monkeypatch, caplog):
    day = date(2026, 12, 31)
    status_recompute_all(as_of=day, processes=1)
    expected = stored_rows(day)
    clear_results()
    parent = os.getpid()

    def assess_or_die(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(3)  # as if killed
        return assess_programs(*args, **kwargs)

    monkeypatch.setattr(recompute, "assess_programs", assess_or_die)
    summary = status_recompute_all(as_of=day, processes=2)
    assert stored_rows(day) == expected and not summary.errors
    assert "assessed again here" in caplog.text


@pytest.mark.django_db
def test_kpis_the_rules_refuse_are_reported_from_a_child(busy, parallel_from_two):
    from tests.status.portfolio import approve

    approve(busy, busy.a, date(2026, 11, 15), {"A-CUM": 10}, 1)  # not a quarter end
    summary = status_recompute_all(as_of=date(2026, 12, 1), processes=3)
    assert any(e.startswith("KPI A-CUM: ") for e in summary.errors)


@pytest.mark.django_db
def test_copy_text_reads_back_as_written():
    """Rows written through COPY's text format come back equal, with the characters it escapes."""
    rows = [
        (
            1,
            "tab\there, newline\nthere, back\\slash, CR\r, 한국어",
            {"note": "a\tb\\c\nd", "n": 3, "ko": "예산"},
            Decimal("-12.3400"),
            None,
            True,
            date(2026, 12, 31),
            datetime(2026, 12, 6, 5, 40, 1, 123456, tzinfo=datetime.now().astimezone().tzinfo),
        ),
        (2, "", {}, Decimal(0), Decimal("1E+3"), False, None, None),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE copy_probe (id int, t text, j jsonb, n numeric, m numeric, "
            "b boolean, d date, ts timestamptz)"
        )
        with cursor.cursor.copy("COPY copy_probe FROM STDIN") as copy:
            copy.write(encode_rows(rows))
        cursor.execute("SELECT * FROM copy_probe ORDER BY id")
        back = cursor.fetchall()
    # (jsonb comes back as its text through Django's cursor)
    assert [(*row[:2], json.loads(row[2]), *row[3:]) for row in back] == rows


def recorded_snapshots(monkeypatch) -> list[parallel.Snapshot | None]:
    """What each call of ``parallel.export_snapshot`` returns, in order."""
    snapshots: list[parallel.Snapshot | None] = []
    export = parallel.export_snapshot

    def export_and_record() -> parallel.Snapshot | None:
        snapshots.append(export())
        return snapshots[-1]

    monkeypatch.setattr(parallel, "export_snapshot", export_and_record)
    return snapshots


@pytest.mark.django_db
def test_a_transaction_that_has_written_exports_no_snapshot(busy):
    with transaction.atomic():  # the test's transaction has written the portfolio
        assert parallel.export_snapshot() is None
    assert parallel.export_snapshot() is None  # outside a transaction


@pytest.mark.django_db(transaction=True)
def test_the_children_load_their_chunks_on_connections_of_their_own(
    busy, parallel_from_two, monkeypatch, tmp_path
):
    """With the portfolio committed, each child loads its chunk itself, in a transaction that
    imports the recompute's snapshot, and the rows are those of one process."""
    days = [date(2026, 8, 21), date(2026, 12, 31)]
    expected = {}
    for day in days:
        status_recompute_all(as_of=day, processes=1)
        expected[day] = stored_rows(day)
    snapshots = recorded_snapshots(monkeypatch)
    load = recompute.inputs_and_digests
    log = tmp_path / "loads"

    def load_and_sign(ids, as_of):  # the first recompute's loading of a chunk
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_backend_pid(), current_setting('transaction_isolation'), "
                "current_setting('work_mem')"
            )
            backend, isolation, work_mem = cursor.fetchone()
        with log.open("a") as out:
            out.write(f"{os.getpid()}|{backend}|{isolation}|{work_mem}\n")
        return load(ids, as_of)

    monkeypatch.setattr(recompute, "inputs_and_digests", load_and_sign)
    for day in days:  # nothing stored on any date: every programme is assessed
        clear_results()
        status_recompute_all(as_of=day, processes=3)
        assert stored_rows(day) == expected[day], day
    assert len(snapshots) == 2 and all(snapshots)
    loads = [line.split("|") for line in log.read_text().splitlines()]
    assert len(loads) == 6 and len({pid for pid, *_ in loads}) == 5  # the parent twice
    assert len({backend for _, backend, *_ in loads}) == 5
    children = [rest for pid, *rest in loads if int(pid) != os.getpid()]
    assert {(isolation, work_mem) for _, isolation, work_mem in children} == {
        ("repeatable read", recompute.RECOMPUTE_WORK_MEM)
    }


@pytest.mark.django_db(transaction=True)
def test_a_child_that_cannot_connect_is_loaded_and_assessed_by_the_parent(
    busy, parallel_from_two, monkeypatch, caplog
):
    day = date(2026, 12, 31)
    status_recompute_all(as_of=day, processes=1)
    expected = stored_rows(day)
    clear_results()
    snapshots = recorded_snapshots(monkeypatch)
    monkeypatch.setattr(parallel, "_SNAPSHOT_ID", re.compile("never"))  # the import fails
    summary = status_recompute_all(as_of=day, processes=2)
    assert snapshots[0] and stored_rows(day) == expected and not summary.errors
    assert "assessed again here" in caplog.text
