"""Shared argument parsing for the status commands."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone


def parse_as_of(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--as-of: {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-06-30."
        ) from None
