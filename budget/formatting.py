"""How amounts of money, numbers, units, shares and names are written, in Korean and English: the
one place. Every page, chart, sentence, briefing and people's export writes numbers through here.

The reading rule, :func:`format_won` (what every page shows; the exact figure goes in a tooltip and
in exports):

- Korean rounds half up to whole 억 from 10억 up, to whole 만 from 1억 up:
  1,166,794,520,547 -> "1조 1,668억 원", 6,080,000,000,000 -> "6조 800억 원",
  568,438,356,162 -> "5,684억 원", 220,000,000 -> "2억 2,000만 원", 12,345 -> "1만 2,345원".
- English writes three significant digits of the largest of trillion, billion and million:
  1,166,794,520,547 -> "1.17 trillion won", 10,100,000,000,000 -> "10.1 trillion won",
  568,438,356,162 -> "568 billion won"; below a million, every won: "12,345 won".

:func:`format_won_short` is the same rule (kept for callers that asked for a compact label: one
screen never mixes "6.08조 원" and "6조 800억 원"). :func:`format_won_exact` is the exact form
below.

KPI values, :func:`format_value`, are rounded to the KPI's decimals (:func:`unit_decimals` gives
the default from the unit: 0 for counts, 1 for percentages and ratios); a value in won reads as an
amount. Units of the budget file are translated by :data:`UNIT_GLOSSARY` (:func:`unit_label`).

Pure functions, no database, no active-language lookups (the caller passes the language; the
template filters in ``budget/templatetags/money.py`` pass the active one).

Conventions (tested in tests/budget/test_formatting.py):

Exact form, :func:`format_won_exact`, is EXACT: it never rounds, so a one-won mismatch between a
parent and its children stays visible (tooltips, exports, reconciliation).

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


def format_won_exact(amount_won: int, language: str) -> str:
    """The exact amount in words of the language (for tooltips, exports and reconciliation)."""
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


def format_won(amount_won: int, language: str) -> str:
    """The amount at reading precision (see the module docstring): "1조 1,668억 원",
    "1.17 trillion won"."""
    amount_won = int(amount_won)
    sign, value = _sign(amount_won)
    if base_language(language) == "ko":
        # 억 from 10억 up (so from 1조 the groups are 조 and 억), 만 from 1억 up, else exact.
        step = 10**8 if value >= 10**9 else 10**4 if value >= 10**8 else 1
        value = (value + step // 2) // step * step
        return (sign if value else "") + _format_ko(value)
    for unit, word in EN_UNITS:
        if value < unit:
            continue
        quotient = Decimal(value) / unit
        places = max(0, min(2, 3 - len(str(int(quotient)))))
        text = _decimal_text(quotient, places)
        if unit != EN_UNITS[0][0] and Decimal(text.replace(",", "")) >= 1000:
            bigger = EN_UNITS[EN_UNITS.index((unit, word)) - 1]
            unit, word = bigger
            text = _decimal_text(Decimal(value) / unit, 2)
        return f"{sign}{text} {word} won"
    return f"{sign}{_group(value)} won"


def format_won_short(amount_won: int, language: str, *, words: bool = True) -> str:
    """The same as :func:`format_won` (one rule on every screen); ``words`` is accepted for old
    callers."""
    return format_won(amount_won, language)


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


def format_number(
    value: Decimal | int | float | str, language: str, decimals: int | None = None
) -> str:
    """A number at reading precision: ``decimals`` places when given, else two below 10, one
    below 100 and none from 100 ("3,330", "26.4", "2.8"); half up, thousands grouped, trailing
    zeros cut."""
    number = Decimal(str(value))
    if decimals is None:
        magnitude = abs(number)
        decimals = 2 if magnitude < 10 else 1 if magnitude < 100 else 0
    text = _decimal_text(number, decimals)
    return "0" if text in {"-0", ""} else text


def format_quantity(value: Decimal | int | float | None, language: str) -> str:
    """A KPI quantity at reading precision (:func:`format_number`); "n/a" for ``None``."""
    if value is None:
        return NOT_APPLICABLE[base_language(language)]
    return format_number(value, language)


# The units of the budget file, in Korean (English keeps the unit as written). A unit not listed
# is shown as written.
UNIT_GLOSSARY: dict[str, str] = {
    "gpus": "GPU(개)",
    "persons": "명",
    "people": "명",
    "phds": "박사(명)",
    "teachers": "교사(명)",
    "schools": "개교",
    "fellowships": "펠로우십(건)",
    "ai applications": "AI 응용 서비스(건)",
    "applications": "신청(건)",
    "tbps": "Tbps",
    "%": "%",
    "% capacity increase": "% (용량 증가율)",
    "% energy reduction": "% (에너지 절감률)",
    "% productivity increase": "% (생산성 향상률)",
    "ratio (private:public)": "배율 (민간:공공)",
    "ratio": "배율",
    "won": "원",
    "krw": "원",
}
MONEY_UNITS = frozenset({"won", "krw", "원"})
# Counts are whole; percentages and ratios read with one decimal.
_COUNT_UNITS = frozenset(
    {
        "gpus",
        "persons",
        "people",
        "phds",
        "teachers",
        "schools",
        "fellowships",
        "ai applications",
        "applications",
        "won",
        "krw",
        "원",
    }
)


# Units that count people or things, for which a cost per unit of result (won per PhD, per person
# trained, per AI application) means something: the counts above other than money, and any unit
# ending in a Korean counter (명, 개, 건, 개교, 곳, 대; also inside the glossary's brackets,
# "박사(명)"). The budget review reads it (docs/review.md).
KO_COUNTERS: tuple[str, ...] = ("명", "개", "건", "개교", "곳", "대")


def counts_things(unit: str) -> bool:
    """Whether a KPI measured in ``unit`` counts people or things ("persons", "PhDs", "GPUs",
    "applications", "명", "신청(건)"); money, percentages and ratios do not."""
    key = unit.strip().lower()
    if not key or key in MONEY_UNITS:
        return False
    if key in _COUNT_UNITS:
        return True
    return key.rstrip(")").endswith(KO_COUNTERS)


def unit_label(unit: str, language: str) -> str:
    """The unit in the language: "persons" -> "명" in Korean; as written otherwise."""
    if base_language(language) == "ko":
        return UNIT_GLOSSARY.get(unit.strip().lower(), unit)
    return unit


def unit_decimals(unit: str) -> int:
    """The default decimals of a KPI measured in ``unit``: 0 for counts and money, 1 for
    percentages, ratios and anything else."""
    key = unit.strip().lower()
    if key in _COUNT_UNITS:
        return 0
    return 1


def format_value(
    value: Decimal | int | float | str | None,
    language: str,
    *,
    unit: str = "",
    decimals: int | None = None,
) -> str:
    """A KPI value at the KPI's precision: an amount in won reads as money ("1조 1,668억 원"),
    anything else is rounded to ``decimals`` (default :func:`unit_decimals`)."""
    if value is None or value == "":
        return "-"
    if unit.strip().lower() in MONEY_UNITS:
        whole = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return format_won(int(whole), language)
    places = unit_decimals(unit) if decimals is None else decimals
    return format_number(value, language, places)
