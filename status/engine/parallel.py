"""Assessing on several CPUs: the programmes a large recompute assesses, split into chunks.

The rules are pure Python and most of a first full recompute's time (README, "Speed"). With
``processes`` > 1 and at least ``STATUS_PARALLEL_MIN_PROGRAMS`` programmes to assess, the
programmes are split into one chunk per process. The parent loads each chunk's inputs on its own
connection, inside its transaction (``prepare``), and forks a child to assess the chunk while it
loads the next one; it assesses the last chunk itself, then collects the children's rows.

A child never uses the database: it inherits the loaded inputs, runs the rules, and sends back its
rows already in COPY's text format (``storing.Rows.encode``), so the parent only writes them. It
leaves by ``os._exit`` whatever happens, so the connection it shares with the parent is never
closed or written to from the child. A child that fails (or is killed) is logged and its chunk
assessed by the parent, so the result is the same; if the parent fails, its children are killed.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings

from status.engine.assessing import Assessed

logger = logging.getLogger("status.services")

Inputs = TypeVar("Inputs")


@dataclass
class _Child(Generic[Inputs]):
    pid: int
    pipe: int  # the read end
    chunk: list[int]
    inputs: Inputs


def chunks(program_ids: Sequence[int], processes: int) -> list[list[int]]:
    """``program_ids`` in ``processes`` contiguous chunks. The parent, which also loads every
    chunk (loading takes about half as long as assessing), takes the last one and a smaller
    share: 80% of an equal share, at least one programme. The children's chunks grow, the k-th
    k times the first: the first child starts as soon as its small chunk is loaded, and each
    later one while the others assess."""
    ids = list(program_ids)
    if processes <= 1 or len(ids) < max(settings.STATUS_PARALLEL_MIN_PROGRAMS, 2):
        return [ids]
    processes = min(processes, len(ids))
    own = max(1, int(len(ids) / processes * 0.8))
    rest = len(ids) - own
    children = processes - 1
    weights = children * (children + 1) // 2  # 1 + 2 + ... + children
    bounds = [rest * (k * (k + 1) // 2) // weights for k in range(processes)]
    return [ids[a:b] for a, b in itertools.pairwise(bounds)] + [ids[rest:]]


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
    children: list[_Child[Inputs]] = []
    try:
        for chunk in parts[:-1]:
            inputs = prepare(chunk)
            children.append(_fork(chunk, inputs, assess))
        out = assess(parts[-1], prepare(parts[-1]))
        write(out)
        while children:
            child = children.pop(0)
            part = _collect(child)
            if part is None:  # the child failed: the parent assesses its chunk
                part = assess(child.chunk, child.inputs)
            write(part)
            out.merge(part)
        return out
    finally:
        for child in children:  # the parent failed: no child outlives its recompute
            _kill(child)


def _fork(
    chunk: list[int], inputs: Inputs, assess: Callable[[list[int], Inputs], Assessed]
) -> _Child[Inputs]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: assess, send, and leave without running any clean-up
        code = 1
        try:
            os.close(read_end)
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
