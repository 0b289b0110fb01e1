"""Reads of the stored statuses that the boards need beyond status/selectors.py (owned by the
boards; status/selectors.py stays the status app's)."""

from __future__ import annotations

from datetime import date

from status.models import NodeStatus


def board_dates(limit: int = 60) -> list[date]:
    """The as-of dates with stored results, newest first, at most ``limit``: read from the root
    nodes' rows (a handful per date), not from the programme rows (one per programme per date),
    so it stays cheap however many programmes and dates are stored."""
    return list(
        NodeStatus.objects.filter(node__parent__isnull=True)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .distinct()[:limit]
    )
