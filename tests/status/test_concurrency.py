"""Two recomputes at once (two threads, two PostgreSQL connections) leave no duplicates."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from status import services
from status.engine import recompute, storing
from status.models import KPIStatus, NodeStatus, ProgramStatus
from tests.status.portfolio import approve

APRIL = date(2026, 4, 15)


def _run_together(monkeypatch, *calls, collide_writes=False):
    """Run the calls in threads, started together. With ``collide_writes`` the per-date lock is
    off and every thread computes on its own, then all write at the same moment (a barrier before
    the first write): each saw no stored row, so each inserts, and only ON CONFLICT keeps the rows
    unique."""
    barrier = threading.Barrier(len(calls), timeout=20)
    if collide_writes:
        monkeypatch.setattr(recompute, "lock_as_of", lambda as_of: None)
        original = storing.upsert
        waited = threading.local()

        def upsert(*args, **kwargs):
            if not getattr(waited, "done", False):
                waited.done = True
                barrier.wait()
            return original(*args, **kwargs)

        monkeypatch.setattr(storing, "upsert", upsert)
    errors: list[BaseException] = []

    def target(call):
        try:
            if not collide_writes:
                barrier.wait()
            call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)


def _assert_one_row_each(as_of):
    assert KPIStatus.objects.filter(as_of=as_of).count() == 4
    assert ProgramStatus.objects.filter(as_of=as_of).count() == 3
    assert NodeStatus.objects.filter(as_of=as_of).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_full_recomputes_writing_at_the_same_moment(portfolio, monkeypatch):
    approve(portfolio, portfolio.a, date(2026, 3, 31), {"A-CUM": 200, "A-LVL": 30}, 1)
    _run_together(
        monkeypatch,
        lambda: services.status_recompute_all(as_of=APRIL),
        lambda: services.status_recompute_all(as_of=APRIL),
        collide_writes=True,
    )
    _assert_one_row_each(APRIL)
    assert KPIStatus.objects.get(kpi__code="A-CUM").status == "at_risk"


@pytest.mark.django_db(transaction=True)
def test_program_and_full_recomputes_at_once(portfolio, monkeypatch):
    approve(portfolio, portfolio.b, date(2026, 3, 31), {"B-ANN": 90}, 1)
    _run_together(
        monkeypatch,
        lambda: services.status_recompute_program(program_id=portfolio.b.id, as_of=APRIL),
        lambda: services.status_recompute_all(as_of=APRIL),
        lambda: services.status_recompute_program(program_id=portfolio.a.id, as_of=APRIL),
    )
    _assert_one_row_each(APRIL)
    assert ProgramStatus.objects.get(program=portfolio.b).status == "on_track"
