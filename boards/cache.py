"""What the boards cache, and under which version (Django's cache, ``CACHES`` in the settings).

A trigger on every table the cached reads depend on (reports, programmes, KPIs, the budget tree,
ministries, fiscal years, the stored statuses) appends a row to ``boards_change`` on every write
statement, whatever makes it (boards.triggers, declared with django-pgtrigger). The version is
``(sum(n), max(id))`` of that log:

- every committed write adds to the sum, in whatever order writers commit, so two reads that give
  the same version saw the same data;
- ``max(id)`` (identity values are never reused, even when a transaction rolls back) keeps a state
  that was rolled back from sharing a version with a later one;
- the version is read *before* what is cached under it is computed, so an entry is at least as
  new as its version: never older.

A board request reads the version once (:func:`pinned_version`, in ``boards.views``) and again
after it computes a date with nothing stored (:func:`repin`; that computation is rolled back, and
its version is never seen again).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection

T = TypeVar("T")
Version = tuple[int, int]

# An entry of an older version is never read again; it expires after a day.
CACHE_SECONDS = 24 * 60 * 60
# Part of every key: a new generation never reads an entry of an older log (boards migration 0003
# started the log afresh).
GENERATION = 2
# Past this many rows, the change log is folded into one row (the same sum).
COMPACT_AT = 1000

_pinned: ContextVar[Version | None] = ContextVar("boards_data_version", default=None)
_MISSING = object()


def read_version() -> Version:
    """The version of the data, read now (one query; a second, rarely, folds a long log into one
    row: rows of uncommitted writes are not seen, so not deleted, and the sum is kept)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n), 0), coalesce(max(id), 0), count(*) FROM boards_change"
        )
        total, last, rows = cursor.fetchone()
        if rows > COMPACT_AT:
            cursor.execute(
                "WITH gone AS (DELETE FROM boards_change RETURNING n) "
                "INSERT INTO boards_change (n) SELECT sum(n) FROM gone HAVING count(*) > 0"
            )
    return int(total), int(last)


def data_version() -> Version:
    """The version pinned for this request, else read now."""
    pinned = _pinned.get()
    return pinned if pinned is not None else read_version()


@contextlib.contextmanager
def pinned_version() -> Iterator[None]:
    """Read the version once for everything cached in this block (a request)."""
    token = _pinned.set(read_version())
    try:
        yield
    finally:
        _pinned.reset(token)


def repin() -> None:
    """Read the version again after a write in a pinned block."""
    if _pinned.get() is not None:
        _pinned.set(read_version())


def cached(name: str, parts: Any, compute: Callable[[], T]) -> T:
    """``compute()``, cached under the version, the database and ``name`` and ``parts`` (whatever
    else the result depends on: the SQL and its parameters, a fiscal year...). The database is in
    the key so that a cache shared by several never mixes them."""
    db = connection.settings_dict
    where = (db.get("HOST"), db.get("PORT"), db.get("NAME"))
    digest = hashlib.sha256(
        repr((GENERATION, where, data_version(), name, parts)).encode()
    ).hexdigest()
    key = f"boards:{name}:{digest}"
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    value = compute()
    cache.set(key, value, CACHE_SECONDS)
    return value
