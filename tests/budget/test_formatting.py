"""Money, share and name formatting (budget/formatting.py) and the template filters over it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from budget.formatting import (
    base_language,
    format_number,
    format_quantity,
    format_share,
    format_value,
    format_won,
    format_won_exact,
    format_won_short,
    localized_name,
    share_of,
    unit_decimals,
    unit_label,
)

TRILLION = 10**12
BILLION = 10**9
MILLION = 10**6
EOK = 10**8  # 억
MAN = 10**4  # 만


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        # the document's own figures
        (10_100_000_000_000, "10조 1,000억 원"),
        (5_400_000_000_000, "5조 4,000억 원"),
        (800_000_000_000, "8,000억 원"),
        (700_000_000_000, "7,000억 원"),
        (5_500_000_000, "55억 원"),
        (220_000_000, "2억 2,000만 원"),
        # exact round units
        (0, "0원"),
        (1, "1원"),
        (MAN, "1만 원"),
        (EOK, "1억 원"),
        (TRILLION, "1조 원"),
        (TRILLION + MAN, "1조 1만 원"),
        # non-round amounts are written exactly, every group kept
        (12_345, "1만 2,345원"),
        (9_999, "9,999원"),
        (1_234_567_890_123, "1조 2,345억 6,789만 123원"),
        (465_720_000_000, "4,657억 2,000만 원"),
        (3_065_720_000_000, "3조 657억 2,000만 원"),
        # huge
        (10**20, "100,000,000조 원"),
        (12_345_678 * TRILLION, "12,345,678조 원"),
        # negative (a difference)
        (-100 * BILLION, "-1,000억 원"),
        (-1, "-1원"),
    ],
)
def test_format_won_exact_korean(amount: int, expected: str) -> None:
    assert format_won_exact(amount, "ko") == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (10_100_000_000_000, "10.1 trillion won"),
        (5_400_000_000_000, "5.4 trillion won"),
        (800_000_000_000, "800 billion won"),
        (5_500_000_000, "5.5 billion won"),
        (220_000_000, "220 million won"),
        (12_345, "12,345 won"),
        (0, "0 won"),
        (1, "1 won"),
        (999_999, "999,999 won"),
        (MILLION, "1 million won"),
        (BILLION, "1 billion won"),
        (TRILLION, "1 trillion won"),
        (1_350_000_000_000, "1.35 trillion won"),
        (3_065_720_000_000, "3,065.72 billion won"),
        # exact: up to three decimals of the largest unit that allows it, else a smaller unit
        (1_234_567_000, "1,234.567 million won"),
        (999_999_000_000, "999.999 billion won"),
        (1_000_500_000_000, "1,000.5 billion won"),
        # nothing fits: every won
        (1_234_567_890_123, "1,234,567,890,123 won"),
        (1_000_001, "1,000,001 won"),
        # huge
        (10**20, "100,000,000 trillion won"),
        (-100 * BILLION, "-100 billion won"),
    ],
)
def test_format_won_exact_english(amount: int, expected: str) -> None:
    assert format_won_exact(amount, "en") == expected


@pytest.mark.parametrize(
    ("amount", "ko", "en"),
    [
        # the figures: reading precision, never every won
        (1_166_794_520_547, "1조 1,668억 원", "1.17 trillion won"),
        (6_080_000_000_000, "6조 800억 원", "6.08 trillion won"),
        (10_100_000_000_000, "10조 1,000억 원", "10.1 trillion won"),
        (1_259_999_999_999, "1조 2,600억 원", "1.26 trillion won"),
        (568_438_356_162, "5,684억 원", "568 billion won"),
        (800_000_000_000, "8,000억 원", "800 billion won"),
        (5_500_000_000, "55억 원", "5.5 billion won"),
        (220_000_000, "2억 2,000만 원", "220 million won"),
        (123_456_789, "1억 2,346만 원", "123 million won"),
        (12_345, "1만 2,345원", "12,345 won"),
        (0, "0원", "0 won"),
        # rounding carries into the next unit
        (999_999_990_000, "1조 원", "1 trillion won"),
        (999_999_000_000, "1조 원", "1 trillion won"),
        (3_065_720_000_000, "3조 657억 원", "3.07 trillion won"),
        (10**20, "100,000,000조 원", "100,000,000 trillion won"),
        (-465_720_000_000, "-4,657억 원", "-466 billion won"),
    ],
)
def test_format_won_reading(amount: int, ko: str, en: str) -> None:
    assert format_won(amount, "ko") == ko
    assert format_won(amount, "en") == en
    # one rule on every screen: the compact form is the same
    assert format_won_short(amount, "ko") == ko
    assert format_won_short(amount, "en") == en


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "ko", "en"),
    [
        ("2.80287474332648870636550308", "% capacity increase", None, "2.8", "2.8"),
        ("3330.291970802919708029", "GPUs", None, "3,330", "3,330"),
        ("0.45", "ratio (private:public)", None, "0.5", "0.5"),
        ("0.45", "ratio (private:public)", 2, "0.45", "0.45"),
        (2_100_000_000_000, "won", None, "2조 1,000억 원", "2.1 trillion won"),
        ("25.0000", "persons", None, "25", "25"),
        (None, "persons", None, "-", "-"),
    ],
)
def test_format_value_at_the_kpi_precision(value, unit, decimals, ko, en) -> None:  # type: ignore[no-untyped-def]
    assert format_value(value, "ko", unit=unit, decimals=decimals) == ko
    assert format_value(value, "en", unit=unit, decimals=decimals) == en


def test_unit_glossary_and_default_decimals() -> None:
    assert unit_label("persons", "ko") == "명"
    assert unit_label("GPUs", "ko") == "GPU(개)"
    assert unit_label("GPUs", "en") == "GPUs"
    assert unit_label("furlongs", "ko") == "furlongs"
    assert unit_decimals("persons") == 0
    assert unit_decimals("% energy reduction") == 1
    assert format_number("3330.29", "en") == "3,330"
    assert format_number("26.44", "en") == "26.4"
    assert format_number("2.8028", "en") == "2.8"


def test_language_variants_and_unknown_language() -> None:
    assert base_language("ko-kr") == "ko"
    assert base_language("ko_KR") == "ko"
    assert base_language("en-gb") == "en"
    assert base_language(None) == "en"
    assert format_won(220_000_000, "ko-kr") == "2억 2,000만 원"
    assert format_won(220_000_000, "fr") == "220 million won"


@pytest.mark.parametrize(
    ("ratio", "ko", "en"),
    [
        (Decimal(54) / Decimal(101), "53.5%", "53.5%"),
        (Decimal(14) / Decimal(101), "13.9%", "13.9%"),
        (Decimal(26) / Decimal(101), "25.7%", "25.7%"),
        (Decimal(7) / Decimal(101), "6.9%", "6.9%"),
        (0.535, "53.5%", "53.5%"),
        (Decimal("0.0005"), "0.1%", "0.1%"),  # rounded half up
        (Decimal("0.00049"), "0.1% 미만", "<0.1%"),  # small, but not nothing
        (0, "0.0%", "0.0%"),
        (1, "100.0%", "100.0%"),
        (Decimal("1.1791"), "117.9%", "117.9%"),
        (None, "해당 없음", "n/a"),
    ],
)
def test_format_share(ratio: Decimal | float | None, ko: str, en: str) -> None:
    assert format_share(ratio, "ko") == ko
    assert format_share(ratio, "en") == en


def test_share_of() -> None:
    assert share_of(54, 101) == Decimal(54) / Decimal(101)
    assert share_of(5, 0) is None
    assert share_of(0, 10) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10000.0000"), "10,000"),
        (Decimal("0.4500"), "0.45"),
        (Decimal("0.0000"), "0"),
        (Decimal("3"), "3"),
        (2100000000000, "2,100,000,000,000"),  # a count, not money: every digit
    ],
)
def test_format_quantity(value: Decimal | int, expected: str) -> None:
    assert format_quantity(value, "en") == expected


def test_localized_name() -> None:
    assert localized_name("AI budget", "AI 예산", "ko") == "AI 예산"
    assert localized_name("AI budget", "", "ko") == "AI budget"
    assert localized_name("AI budget", "AI 예산", "en") == "AI budget"


def _render(source: str, **context: object) -> str:
    return Template("{% load money %}" + source).render(Context(context))


def test_filters_follow_the_active_language() -> None:
    source = "{{ amount|won }}|{{ amount|won_text }}|{{ ratio|share }}|{{ thing|local_name }}"

    class Thing:
        name = "Computing"
        name_ko = "컴퓨팅"

    with translation.override("ko"):
        assert _render(source, amount=10_100_000_000_001, ratio=0.535, thing=Thing()) == (
            '<span class="amount" title="10조 1,000억 1원">10조 1,000억 원</span>|10조 1,000억 원'
            "|53.5%|컴퓨팅"
        )
    with translation.override("en"):
        assert _render(source, amount=10_100_000_000_000, ratio=0.535, thing=Thing()) == (
            '<span class="amount">10.1 trillion won</span>|10.1 trillion won|53.5%|Computing'
        )


def test_difference_and_ratio_filters() -> None:
    with translation.override("ko"):
        assert _render("{{ a|won_difference:b }}", a=1_400_000_000_000, b=900_000_000_000) == (
            '<span class="amount">+5,000억 원</span>'
        )
        assert _render("{{ a|won_difference:b }}", a=5, b=5) == '<span class="amount">0원</span>'
        assert _render("{{ a|ratio_of:b|share }}", a=1, b=0) == "해당 없음"
    with translation.override("en"):
        assert _render("{{ a|won_difference:b }}", a=0, b=60 * BILLION) == (
            '<span class="amount">-60 billion won</span>'
        )
        assert _render("{{ a|ratio_of:b|share }}", a=240, b=300) == "80.0%"


def test_short_form_in_words_for_sentences():
    from budget.formatting import format_won_short

    assert format_won_short(595_068_493_151, "en", words=True) == "595 billion won"
    assert format_won_short(10_100_000_000_000, "en", words=True) == "10.1 trillion won"
    assert format_won_short(595_068_493_151, "ko", words=True) == "5,951억 원"
    assert format_won_short(595_068_493_151, "en") == "595 billion won"


def test_a_money_kpi_writes_its_unit_once() -> None:
    """A value of a KPI measured in won is already an amount: no second "won" after it."""
    from kpis.models import KPI

    money = KPI(unit="won", target=Decimal("2100000000000"))
    gpus = KPI(unit="GPUs", target=Decimal("10000"))
    template = Template("{% load money %}{{ k.target|kpi_value:k }} {{ k|kpi_unit }}")
    with translation.override("en"):
        assert template.render(Context({"k": money})).strip() == "2.1 trillion won"
        assert template.render(Context({"k": gpus})).strip() == "10,000 GPUs"
