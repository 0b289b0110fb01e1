"""The budget file (its format is described in docs/formats.md): the errors it can have and its
JSON Schema.

The schema (Draft 2020-12, unknown keys are errors) checks shapes and types; the checks a schema
cannot express live in :mod:`budget.checks`, the typed tree the loader reads in
:mod:`budget.spec` (whose :func:`budget.spec.parse_budget` is the one entry point for checking),
and reading and writing YAML/JSON text in :mod:`budget.io`.

Every error is collected with the key path it was found at, such as
``nodes[0].children[2].program.kpis[1].target_date``, and translated here into plain words.
"""

from __future__ import annotations

import datetime
import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jsonschema import Draft202012Validator, ValidationError, validators

from budget.models import COFOG, AIComponent
from kpis.kinds import KINDS
from kpis.models import Direction, RevisionReason
from programs.models import Frequency

# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetError:
    """One problem in a budget file: where (a key path, or ``line N`` for a syntax error; empty
    when the problem has no place in the file) and why."""

    path: str
    reason: str

    def format(self, source: str) -> str:
        """``SOURCE: key.path: reason`` (``SOURCE: reason`` when there is no path)."""
        parts = [part for part in (source, self.path) if part]
        return ": ".join([*parts, self.reason])


class BudgetFileError(Exception):
    """A budget file that cannot be loaded, with every error found. Nothing was saved."""

    def __init__(self, errors: Sequence[BudgetError], *, source: str = "") -> None:
        self.errors = list(errors)
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [error.format(self.source) for error in self.errors]

    def summary(self) -> str:
        count = len(self.errors)
        return ngettext(
            "%(count)d error in %(source)s; nothing was saved.",
            "%(count)d errors in %(source)s; nothing was saved.",
            count,
        ) % {"count": count, "source": self.source or _("the budget file")}


# --------------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------------

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
MAX_WON = 2**63 - 1  # BigIntegerField
VALUE_MAX_DECIMAL_PLACES = 4  # kpis.models.VALUE_DIGITS
VALUE_MAX_INTEGER_DIGITS = 20
PATH_WIDTH = 4  # digits per level of BudgetNode.path
MAX_SIBLINGS = 10**PATH_WIDTH - 1
MAX_DEPTH = 1000 // (PATH_WIDTH + 1)  # BudgetNode.path has max_length 1000
DATE_FIELDS = frozenset({"start", "end", "target_date", "date"})


def _string(max_length: int | None = None, *, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if required:
        schema["minLength"] = 1
    if max_length:
        schema["maxLength"] = max_length
    return schema


def _code(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": CODE_PATTERN}


def _enum(choices: Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(choices)}


_DATE = {"type": "string", "pattern": DATE_PATTERN, "format": "date"}
_AMOUNT = {"type": "integer", "minimum": 0, "maximum": MAX_WON}
_THRESHOLD = {"type": "number", "minimum": 0, "maximum": 1}

BUDGET_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:ai-budget-tracker:budget-file",
    "title": "Budget file (docs/formats.md)",
    "description": (
        "A fiscal year's budget tree, its ministries, programmes and KPIs. Dates are YYYY-MM-DD "
        "(YAML dates are turned into that form before validation); amounts are whole won."
    ),
    "type": "object",
    "additionalProperties": False,
    "required": ["fiscal_year", "currency", "title", "ministries", "nodes"],
    "properties": {
        "fiscal_year": {"type": "integer", "minimum": 1900, "maximum": 9999},
        "currency": {"type": "string", "pattern": CURRENCY_PATTERN},
        "title": _string(200, required=True),
        "title_ko": _string(200),
        "ministries": {"type": "array", "items": {"$ref": "#/$defs/ministry"}},
        "nodes": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/node"}},
    },
    "$defs": {
        "ministry": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "name"],
            "properties": {
                "code": _code(20),
                "name": _string(200, required=True),
                "name_ko": _string(200),
            },
        },
        "node": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "name", "amount_won"],
            "properties": {
                "code": _code(50),
                "name": _string(300, required=True),
                "name_ko": _string(300),
                "amount_won": _AMOUNT,
                "source_text": _string(),
                "conflicts": {"type": "array", "items": {"$ref": "#/$defs/conflict"}},
                "cofog": _enum(COFOG.values),
                "ai_component": _enum(AIComponent.values),
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                "program": {"$ref": "#/$defs/program"},
            },
        },
        "conflict": {
            "type": "object",
            "additionalProperties": False,
            "required": ["amount_won"],
            "properties": {"amount_won": _AMOUNT, "source_text": _string()},
        },
        "program": {
            "type": "object",
            "additionalProperties": False,
            "required": ["ministry", "start", "end", "frequency"],
            "properties": {
                "ministry": _code(20),
                "owner_assumed": {"type": "boolean"},
                "start": _DATE,
                "end": _DATE,
                "frequency": _enum(Frequency.values),
                "kpis": {"type": "array", "items": {"$ref": "#/$defs/kpi"}},
            },
        },
        "kpi": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "code",
                "name",
                "unit",
                "kind",
                "direction",
                "baseline",
                "target",
                "target_date",
            ],
            "properties": {
                "code": _code(50),
                "name": _string(300, required=True),
                "name_ko": _string(300),
                "unit": _string(50, required=True),
                "kind": _enum(list(KINDS)),
                "direction": _enum(Direction.values),
                "baseline": {"type": "number"},
                "target": {"type": "number"},
                "target_text": _string(300),
                "target_date": _DATE,
                "grace_days": {"type": "integer", "minimum": 0, "maximum": 32767},
                "thresholds": {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {"on_track": _THRESHOLD, "at_risk": _THRESHOLD},
                },
                "milestones": {"type": "array", "items": {"$ref": "#/$defs/milestone"}},
                "source_text": _string(),
                "revision": {"$ref": "#/$defs/revision"},
            },
        },
        "revision": {
            "type": "object",
            "additionalProperties": False,
            "required": ["reason"],
            "properties": {
                "reason": _enum(RevisionReason.values),
                "note": _string(),
            },
        },
        "milestone": {
            "type": "object",
            "additionalProperties": False,
            "required": ["date", "value"],
            "properties": {"date": _DATE, "value": {"type": "number"}},
        },
    },
}


def _is_integer(checker: object, instance: object) -> bool:
    """Only a real integer is an integer: not ``true``, not ``1.0``."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _is_number(checker: object, instance: object) -> bool:
    return isinstance(instance, int | float | Decimal) and not isinstance(instance, bool)


BudgetValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number}
    ),
)
Draft202012Validator.check_schema(BUDGET_SCHEMA)
_VALIDATOR = BudgetValidator(BUDGET_SCHEMA)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

PathParts = tuple[str | int, ...]


def format_key_path(parts: Iterable[str | int]) -> str:
    """``("nodes", 0, "program", "kpis", 1, "code")`` -> ``nodes[0].program.kpis[1].code``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _show(value: object) -> str:
    """A value as it would be written in the file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, Mapping):
        return "{...}"
    if isinstance(value, list | tuple):
        return "[...]"
    return str(value)


def _describe(value: object) -> str:
    """A value and what it is: ``"100" (text)``, ``1.5 (a decimal number)``."""
    if isinstance(value, bool):
        kind = _("true/false")
    elif isinstance(value, int):
        kind = _("a whole number")
    elif isinstance(value, float | Decimal):
        kind = _("a decimal number")
    elif isinstance(value, str):
        kind = _("text")
    elif isinstance(value, datetime.datetime):
        kind = _("a date and time")
    elif isinstance(value, datetime.date):
        kind = _("a date")
    elif isinstance(value, Mapping):
        kind = _("a mapping")
    elif isinstance(value, list | tuple):
        kind = _("a list")
    elif value is None:
        return _("nothing (null)")
    else:
        kind = type(value).__name__
    return f"{_show(value)} ({kind})"


def _expected(type_names: str | list[str], key: object) -> str:
    names = [type_names] if isinstance(type_names, str) else list(type_names)
    labels = {
        "integer": _("a whole number"),
        "number": _("a number"),
        "string": _("a date YYYY-MM-DD") if key in DATE_FIELDS else _("text"),
        "boolean": _("true or false"),
        "array": _("a list"),
        "object": _("a mapping (key: value)"),
        "null": _("nothing (null)"),
    }
    return _(" or ").join(labels.get(name, name) for name in names)


def _schema_error_to_budget_errors(error: ValidationError) -> list[tuple[PathParts, str, str]]:
    """One jsonschema error as (path, reason, validator) triples, in plain words."""
    parts: PathParts = tuple(error.absolute_path)
    key = parts[-1] if parts else None
    instance: Any = error.instance
    validator = str(error.validator)
    value: Any = error.validator_value
    schema: Any = error.schema

    if validator == "required" and isinstance(instance, Mapping):
        return [
            ((*parts, name), _("missing required field"), validator)
            for name in value
            if name not in instance
        ]
    if validator == "additionalProperties" and isinstance(instance, Mapping):
        known = list(schema.get("properties", {}))
        result = []
        for name in instance:
            if name in known:
                continue
            close = difflib.get_close_matches(str(name), known, n=1)
            reason = (
                _('unknown key (did you mean "%(suggestion)s"?)') % {"suggestion": close[0]}
                if close
                else _("unknown key; allowed here: %(keys)s") % {"keys": ", ".join(known)}
            )
            result.append(((*parts, str(name)), reason, validator))
        return result
    if validator == "type":
        if key in ("amount_won",):
            reason = _("amount must be a whole number of won, got %(got)s") % {
                "got": _describe(instance)
            }
        elif key in DATE_FIELDS and isinstance(instance, datetime.datetime):
            reason = _("expected a date YYYY-MM-DD, got a date and time %(value)s") % {
                "value": instance.isoformat()
            }
        else:
            reason = _("wrong type: expected %(expected)s, got %(got)s") % {
                "expected": _expected(value, key),
                "got": _describe(instance),
            }
            if key == "cofog" and isinstance(instance, int):
                reason += " " + _('(write the division in quotes, e.g. "07")')
        return [(parts, reason, validator)]
    if validator == "enum":
        reason = _("unknown value %(value)s: expected one of %(choices)s") % {
            "value": _show(instance),
            "choices": ", ".join(str(choice) for choice in value),
        }
        return [(parts, reason, validator)]
    if validator == "minimum":
        if key == "amount_won":
            reason = _("amount must not be negative, got %(value)s") % {"value": _show(instance)}
        elif key in ("on_track", "at_risk"):
            reason = _("a threshold must be between 0 and 1, got %(value)s") % {
                "value": _show(instance)
            }
        else:
            reason = _("must be at least %(limit)s, got %(value)s") % {
                "limit": value,
                "value": _show(instance),
            }
        return [(parts, reason, validator)]
    if validator == "maximum":
        if key in ("on_track", "at_risk"):
            reason = _("a threshold must be between 0 and 1, got %(value)s") % {
                "value": _show(instance)
            }
        else:
            reason = _("must be at most %(limit)s, got %(value)s") % {
                "limit": value,
                "value": _show(instance),
            }
        return [(parts, reason, validator)]
    if validator == "minLength":
        return [(parts, _("must not be empty"), validator)]
    if validator == "maxLength":
        reason = _("too long: %(length)d characters, at most %(limit)d") % {
            "length": len(instance),
            "limit": value,
        }
        return [(parts, reason, validator)]
    if validator == "pattern":
        if value == CODE_PATTERN:
            reason = _(
                "invalid code %(value)s: use letters, digits, '.', '_' and '-', "
                "starting with a letter or digit"
            ) % {"value": _show(instance)}
        elif value == DATE_PATTERN:
            reason = _("not a date: expected YYYY-MM-DD, got %(value)s") % {
                "value": _show(instance)
            }
        elif value == CURRENCY_PATTERN:
            reason = _("expected a three-letter currency code such as KRW, got %(value)s") % {
                "value": _show(instance)
            }
        else:
            reason = _("does not match %(pattern)s, got %(value)s") % {
                "pattern": value,
                "value": _show(instance),
            }
        return [(parts, reason, validator)]
    if validator == "minItems":
        return [(parts, _("must not be empty"), validator)]
    if validator == "minProperties":
        return [(parts, _("give on_track, at_risk or both"), validator)]
    return [(parts, error.message, validator)]
