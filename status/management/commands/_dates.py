"""Shared argument parsing for the status commands."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _


def parse_as_of(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--as-of: %(value)s is not a date; use YYYY-MM-DD, e.g. 2026-06-30.")
            % {"value": repr(value)}
        ) from None
