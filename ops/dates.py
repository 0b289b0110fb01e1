"""Dates given in a request (``?as_of=``, ``?date=``, ``?date_from=``): the one parser.

A date parameter is ``YYYY-MM-DD``, a real calendar day, between :data:`EARLIEST` and
:data:`LATEST`. The bounds keep every page's day arithmetic (the day before, the day after, the
end of the day in UTC) inside what Python's dates can hold, so ``0001-01-01`` or ``9999-12-31``
get the same clear refusal as ``2026-02-30``: :class:`DateParameterError`, a 400 (Django's
``BadRequest``) that is also a ``ValueError`` for callers that fall back to a default.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DateParameterError(BadRequest, ValueError):
    """A date parameter that is not a usable date; ``str()`` says which and why."""


def parse_day(raw: str, *, name: str = "date") -> dt.date:
    """The date in ``raw`` or :class:`DateParameterError` naming the parameter."""
    text = (raw or "").strip()
    shown = text[:40]
    not_a_date = DateParameterError(
        _("“%(value)s” is not a date (YYYY-MM-DD) in %(name)s.") % {"value": shown, "name": name}
    )
    if not _FORMAT.match(text):
        raise not_a_date
    try:
        day = dt.date.fromisoformat(text)  # also refuses a day the calendar does not have
    except ValueError:
        raise not_a_date from None
    if not EARLIEST <= day <= LATEST:
        raise DateParameterError(
            _("%(value)s is outside the dates this service handles (%(first)s to %(last)s).")
            % {"value": shown, "first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
        )
    return day


def parse_optional_day(raw: str | None, *, name: str = "date") -> dt.date | None:
    """None for an absent or empty parameter, else :func:`parse_day`."""
    return parse_day(raw, name=name) if raw and raw.strip() else None


class DayFormField(forms.DateField):
    """A form field for a date parameter, checked by :func:`parse_day` (an invalid value is a
    form error with its reason)."""

    def to_python(self, value: object) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return parse_day(str(value), name=str(self.label or "date"))
        except DateParameterError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
