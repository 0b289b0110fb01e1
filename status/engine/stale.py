"""Stale marks: which programmes wait for a recompute after an approval or a target revision.

The approval and revision hooks mark the programme stale in their own transaction (the mark
commits with the change, or not at all) and, after commit, enqueue its recompute. When the broker
cannot be reached the mark stays and the periodic sweep recomputes the programme. A recompute for
today clears the marks it read, unless a newer one arrived meanwhile (``generation``). The marks
say which programmes to recompute first; whether a programme's inputs changed is for its
fingerprint alone (status.engine.fingerprints).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import F
from django.utils import timezone

from status.models import ProgramState

logger = logging.getLogger("status.services")


def stale_generations(program_ids: Iterable[int] | None) -> dict[int, int]:
    """{programme id: generation} of the stale marks (of the given programmes, when given)."""
    qs = ProgramState.objects.filter(stale=True)
    if program_ids is not None:
        qs = qs.filter(program_id__in=list(program_ids))
    return dict(qs.values_list("program_id", "generation"))


def clear_stale(generations: dict[int, int], as_of: date) -> None:
    """Clear the stale marks read before the recompute, unless a newer mark arrived since; only a
    recompute for today (or later) makes today's statuses fresh."""
    if as_of < timezone.localdate():
        return
    now = timezone.now()
    by_generation: dict[int, list[int]] = defaultdict(list)
    for pid, generation in generations.items():
        by_generation[generation].append(pid)
    for generation, pids in by_generation.items():
        ProgramState.objects.filter(program_id__in=pids, generation=generation).update(
            stale=False, recomputed_at=now
        )


def mark_stale(*, program_id: int, reason: str) -> None:
    """Mark a programme's statuses stale, in the caller's transaction."""
    now = timezone.now()
    updated = ProgramState.objects.filter(program_id=program_id).update(
        stale=True, generation=F("generation") + 1, reason=reason, marked_at=now
    )
    if not updated:
        ProgramState.objects.bulk_create(
            [
                ProgramState(
                    program_id=program_id, stale=True, generation=1, reason=reason, marked_at=now
                )
            ],
            update_conflicts=True,
            unique_fields=["program"],
            update_fields=["stale", "reason", "marked_at"],
        )


def stale_program_ids() -> list[int]:
    """The programmes marked stale, the longest waiting first."""
    return list(
        ProgramState.objects.filter(stale=True)
        .order_by("marked_at")
        .values_list("program_id", flat=True)
    )


def enqueue_or_leave_stale(program_id: int) -> None:
    """Enqueue the programme's recompute; if the broker is down, the stale mark stays for the
    sweep."""
    from status.tasks import recompute_program

    try:
        recompute_program.apply_async(args=[program_id], retry=False)
    except Exception:
        logger.warning(
            "Could not enqueue the status recompute of programme %s; it stays stale for the sweep.",
            program_id,
            exc_info=True,
        )
