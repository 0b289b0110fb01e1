"""Explanations: every status carries a message key and JSON-friendly parameters, rendered
in Korean or English by :func:`render_explanation`; and the JSON form (``as_dict``) of results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Self

from django.utils.translation import gettext, gettext_noop, override

from budget.formatting import base_language, format_won, format_won_short
from budget.formatting import format_number as _format_number
from status.rules.arithmetic import Number, _dec, _to_decimal
from status.rules.inputs import STATUSES


def _jsonable(value: Any) -> Any:
    if isinstance(value, Explanation):
        return value.as_dict()
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


class _AsDict:
    """Base of the rules' results (frozen dataclasses without ``__post_init__``)."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (see the ``status.rules`` docstring)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def _of(cls, state: dict[str, Any]) -> Self:
        """``cls(**state)`` for ``state`` giving every field, in field order (checked), at a
        fraction of the cost: a frozen dataclass's ``__init__`` sets each field through
        ``object.__setattr__``, and the engine builds tens of thousands of results."""
        if tuple(state) != _field_names(cls):
            raise TypeError(f"{cls.__name__}: the fields in order are {_field_names(cls)}")
        result = object.__new__(cls)
        result.__dict__.update(state)
        return result


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


MESSAGES: dict[str, str] = {
    "not_started_before_start": gettext_noop("Not started: the programme starts on %(start)s."),
    "not_started_nothing_due": gettext_noop(
        "Not started: the first report is due on %(due_date)s."
    ),
    "no_data": gettext_noop(
        "No data: the first report was due on %(due_date)s and no value is approved."
    ),
    "achieved": gettext_noop("Target %(target)s reached: actual %(actual)s on %(date)s."),
    "achieved_annual": gettext_noop(
        "Target %(target)s for %(year)s reached: actual %(actual)s by %(date)s."
    ),
    "progress": gettext_noop(
        "Expected %(expected)s by %(date)s, actual %(actual)s: %(ratio)s of expected progress."
    ),
    "budget_progress": gettext_noop(
        "Executed %(executed)s of %(allocated)s by %(date)s (%(rate)s), with %(expected_share)s "
        "of the year elapsed: %(ratio)s of the expected pace."
    ),
    "budget_over_executed": gettext_noop(
        "Executed %(executed)s by %(date)s, more than the %(allocated)s allocated (%(rate)s)."
    ),
    "budget_nothing_allocated": gettext_noop(
        "Nothing allocated: %(executed)s executed by %(date)s."
    ),
    "budget_no_periods": gettext_noop(
        "Not started: no reporting period of the programme falls in %(year)s."
    ),
    "budget_no_data": gettext_noop(
        "No data: no report for %(year)s is approved, though the first was due on %(due_date)s."
    ),
    "program_no_kpis": gettext_noop("No KPI: the programme has no KPI."),
    "program_not_started": gettext_noop("Not started: none of its %(total)s KPIs has started."),
    "program_summary": gettext_noop(
        "%(assessed)s of %(total)s KPIs under way: %(achieved)s achieved, %(on_track)s on track, "
        "%(at_risk)s at risk, %(off_track)s off track, %(no_data)s without data."
    ),
    "node_no_programs": gettext_noop("Not started: no programme lies beneath."),
    "node_no_kpi": gettext_noop("No KPI: none of the %(total)s programmes beneath has a KPI."),
    "node_not_started": gettext_noop(
        "Not started: none of the %(total)s programmes beneath has started."
    ),
    "node_summary": gettext_noop(
        "%(assessed)s of %(total)s programmes under way: %(achieved)s achieved, %(on_track)s on "
        "track, %(at_risk)s at risk, %(off_track)s off track, %(no_data)s without data."
    ),
    "node_summary_no_kpi": gettext_noop(
        "%(assessed)s of %(total)s programmes under way: %(achieved)s achieved, %(on_track)s on "
        "track, %(at_risk)s at risk, %(off_track)s off track, %(no_data)s without data; "
        "%(no_kpi)s without KPIs."
    ),
}

NUMBER_PARAMS = frozenset({"expected", "actual", "target"})
PERCENT_PARAMS = frozenset({"ratio", "rate", "expected_share"})
DATE_PARAMS = frozenset({"date", "due_date", "start"})
MONEY_PARAMS = frozenset({"executed", "allocated"})
COUNT_PARAMS = frozenset({"total", "assessed", *STATUSES})
PLAIN_PARAMS = frozenset({"year"})

EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Explanation:
    """A message key (of :data:`MESSAGES`) and its parameters, JSON-friendly, language-free."""

    key: str
    params: Mapping[str, str | int | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Explanation:
        return cls(key=data["key"], params=dict(data.get("params") or {}))


def _explain(key: str, **params: Any) -> Explanation:
    """The explanation ``key`` with its parameters made JSON-friendly: numbers (Decimal, Fraction)
    as strings, dates as ISO strings, the rest as given."""
    if key not in MESSAGES:
        raise KeyError(f"unknown explanation key {key!r}")
    for name, value in params.items():  # in place: ``params`` is this call's own dict
        kind = type(value)
        if kind is Decimal:
            params[name] = str(value)
        elif kind is date:
            params[name] = value.isoformat()
        elif kind is not int and kind is not str and value is not None:
            params[name] = _clean_param(value)
    # Explanation(key, params), without the frozen dataclass's setattr per field
    explanation = object.__new__(Explanation)
    explanation.__dict__.update(key=key, params=params)
    return explanation


def _clean_param(value: Any) -> str | int | None:
    """:func:`_explain`'s conversion of any other value (subclasses, Fractions)."""
    if isinstance(value, Fraction):
        value = _dec(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def format_number(value: Number, language: str) -> str:
    """At reading precision (``budget.formatting.format_number``): "1,210", "12.5", "2.8"."""
    return _format_number(_to_decimal(value), language)


def format_percent(ratio: Number, language: str) -> str:
    """A ratio as a percentage, at most one decimal (half up): 0.8099 -> "81%", 0.535 -> "53.5%"."""
    percent = (_to_decimal(ratio) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if percent == 0:
        return "0%"
    text = f"{percent:,f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_date(day: date | str, language: str) -> str:
    """ "30 Jun 2026" in English, "2026년 6월 30일" in Korean."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if base_language(language) == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"


def _format_param(name: str, value: Any, language: str, money: bool = False) -> str:
    if value is None:
        return "-"
    if name in NUMBER_PARAMS:
        if money:  # a KPI measured in won: "1.2조 원", "1.2 trillion won"
            whole = _to_decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            return format_won_short(int(whole), language, words=True)
        return format_number(value, language)
    if name in PERCENT_PARAMS:
        return format_percent(value, language)
    if name in DATE_PARAMS:
        return format_date(value, language)
    if name in MONEY_PARAMS:
        return format_won(int(value), language)
    if name in COUNT_PARAMS:
        return f"{int(value):,}"
    return str(value)


def render_explanation(
    explanation: Explanation | Mapping[str, Any], language: str, *, money: bool = False
) -> str:
    """The explanation as one sentence in the language ("ko" or "en"), numbers and dates in its
    conventions; the sentence is the gettext translation of the key's msgid. With ``money`` (a
    KPI measured in won) the KPI's figures read as amounts: "1.2조 원", "1.2 trillion won"."""
    if not isinstance(explanation, Explanation):
        explanation = Explanation.from_dict(explanation)
    try:
        msgid = MESSAGES[explanation.key]
    except KeyError:
        raise KeyError(f"unknown explanation key {explanation.key!r}") from None
    lang = base_language(language)
    with override(lang):
        template = gettext(msgid)
    values = {
        name: _format_param(name, value, lang, money) for name, value in explanation.params.items()
    }
    return template % values
