"""Assessing on several CPUs: the programmes a large recompute assesses, split into chunks.

The rules are pure Python and most of a first full recompute's time (README, "Speed"). With
``processes`` > 1 and at least ``STATUS_PARALLEL_MIN_PROGRAMS`` programmes to assess, the
programmes are split into one chunk per process, and a child process is forked for each chunk but
the last, which the parent (the recompute's own process) assesses itself.

Each child loads its chunk's inputs (``prepare``) on a connection of its own, in a read-only
transaction that imports the recompute's snapshot (``pg_export_snapshot``): it sees exactly the
data the recompute's transaction sees when the children start, so all processes load at once. A
snapshot cannot show what the recompute's transaction itself has written and not committed; when
it has written anything already (a recompute called inside a larger transaction), the parent loads
each chunk on its own connection before forking the child instead.

A child never touches the connection it inherits from the parent: it keeps a reference to it (so
it is never finalized) and leaves by ``os._exit`` whatever happens. It sends back its rows already
in COPY's text format (``storing.Rows.encode``), and the parent writes them in its transaction. A
child that fails (or is killed) is logged and its chunk assessed by the parent, so the result is
the same; if the parent fails, its children are killed.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import re
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from status.engine.assessing import Assessed

logger = logging.getLogger("status.services")

Inputs = TypeVar("Inputs")

# The parent's share of the programmes, against a child's: it also writes every process's rows.
PARENT_SHARE = 0.9


class Snapshot(NamedTuple):
    """What a child's transaction takes from the recompute's: its snapshot and its work_mem."""

    id: str
    work_mem: str


@dataclass
class _Child(Generic[Inputs]):
    pid: int
    pipe: int  # the read end
    chunk: list[int]
    inputs: Inputs | None  # loaded by the parent, or None when the child loads them


def chunks(program_ids: Sequence[int], processes: int) -> list[list[int]]:
    """``program_ids`` in ``processes`` contiguous chunks: equal ones for the children, and a
    smaller last one for the parent (``PARENT_SHARE`` of a child's, at least one programme)."""
    ids = list(program_ids)
    if processes <= 1 or len(ids) < max(settings.STATUS_PARALLEL_MIN_PROGRAMS, 2):
        return [ids]
    processes = min(processes, len(ids))
    children = processes - 1
    own = max(1, round(len(ids) * PARENT_SHARE / (children + PARENT_SHARE)))
    rest = len(ids) - own
    bounds = [rest * k // children for k in range(processes)]
    return [ids[a:b] for a, b in itertools.pairwise(bounds)] + [ids[rest:]]


def export_snapshot() -> Snapshot | None:
    """The snapshot of the caller's transaction, for the children to import; None outside a
    transaction, or when the transaction has written (its writes would not be in the snapshot)."""
    if not connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL "
            "THEN pg_export_snapshot() END, current_setting('work_mem')"
        )
        snapshot_id, work_mem = cursor.fetchone()
    return None if snapshot_id is None else Snapshot(snapshot_id, work_mem)


def assess_in_processes(
    program_ids: list[int],
    *,
    processes: int,
    prepare: Callable[[list[int] | None], Inputs],
    assess: Callable[[list[int], Inputs], Assessed],
    write: Callable[[Assessed], None],
) -> Assessed:
    """``assess(chunk, prepare(chunk))`` over the chunks of ``program_ids``, each part given to
    ``write`` as soon as it is ready (the parent's own first, while the children finish), and
    returned merged. With one chunk (one process, or too few programmes) ``prepare`` is given
    None: every programme of the recompute, so its queries need no id list."""
    parts = chunks(program_ids, processes)
    if len(parts) == 1:
        out = assess(program_ids, prepare(None))
        write(out)
        return out
    snapshot = export_snapshot()
    children: list[_Child[Inputs]] = []
    try:
        for chunk in parts[:-1]:
            inputs = None if snapshot else prepare(chunk)
            children.append(_fork(chunk, inputs, snapshot, prepare, assess))
        out = assess(parts[-1], prepare(parts[-1]))
        write(out)
        while children:
            child = children.pop(0)
            part = _collect(child)
            if part is None:  # the child failed: the parent assesses its chunk
                inputs = prepare(child.chunk) if child.inputs is None else child.inputs
                part = assess(child.chunk, inputs)
            write(part)
            out.merge(part)
        return out
    finally:
        for child in children:  # the parent failed: no child outlives its recompute
            _kill(child)


def _fork(
    chunk: list[int],
    inputs: Inputs | None,
    snapshot: Snapshot | None,
    prepare: Callable[[list[int] | None], Inputs],
    assess: Callable[[list[int], Inputs], Assessed],
) -> _Child[Inputs]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: load, assess, send, and leave without running any clean-up
        code = 1
        try:
            os.close(read_end)
            if inputs is None:
                assert snapshot is not None
                with _own_connection(snapshot):
                    inputs = prepare(chunk)
            part = assess(chunk, inputs)
            part.kpi_rows.encode()
            part.program_rows.encode()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        except BaseException:
            logger.exception("Assessing programmes %s to %s failed", chunk[0], chunk[-1])
        finally:
            os._exit(code)
    os.close(write_end)
    return _Child(pid=pid, pipe=read_end, chunk=chunk, inputs=inputs)


# The connections a child inherited: referenced until it leaves, so that none is ever finalized
# (which would end the parent's session).
_INHERITED: list[BaseDatabaseWrapper] = []

_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]+")


@contextmanager
def _own_connection(snapshot: Snapshot) -> Iterator[None]:
    """In a child: the default connection replaced by a new one, in a read-only transaction that
    sees the recompute's snapshot; closed on leaving."""
    if not _SNAPSHOT_ID.fullmatch(snapshot.id):
        raise ValueError(f"not a snapshot id: {snapshot.id!r}")
    _INHERITED.append(connections[DEFAULT_DB_ALIAS])
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = own
    try:
        with transaction.atomic():
            with own.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot.id}'")
                cursor.execute("SELECT set_config('work_mem', %s, true)", [snapshot.work_mem])
            yield
    finally:
        own.close()


def _collect(child: _Child[Inputs]) -> Assessed | None:
    """The child's rows, or None when it failed. The child is reaped either way."""
    try:
        with os.fdopen(child.pipe, "rb") as pipe:  # closed on leaving
            data = pipe.read()
    except BaseException:
        _kill(child, close_pipe=False)
        raise
    _, status = os.waitpid(child.pid, 0)
    if status == 0 and data:
        try:
            part = pickle.loads(data)
        except (pickle.UnpicklingError, EOFError):
            part = None
        if isinstance(part, Assessed):
            return part
    logger.error(
        "The process assessing programmes %s to %s failed (wait status %s); assessed again here",
        child.chunk[0],
        child.chunk[-1],
        status,
    )
    return None


def _kill(child: _Child[Inputs], *, close_pipe: bool = True) -> None:
    try:
        os.kill(child.pid, signal.SIGKILL)
        os.waitpid(child.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    if close_pipe:
        os.close(child.pipe)
