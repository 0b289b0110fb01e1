"""The boards store nothing. An as-of date with no stored results is computed for the request
from what is approved today, inside a transaction that is rolled back when the page has been
rendered: only the scheduled and triggered recomputes (status.tasks) store results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.db import transaction

from status.selectors import board_exists
from status.services import status_recompute_all


@contextmanager
def board_results(*, as_of: date, known_stored: bool = False) -> Iterator[bool]:
    """Results for ``as_of`` to read inside the block. Yields False when they are stored (or the
    caller knows they are: ``known_stored``, no query); else True: they were computed from
    today's approvals for this block only and are rolled back when it ends (never stored as that
    day's board)."""
    if known_stored or board_exists(as_of):
        yield False
        return
    with transaction.atomic():
        status_recompute_all(as_of=as_of)
        yield True
        transaction.set_rollback(True)
