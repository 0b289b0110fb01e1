"""Sample progress for the shipped 2026 budget (filled in once reporting services exist)."""

from __future__ import annotations


def demo_progress_seed() -> int:
    return 0
