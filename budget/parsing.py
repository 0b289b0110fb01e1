"""What people type, read once: numbers, amounts of money and dates, as they come from the report
form, a spreadsheet upload, the REST API and ``import_progress`` (all through
reporting/validation.py), and a KPI's target revision (kpis/values.py). It sits beside
budget/formatting.py, which writes amounts the way people read them, below every app that reads
input.

* Numbers: ``1200``, ``1,200.5``, ``1.2e3``; a unit after the number (``3,200명``,
  ``1,200 GPUs``): a Korean counter word or the KPI's own unit; Korean number words (``3만``,
  ``1.5억``, ``1조 2,000억``); a percentage (``80%``) only for a KPI measured in per cent, where it
  reads 80.
* Money (whole won): the same, plus ``원`` / ``won`` / ``KRW`` and ``trillion`` / ``billion`` /
  ``million``: ``1,200억 원``, ``5억``, ``45,000,000,000원``, ``120 billion won``.
* Dates: ``2026-09-30``, ``2026.09.30``, ``2026. 9. 30.``, ``2026/09/30``. A number (``20261231``)
  is not a date.

Each reader raises :class:`ParseError` with a message that says what to type instead.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext

from django.utils.translation import gettext as _

# Korean and English number words, largest first.
_KOREAN_WORDS = {"조": Decimal(10) ** 12, "억": Decimal(10) ** 8, "만": Decimal(10) ** 4}
_ENGLISH_WORDS = {
    "trillion": Decimal(10) ** 12,
    "billion": Decimal(10) ** 9,
    "million": Decimal(10) ** 6,
}
_MONEY_WORDS = ("원", "won", "krw", "₩")
# Counter words a Korean writer puts after a count ("3,200명", "15개", "40곳").
_KOREAN_COUNTERS = re.compile(r"^[가-힣]{1,6}$")
_PLAIN_RE = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+$")
_KOREAN_PART_RE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(조|억|만)")
_EXPONENT_LIMIT = 30  # 1e30 is far beyond any limit; longer exponents are refused before parsing
_FORMULA_PREFIXES = ("=", "@")
_DATE_RE = re.compile(r"^(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})\s*\.?$")


class ParseError(ValueError):
    """The text cannot be read; ``message`` says why and what to type."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def show(raw: object, limit: int = 40) -> str:
    text = str(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_percent_unit(unit: str) -> bool:
    """Whether a KPI's unit is a percentage ("% capacity increase", "percent")."""
    text = (unit or "").strip().lower()
    return "%" in text or "percent" in text or "퍼센트" in text


def _plain(text: str, raw: object) -> Decimal:
    """``text`` must be a plain number (separators in groups of three, an exponent)."""
    if not _PLAIN_RE.match(text):
        raise ParseError(_('"%(value)s" is not a number') % {"value": show(raw)})
    exponent = text.lower().partition("e")[2]
    if exponent and abs(int(exponent)) > _EXPONENT_LIMIT:
        raise ParseError(
            _("%(value)s is too large or too small to be a reported figure") % {"value": show(raw)}
        )
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ParseError(_('"%(value)s" is not a number') % {"value": show(raw)}) from None


def _korean_words(text: str, raw: object) -> Decimal | None:
    """``1조 2,000억``, ``5억``, ``3만``, ``1.5억 3,000만`` (with a remainder in plain digits)."""
    if not any(word in text for word in _KOREAN_WORDS):
        return None
    total = Decimal(0)
    position = 0
    last = None
    for match in _KOREAN_PART_RE.finditer(text):
        if text[position : match.start()].strip():
            raise ParseError(_('"%(value)s" is not an amount') % {"value": show(raw)})
        whole, fraction, word = match.groups()
        size = _KOREAN_WORDS[word]
        if last is not None and size >= last:
            raise ParseError(_('"%(value)s" is not an amount') % {"value": show(raw)})
        last = size
        total += Decimal(whole.replace(",", "") + (f".{fraction}" if fraction else "")) * size
        position = match.end()
    rest = text[position:].strip()
    if rest:
        total += _plain(rest, raw)
    return total


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    lowered = text.lower()
    for suffix in suffixes:
        if suffix and lowered.endswith(suffix.lower()):
            return text[: len(text) - len(suffix)].strip()
    return text


def _strip_counter(text: str) -> str:
    """Without a Korean counter word at the end ("3,200명" -> "3,200", "3만명" -> "3만")."""
    end = len(text)
    while end > 0 and "가" <= text[end - 1] <= "힣" and text[end - 1] not in _KOREAN_WORDS:
        end -= 1
    counter = text[end:]
    if counter and end > 0 and _KOREAN_COUNTERS.match(counter):
        return text[:end]
    return text


def _prepare(raw: object) -> str:
    if isinstance(raw, bool):
        raise ParseError(_("%(value)s is a yes/no value, not a number") % {"value": raw})
    text = str(raw).strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not text:
        raise ParseError(_("a number is required"))
    if text.startswith(_FORMULA_PREFIXES):
        raise ParseError(
            _('"%(value)s" looks like a spreadsheet formula; enter the number itself')
            % {"value": show(raw)}
        )
    return text


def read_number(raw: object, *, unit: str = "") -> Decimal:
    """A KPI value (see the module docstring). ``unit`` is the KPI's unit: it may follow the
    number, and a percentage is read only when the unit is one."""
    if isinstance(raw, bool):
        raise ParseError(_("%(value)s is a yes/no value, not a number") % {"value": raw})
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ParseError(_('"%(value)s" is not a number') % {"value": raw})
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise ParseError(_('"%(value)s" is not a number') % {"value": raw})
        return raw
    if not isinstance(raw, str):
        raise ParseError(_('"%(value)s" is not a number') % {"value": show(raw)})
    text = _prepare(raw)
    if text.endswith("%"):
        if not is_percent_unit(unit):
            raise ParseError(
                _(
                    '"%(value)s" is a percentage, but this KPI is counted in %(unit)s; '
                    "enter the number of %(unit)s"
                )
                % {"value": show(raw), "unit": unit or _("its unit")}
            )
        text = text[:-1].strip()
    elif unit:
        text = _strip_suffix(text, (unit, unit.rstrip("s")) if unit.endswith("s") else (unit,))
    compact = _strip_counter(text.replace(" ", ""))
    korean = _korean_words(compact, raw) if compact else None
    if korean is not None:
        return korean
    if re.search(r"[A-Za-z가-힣]", compact.lower().replace("e", "")):
        if not re.search(r"\d", compact):
            raise ParseError(_('"%(value)s" is not a number') % {"value": show(raw)})
        raise ParseError(
            _('"%(value)s" is not a number; enter a number such as 1200 or 1,200')
            % {"value": show(raw)}
        )
    return _plain(compact, raw)


def read_money(raw: object) -> Decimal:
    """An amount of won (see the module docstring); whole won is checked by the caller."""
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        return read_number(raw)
    if not isinstance(raw, str):
        raise ParseError(_('"%(value)s" is not an amount of won') % {"value": show(raw)})
    text = _prepare(raw)
    text = _strip_suffix(text, _MONEY_WORDS)
    if text.startswith("₩"):
        text = text[1:].strip()
    lowered = text.lower()
    for word, size in _ENGLISH_WORDS.items():
        if lowered.endswith(word):
            number = _plain(text[: -len(word)].strip().replace(" ", ""), raw)
            return number * size
    compact = text.replace(" ", "")
    korean = _korean_words(compact, raw)
    if korean is not None:
        return korean
    if re.search(r"[^\d,.eE+-]", compact):
        raise ParseError(
            _(
                '"%(value)s" is not an amount of won; type it as 120000000000, '
                "120,000,000,000 or 1,200억"
            )
            % {"value": show(raw)}
        )
    return _plain(compact, raw)


def read_date(raw: object) -> date:
    """A date: a date object, or text in one of the forms of the module docstring."""
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        raise ParseError(
            _('%(value)s is a number, not a date; write the date as text such as "2026-12-31"')
            % {"value": show(raw)}
        )
    if isinstance(raw, str):
        match = _DATE_RE.match(raw.strip())
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                raise ParseError(
                    _('"%(value)s" is not a day of the calendar') % {"value": show(raw)}
                ) from None
    raise ParseError(
        _('"%(value)s" is not a date; write it as 2026-12-31 (or 2026.12.31)')
        % {"value": show(raw)}
    )


def normalise_date_text(raw: object) -> str:
    """The ISO form of a date as typed, or the text unchanged when it is not one (for grouping
    spreadsheet rows: "2026.09.30" and "2026-09-30" are the same period)."""
    try:
        return read_date(raw).isoformat()
    except ParseError:
        return str(raw or "").strip()


def exponent_of(number: Decimal) -> int:
    """The exponent of ``number`` without trailing zeros, safe for any finite Decimal."""
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.Emax = 10**9
        ctx.Emin = -(10**9)
        exponent = number.normalize(ctx).as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0
