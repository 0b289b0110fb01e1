"""How amounts of money, shares and names are written, in Korean and English: the one place.

Pure functions, no database, no active-language lookups (the caller passes the language; the
template filters in ``budget/templatetags/money.py`` pass the active one).

Conventions (tested in tests/budget/test_formatting.py):

Full form, :func:`format_won`, is EXACT: it never rounds, so a one-won mismatch between a parent and
its children stays visible.

- Korean writes the amount in the groups of four digits Korean uses (조 = 10^12, 억 = 10^8,
  만 = 10^4, then won), each group with thousands separators, zero groups left out, the way
  budget documents write exact sums::

      10,100,000,000,000 -> "10조 1,000억 원"     800,000,000,000 -> "8,000억 원"
      5,500,000,000      -> "55억 원"             220,000,000     -> "2억 2,000만 원"
      12,345             -> "1만 2,345원"         0               -> "0원"

  "원" follows a unit word (조, 억, 만) after a space and a bare number directly.
- English uses the largest of trillion, billion and million that writes the amount exactly with at
  most three decimals, else the next smaller one, else the whole number of won::

      10,100,000,000,000 -> "10.1 trillion won"   800,000,000,000 -> "800 billion won"
      5,500,000,000      -> "5.5 billion won"     220,000,000     -> "220 million won"
      1,234,567,000      -> "1,234.567 million won" (exact, so not "1.235 billion won")
      12,345             -> "12,345 won"

Short form, :func:`format_won_short`, for chart labels and compact cells, ROUNDS to three
significant digits (at most two decimals) in the largest unit that fits::

      ko: "10.1조 원", "8,000억 원", "55억 원", "2.2억 원", "1.2만 원", "9,999원"
      en: "10.1 tn won", "800 bn won", "5.5 bn won", "220 mn won", "12,345 won"

  and, in a sentence (``words=True``), "10.1 trillion won", "800 billion won" (Korean unchanged).

Negative amounts (differences) carry a leading minus sign: "-1,000억 원", "-100 billion won".

Shares, :func:`format_share`, are ratios (0.535) written as percentages with one decimal, rounded
half up: "53.5%"; a positive share that would round to 0.0% is "<0.1%" / "0.1% 미만" (so a small
item never reads as nothing); ``None`` (a share of nothing) is written as "n/a" / "해당 없음".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

KO_UNITS: tuple[tuple[int, str], ...] = ((10**12, "조"), (10**8, "억"), (10**4, "만"))
EN_UNITS: tuple[tuple[int, str], ...] = (
    (10**12, "trillion"),
    (10**9, "billion"),
    (10**6, "million"),
)
EN_SHORT_UNITS: tuple[tuple[int, str], ...] = ((10**12, "tn"), (10**9, "bn"), (10**6, "mn"))

NOT_APPLICABLE = {"ko": "해당 없음", "en": "n/a"}


def base_language(language: str | None) -> str:
    """The two languages the product speaks: "ko" for any Korean variant, else "en"."""
    if language and language.lower().replace("_", "-").split("-")[0] == "ko":
        return "ko"
    return "en"


def _group(number: int) -> str:
    return f"{number:,}"


def _decimal_text(value: Decimal, places: int) -> str:
    """``value`` rounded half up to ``places`` decimals, thousands grouped, trailing zeros cut."""
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _sign(amount: int) -> tuple[str, int]:
    return ("-", -amount) if amount < 0 else ("", amount)


def format_won(amount_won: int, language: str) -> str:
    """The exact amount in words of the language (see the module docstring)."""
    amount_won = int(amount_won)
    sign, value = _sign(amount_won)
    if base_language(language) == "ko":
        return sign + _format_ko(value)
    return sign + _format_en(value)


def _format_ko(value: int) -> str:
    parts: list[str] = []
    rest = value
    for unit, word in KO_UNITS:
        count, rest = divmod(rest, unit)
        if count:
            parts.append(f"{_group(count)}{word}")
    if rest or not parts:
        parts.append(f"{_group(rest)}원")
        return " ".join(parts)
    return " ".join(parts) + " 원"


def _format_en(value: int) -> str:
    for unit, word in EN_UNITS:
        if value >= unit and value % (unit // 1000) == 0:
            return f"{_decimal_text(Decimal(value) / unit, 3)} {word} won"
    return f"{_group(value)} won"


def format_won_short(amount_won: int, language: str, *, words: bool = False) -> str:
    """The amount rounded for a chart label or a compact cell (see the module docstring); with
    ``words``, for a sentence, English writes the unit in full: "595 billion won"."""
    amount_won = int(amount_won)
    sign, value = _sign(amount_won)
    ko = base_language(language) == "ko"
    units = KO_UNITS if ko else EN_UNITS if words else EN_SHORT_UNITS
    # A unit holds values up to the next unit: 10,000 of one Korean unit is one of the next, and
    # 1,000 of one English unit is one of the next.
    ceiling = 10_000 if ko else 1_000
    for index, (unit, word) in enumerate(units):
        if value < unit:
            continue
        quotient = Decimal(value) / unit
        places = max(0, min(2, 3 - len(str(int(quotient)))))
        text = _decimal_text(quotient, places)
        if index > 0 and Decimal(text.replace(",", "")) >= ceiling:
            bigger_unit, bigger_word = units[index - 1]
            text = _decimal_text(Decimal(value) / bigger_unit, 2)
            word = bigger_word
        return f"{sign}{text}{word} 원" if ko else f"{sign}{text} {word} won"
    return f"{sign}{_group(value)}원" if ko else f"{sign}{_group(value)} won"


def format_share(ratio: Decimal | float | int | None, language: str) -> str:
    """A ratio (0.535) as a percentage with one decimal ("53.5%")."""
    if ratio is None:
        return NOT_APPLICABLE[base_language(language)]
    exact = Decimal(str(ratio)) * 100
    percent = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if exact > 0 and percent == 0:
        return "0.1% 미만" if base_language(language) == "ko" else "<0.1%"
    return f"{percent:,f}%"


def share_of(amount_won: int, whole_won: int | None) -> Decimal | None:
    """``amount / whole`` as a Decimal, or ``None`` when there is no whole to share."""
    if not whole_won:
        return None
    return Decimal(int(amount_won)) / Decimal(int(whole_won))


def localized_name(name: str, name_ko: str, language: str) -> str:
    """The Korean name in Korean when there is one, else the English name."""
    if base_language(language) == "ko" and name_ko:
        return name_ko
    return name


def format_quantity(value: Decimal | int | float | None, language: str) -> str:
    """A KPI quantity with thousands separators and no trailing zeros: 10,000 / 0.45."""
    if value is None:
        return NOT_APPLICABLE[base_language(language)]
    number = Decimal(str(value))
    text = f"{number:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text
