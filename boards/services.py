"""The one write the boards make: computing the results of an as-of date that has none stored,
through the status services (domain.md 3: "reproducible for any as-of date")."""

from __future__ import annotations

from datetime import date

from status.selectors import board_exists
from status.services import status_recompute_all


def board_ensure_results(*, as_of: date) -> bool:
    """Make sure results are stored for ``as_of``; True when they had to be computed."""
    if board_exists(as_of):
        return False
    status_recompute_all(as_of=as_of)
    return True
