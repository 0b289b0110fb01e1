"""Status services: the writes of the status app (computing and storing results, stale marks).

- ``status_recompute_all(*, as_of, fiscal_year=None) -> RecomputeSummary``
- ``status_recompute_program(*, program_id, as_of) -> RecomputeSummary`` (its KPIs, its
  programme row, then the budget nodes above it)
- ``status_mark_stale(*, program_id, reason)`` (inside the caller's transaction)
- ``status_enqueue_recompute(*, program_id, reason)`` (the hook for approvals and revisions: the
  stale mark now, in the caller's transaction; the enqueue after commit)
- ``status_sweep_stale(*, as_of=None) -> list[int]`` (recomputes every stale programme)
- ``status_results(*, as_of)`` (a context: the results of a date to read inside it, the stored
  ones, else computed from today's approvals and rolled back at its end: never stored)

How the engine works is told in status/engine/ (loading, fingerprints, assessing, storing,
recompute, stale) and docs/status-engine.md. Only the scheduled and triggered recomputes
(status.tasks) and the ``recompute_status`` command store results.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from status.engine import stale
from status.engine.fingerprints import global_thresholds
from status.engine.recompute import (
    RecomputeSummary,
    recompute_all,
    recompute_program,
    without_cyclic_gc,
)
from status.selectors import board_exists

__all__ = [
    "RecomputeSummary",
    "global_thresholds",
    "status_enqueue_recompute",
    "status_mark_stale",
    "status_recompute_all",
    "status_recompute_program",
    "status_results",
    "status_sweep_stale",
]

# Past this many stale programmes, the sweep runs one full recompute (set-based) instead.
SWEEP_FULL_THRESHOLD = 50


@transaction.atomic
def status_recompute_all(
    *, as_of: date, fiscal_year: int | None = None, processes: int | None = None
) -> RecomputeSummary:
    """Recompute and store every KPI, programme and budget node status as of ``as_of`` (of one
    fiscal year, or all). Writes only rows whose inputs changed. The rules run on up to
    ``processes`` CPUs (default ``STATUS_RECOMPUTE_PROCESSES``) when there are many programmes
    to assess."""
    if processes is None:
        processes = settings.STATUS_RECOMPUTE_PROCESSES
    with without_cyclic_gc():
        return recompute_all(as_of=as_of, fiscal_year=fiscal_year, processes=processes)


@transaction.atomic
def status_recompute_program(*, program_id: int, as_of: date) -> RecomputeSummary:
    """Recompute one programme's KPIs and programme row, then the budget nodes above it."""
    return recompute_program(program_id=program_id, as_of=as_of)


def status_mark_stale(*, program_id: int, reason: str) -> None:
    """Mark a programme's statuses stale, in the caller's transaction (so the mark commits with the
    approval or revision that caused it, or not at all)."""
    stale.mark_stale(program_id=program_id, reason=reason)


def status_enqueue_recompute(*, program_id: int, reason: str) -> None:
    """For the approval and target-revision hooks: mark the programme stale now (same
    transaction), and after commit enqueue its recompute. If the broker cannot be reached the
    mark stays, and the periodic sweep recomputes it."""
    stale.mark_stale(program_id=program_id, reason=reason)
    transaction.on_commit(lambda: stale.enqueue_or_leave_stale(program_id))


def status_sweep_stale(*, as_of: date | None = None) -> list[int]:
    """Recompute every programme marked stale. Returns their ids."""
    day = as_of or timezone.localdate()
    pids = stale.stale_program_ids()
    if len(pids) > SWEEP_FULL_THRESHOLD:  # many at once: one set-based pass is cheaper
        status_recompute_all(as_of=day)
        return pids
    for pid in pids:
        status_recompute_program(program_id=pid, as_of=day)
    return pids


@contextmanager
def status_results(
    *, as_of: date, known_stored: bool = False, fiscal_year: int | None = None
) -> Iterator[bool]:
    """The results of ``as_of``, to read inside the block. Yields False when they are stored (or
    the caller knows they are: ``known_stored``, no query); else True: they were computed from
    today's approvals for this block only, in a transaction rolled back when the block ends, so a
    date is never stored by a reader (a board page, an export). Stored results hold the budget of
    the year the date is read in; ``fiscal_year`` asks for another year's, always computed."""
    if fiscal_year is None and (known_stored or board_exists(as_of)):
        yield False
        return
    with transaction.atomic():
        # In this process alone: a web request never forks.
        status_recompute_all(as_of=as_of, fiscal_year=fiscal_year, processes=1)
        yield True
        transaction.set_rollback(True)
