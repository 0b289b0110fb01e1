"""The budget file (domain.md 4.1): reading it, its JSON Schema, and the checks a schema cannot
express.

The one entry point for checking is :func:`parse_budget`: it runs the schema (Draft 2020-12, unknown
keys are errors) and the semantic checks (duplicate codes, unknown ministries, impossible dates,
date order, thresholds, exact numbers), collects *every* error with the key path it was found at,
such as ``nodes[0].children[2].program.kpis[1].target_date``, and either raises
:class:`BudgetFileError` or returns the file as a typed :class:`BudgetSpec` tree (dates as
``date``, numbers as exact ``Decimal``) for the loader.

:func:`read_budget_file` reads a YAML (or ``.json``) file into plain data, naming the line of a
syntax error; :func:`dump_budget` writes the structure back as YAML or JSON.

Dates may be YAML dates or strings ``YYYY-MM-DD``. Amounts are whole won (``int``; ``1.5``,
``"100"`` and ``true`` are refused). Baselines, targets, milestone values and thresholds are ``int``
or decimal numbers, kept exact: the YAML reader turns decimal scalars straight into ``Decimal``.
"""

from __future__ import annotations

import datetime
import difflib
import json
import math
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from jsonschema import Draft202012Validator, ValidationError, validators

from budget.models import COFOG, AIComponent
from kpis.models import Direction, KPIKind
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
DEFAULT_GRACE_DAYS = 30
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
    "title": "Budget file (domain.md 4.1)",
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
                "kind": _enum(KPIKind.values),
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
# The typed result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinistrySpec:
    code: str
    name: str
    name_ko: str
    key_path: str


@dataclass(frozen=True)
class ConflictSpec:
    amount_won: int
    source_text: str
    position: int


@dataclass(frozen=True)
class MilestoneSpec:
    date: datetime.date
    value: Decimal
    key_path: str


@dataclass(frozen=True)
class KPISpec:
    code: str
    name: str
    name_ko: str
    unit: str
    kind: str
    direction: str
    baseline: Decimal
    target: Decimal
    target_text: str
    target_date: datetime.date
    grace_days: int
    on_track_threshold: Decimal | None
    at_risk_threshold: Decimal | None
    source_text: str
    position: int
    milestones: tuple[MilestoneSpec, ...]
    key_path: str


@dataclass(frozen=True)
class ProgramSpec:
    ministry: str
    owner_assumed: bool
    start: datetime.date
    end: datetime.date
    frequency: str
    kpis: tuple[KPISpec, ...]
    key_path: str


@dataclass(frozen=True)
class NodeSpec:
    code: str
    name: str
    name_ko: str
    amount_won: int
    source_text: str
    cofog: str
    ai_component: str
    conflicts: tuple[ConflictSpec, ...]
    program: ProgramSpec | None
    children: tuple[NodeSpec, ...]
    parent_code: str | None
    position: int
    depth: int
    path: str  # materialised path of zero-padded positions: "0000/0001/0003"
    key_path: str  # where it is in the file: "nodes[0].children[1]"


@dataclass(frozen=True)
class BudgetSpec:
    fiscal_year: int
    currency: str
    title: str
    ministries: tuple[MinistrySpec, ...]
    nodes: tuple[NodeSpec, ...] = field(default_factory=tuple)

    def walk(self) -> Iterator[NodeSpec]:
        """Every node, parents before children, in file (tree) order."""
        stack = list(reversed(self.nodes))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def node_path(parent_path: str | None, position: int) -> str:
    """The materialised path of a node: its ancestors' positions and its own, zero-padded, so that
    ordering by path gives tree order."""
    own = f"{position:0{PATH_WIDTH}d}"
    return f"{parent_path}/{own}" if parent_path else own


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


def _normalise(value: Any) -> Any:
    """A copy in which YAML dates are ``YYYY-MM-DD`` strings (date-times stay, to be refused)
    and a ``Decimal`` NaN is a float NaN."""
    if isinstance(value, Mapping):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal) and value.is_nan():
        return float("nan")  # compares quietly (a Decimal NaN raises), refused as not finite
    return value


def _to_decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _parse_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


class _SemanticChecker:
    """The checks the schema cannot express. Runs on the normalised data and skips values the
    schema already refused, so each problem is reported once."""

    def __init__(self, data: Mapping[str, Any], schema_paths: set[PathParts]) -> None:
        self.data = data
        self.schema_paths = schema_paths
        self.errors: list[tuple[PathParts, str]] = []
        self.ministry_codes: set[str] = set()
        self.node_codes: dict[str, PathParts] = {}
        self.kpi_codes: dict[str, PathParts] = {}

    def add(self, parts: PathParts, reason: str) -> None:
        if parts not in self.schema_paths:
            self.errors.append((parts, reason))

    def clean(self, parts: PathParts) -> bool:
        """Whether the schema accepted the value at this path."""
        return parts not in self.schema_paths

    def run(self) -> list[tuple[PathParts, str]]:
        ministries = self.data.get("ministries")
        if isinstance(ministries, list):
            self.check_ministries(ministries)
        nodes = self.data.get("nodes")
        if isinstance(nodes, list):
            self.check_siblings(nodes, ("nodes",), depth=0)
        return self.errors

    def check_ministries(self, ministries: list[Any]) -> None:
        first: dict[str, PathParts] = {}
        for index, ministry in enumerate(ministries):
            if not isinstance(ministry, Mapping):
                continue
            code = ministry.get("code")
            if not isinstance(code, str):
                continue
            here: PathParts = ("ministries", index, "code")
            if code in first:
                self.add(
                    here,
                    _("duplicate ministry code %(code)s (first at %(first)s)")
                    % {"code": _show(code), "first": format_key_path(first[code])},
                )
            else:
                first[code] = here
        self.ministry_codes = set(first)

    def check_siblings(self, nodes: list[Any], parts: PathParts, depth: int) -> None:
        if len(nodes) > MAX_SIBLINGS:
            self.add(parts, _("too many nodes at one level: at most %(limit)d") % {"limit": 9999})
        if depth >= MAX_DEPTH and nodes:
            self.add(parts, _("the tree is too deep: at most %(limit)d levels") % {"limit": 200})
            return
        for index, node in enumerate(nodes):
            if isinstance(node, Mapping):
                self.check_node(node, (*parts, index), depth)

    def check_node(self, node: Mapping[str, Any], parts: PathParts, depth: int) -> None:
        code = node.get("code")
        if isinstance(code, str) and self.clean((*parts, "code")):
            if code in self.node_codes:
                self.add(
                    (*parts, "code"),
                    _("duplicate node code %(code)s (first at %(first)s)")
                    % {"code": _show(code), "first": format_key_path(self.node_codes[code])},
                )
            else:
                self.node_codes[code] = (*parts, "code")
        program = node.get("program")
        if isinstance(program, Mapping):
            self.check_program(program, (*parts, "program"))
        children = node.get("children")
        if isinstance(children, list):
            self.check_siblings(children, (*parts, "children"), depth + 1)

    def date_at(self, mapping: Mapping[str, Any], parts: PathParts) -> datetime.date | None:
        """The date at ``parts`` (its last element a key of ``mapping``), reporting an impossible
        one."""
        value = mapping.get(str(parts[-1]))
        if not isinstance(value, str) or not self.clean(parts):
            return None
        parsed = _parse_date(value)
        if parsed is None:
            self.add(parts, _("impossible date %(value)s: no such day") % {"value": value})
        return parsed

    def check_program(self, program: Mapping[str, Any], parts: PathParts) -> None:
        ministry = program.get("ministry")
        if (
            isinstance(ministry, str)
            and self.clean((*parts, "ministry"))
            and ministry not in self.ministry_codes
        ):
            self.add(
                (*parts, "ministry"),
                _("unknown ministry %(code)s: not listed under ministries")
                % {"code": _show(ministry)},
            )
        start = self.date_at(program, (*parts, "start"))
        end = self.date_at(program, (*parts, "end"))
        if start and end and end < start:
            self.add(
                (*parts, "end"),
                _("end %(end)s is before start %(start)s") % {"end": end, "start": start},
            )
        kpis = program.get("kpis")
        if isinstance(kpis, list):
            for index, kpi in enumerate(kpis):
                if isinstance(kpi, Mapping):
                    self.check_kpi(kpi, (*parts, "kpis", index), start)

    def check_number(self, mapping: Mapping[str, Any], parts: PathParts) -> Decimal | None:
        """An exact, finite number that fits the KPI value columns."""
        value = mapping.get(str(parts[-1]))
        if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
            return None
        if not self.clean(parts):
            return None
        if isinstance(value, float | Decimal) and not (
            math.isfinite(value) if isinstance(value, float) else value.is_finite()
        ):
            self.add(parts, _("must be a finite number, got %(value)s") % {"value": _show(value)})
            return None
        number = _to_decimal(value)
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > VALUE_MAX_DECIMAL_PLACES:
            self.add(
                parts,
                _("at most %(places)d decimal places, got %(value)s")
                % {"places": VALUE_MAX_DECIMAL_PLACES, "value": _show(value)},
            )
            return None
        if abs(number) >= Decimal(10) ** VALUE_MAX_INTEGER_DIGITS:
            self.add(
                parts,
                _("too large: at most %(digits)d digits before the decimal point, got %(value)s")
                % {"digits": VALUE_MAX_INTEGER_DIGITS, "value": _show(value)},
            )
            return None
        return number

    def check_kpi(
        self, kpi: Mapping[str, Any], parts: PathParts, start: datetime.date | None
    ) -> None:
        code = kpi.get("code")
        if isinstance(code, str) and self.clean((*parts, "code")):
            if code in self.kpi_codes:
                self.add(
                    (*parts, "code"),
                    _("duplicate KPI code %(code)s (first at %(first)s)")
                    % {"code": _show(code), "first": format_key_path(self.kpi_codes[code])},
                )
            else:
                self.kpi_codes[code] = (*parts, "code")
        baseline = self.check_number(kpi, (*parts, "baseline"))
        self.check_number(kpi, (*parts, "target"))
        if kpi.get("kind") == KPIKind.ANNUAL and baseline is not None and baseline != 0:
            self.add(
                (*parts, "baseline"),
                _("an annual KPI has baseline 0 (its target repeats every year), got %(value)s")
                % {"value": _show(kpi.get("baseline"))},
            )
        target_date = self.date_at(kpi, (*parts, "target_date"))
        if start and target_date and target_date < start:
            self.add(
                (*parts, "target_date"),
                _("target date %(date)s is before the programme start %(start)s")
                % {"date": target_date, "start": start},
            )
        thresholds = kpi.get("thresholds")
        if isinstance(thresholds, Mapping):
            here: PathParts = (*parts, "thresholds")
            on_track = self.check_number(thresholds, (*here, "on_track"))
            at_risk = self.check_number(thresholds, (*here, "at_risk"))
            if on_track is not None and at_risk is not None and at_risk > on_track:
                self.add(
                    (*here, "at_risk"),
                    _(
                        "the at_risk threshold %(at_risk)s is above the on_track threshold "
                        "%(on_track)s"
                    )
                    % {"at_risk": _show(at_risk), "on_track": _show(on_track)},
                )
        milestones = kpi.get("milestones")
        if isinstance(milestones, list):
            self.check_milestones(milestones, (*parts, "milestones"), start, target_date)

    def check_milestones(
        self,
        milestones: list[Any],
        parts: PathParts,
        start: datetime.date | None,
        target_date: datetime.date | None,
    ) -> None:
        previous: datetime.date | None = None
        seen: set[datetime.date] = set()
        for index, milestone in enumerate(milestones):
            if not isinstance(milestone, Mapping):
                continue
            here: PathParts = (*parts, index)
            self.check_number(milestone, (*here, "value"))
            day = self.date_at(milestone, (*here, "date"))
            if day is None:
                continue
            if day in seen:
                self.add((*here, "date"), _("duplicate milestone date %(date)s") % {"date": day})
            elif previous is not None and day < previous:
                self.add(
                    (*here, "date"),
                    _("milestones must be in date order: %(date)s comes after %(previous)s")
                    % {"date": day, "previous": previous},
                )
            elif start and target_date and not (start <= day <= target_date):
                self.add(
                    (*here, "date"),
                    _(
                        "milestone date %(date)s is outside the programme start %(start)s "
                        "to the target date %(target_date)s"
                    )
                    % {"date": day, "start": start, "target_date": target_date},
                )
            seen.add(day)
            previous = day if previous is None else max(previous, day)


def _document_order(data: Any, parts: PathParts) -> tuple[tuple[int, str], ...]:
    """A sort key putting key paths in the order they appear in the file (a missing key after the
    keys that are there)."""
    key: list[tuple[int, str]] = []
    value = data
    for part in parts:
        if isinstance(part, int):
            key.append((part, ""))
            value = value[part] if isinstance(value, list) and part < len(value) else None
        elif isinstance(value, Mapping):
            names = list(value)
            key.append((names.index(part), "") if part in value else (len(names), part))
            value = value.get(part)
        else:
            key.append((0, part))
            value = None
    return tuple(key)


def validate_budget(data: object) -> list[BudgetError]:
    """Every error in a budget file's data (schema and semantics), in file order; empty when the
    file is valid."""
    if not isinstance(data, Mapping):
        return [
            BudgetError(
                "",
                _(
                    "the file must hold a mapping (fiscal_year, currency, title, ministries, "
                    "nodes), got %(got)s"
                )
                % {"got": _describe(data)},
            )
        ]
    normalised = _normalise(data)
    found: list[tuple[PathParts, str, str]] = []
    for error in _VALIDATOR.iter_errors(normalised):
        found.extend(_schema_error_to_budget_errors(error))
    # A wrong type says it all: drop other complaints about the same value (e.g. enum).
    typed = {parts for parts, _reason, validator in found if validator == "type"}
    schema_errors = [
        (parts, reason)
        for parts, reason, validator in found
        if validator == "type" or parts not in typed
    ]
    schema_paths = {parts for parts, _reason in schema_errors}
    semantic_errors = _SemanticChecker(normalised, schema_paths).run()

    result: list[BudgetError] = []
    seen: set[tuple[PathParts, str]] = set()
    for parts, reason in sorted(
        schema_errors + semantic_errors, key=lambda e: _document_order(normalised, e[0])
    ):
        if (parts, reason) in seen:
            continue
        seen.add((parts, reason))
        result.append(BudgetError(format_key_path(parts), reason))
    return result


def parse_budget(data: object, *, source: str = "") -> BudgetSpec:
    """The budget file as a typed tree, or :class:`BudgetFileError` with every error found."""
    errors = validate_budget(data)
    if errors:
        raise BudgetFileError(errors, source=source)
    assert isinstance(data, Mapping)
    normalised = _normalise(data)
    return BudgetSpec(
        fiscal_year=normalised["fiscal_year"],
        currency=normalised["currency"],
        title=normalised["title"],
        ministries=tuple(
            MinistrySpec(
                code=item["code"],
                name=item["name"],
                name_ko=item.get("name_ko", ""),
                key_path=format_key_path(("ministries", index)),
            )
            for index, item in enumerate(normalised["ministries"])
        ),
        nodes=tuple(
            _build_node(
                item,
                ("nodes", index),
                parent_code=None,
                parent_path=None,
                depth=0,
                position=index,
            )
            for index, item in enumerate(normalised["nodes"])
        ),
    )


def _build_node(
    item: Mapping[str, Any],
    parts: PathParts,
    *,
    parent_code: str | None,
    parent_path: str | None,
    depth: int,
    position: int,
) -> NodeSpec:
    path = node_path(parent_path, position)
    children = tuple(
        _build_node(
            child,
            (*parts, "children", index),
            parent_code=item["code"],
            parent_path=path,
            depth=depth + 1,
            position=index,
        )
        for index, child in enumerate(item.get("children", []))
    )
    return NodeSpec(
        code=item["code"],
        name=item["name"],
        name_ko=item.get("name_ko", ""),
        amount_won=item["amount_won"],
        source_text=item.get("source_text", ""),
        cofog=item.get("cofog", ""),
        ai_component=item.get("ai_component", ""),
        conflicts=tuple(
            ConflictSpec(
                amount_won=conflict["amount_won"],
                source_text=conflict.get("source_text", ""),
                position=index,
            )
            for index, conflict in enumerate(item.get("conflicts", []))
        ),
        program=(
            _build_program(item["program"], (*parts, "program")) if "program" in item else None
        ),
        children=children,
        parent_code=parent_code,
        position=position,
        depth=depth,
        path=path,
        key_path=format_key_path(parts),
    )


def _build_program(item: Mapping[str, Any], parts: PathParts) -> ProgramSpec:
    return ProgramSpec(
        ministry=item["ministry"],
        owner_assumed=item.get("owner_assumed", False),
        start=datetime.date.fromisoformat(item["start"]),
        end=datetime.date.fromisoformat(item["end"]),
        frequency=item["frequency"],
        kpis=tuple(
            _build_kpi(kpi, (*parts, "kpis", index), position=index)
            for index, kpi in enumerate(item.get("kpis", []))
        ),
        key_path=format_key_path(parts),
    )


def _build_kpi(item: Mapping[str, Any], parts: PathParts, *, position: int) -> KPISpec:
    thresholds = item.get("thresholds", {})
    return KPISpec(
        code=item["code"],
        name=item["name"],
        name_ko=item.get("name_ko", ""),
        unit=item["unit"],
        kind=item["kind"],
        direction=item["direction"],
        baseline=_to_decimal(item["baseline"]),
        target=_to_decimal(item["target"]),
        target_text=item.get("target_text", ""),
        target_date=datetime.date.fromisoformat(item["target_date"]),
        grace_days=item.get("grace_days", DEFAULT_GRACE_DAYS),
        on_track_threshold=(
            _to_decimal(thresholds["on_track"]) if "on_track" in thresholds else None
        ),
        at_risk_threshold=_to_decimal(thresholds["at_risk"]) if "at_risk" in thresholds else None,
        source_text=item.get("source_text", ""),
        position=position,
        milestones=tuple(
            MilestoneSpec(
                date=datetime.date.fromisoformat(milestone["date"]),
                value=_to_decimal(milestone["value"]),
                key_path=format_key_path((*parts, "milestones", index)),
            )
            for index, milestone in enumerate(item.get("milestones", []))
        ),
        key_path=format_key_path(parts),
    )


# --------------------------------------------------------------------------------------------
# Reading and writing files
# --------------------------------------------------------------------------------------------


class BudgetYAMLLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (nothing but plain data) with three differences that a budget file
    needs: decimal numbers become exact ``Decimal``; a date that does not exist (``2026-02-30``)
    stays text so the checks can name its key path instead of the parser failing; a key written
    twice in one mapping is an error instead of silently keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # unhashable: the base class reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    value = loader.construct_yaml_float(node)
    if not math.isfinite(value):
        return value
    text = str(loader.construct_scalar(node)).replace("_", "")
    if ":" in text:  # YAML 1.1 base-60 floats
        return value
    try:
        return Decimal(text)
    except InvalidOperation:
        return value


BudgetYAMLLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
BudgetYAMLLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"found duplicate key {key!r}")
        result[key] = value
    return result


def parse_budget_text(content: bytes, *, source: str, fmt: str = "yaml") -> Any:
    """The plain data of a budget file's bytes (YAML, or JSON when ``fmt`` is ``"json"``), or
    :class:`BudgetFileError` naming the line of the problem. Checks only that it is a mapping;
    :func:`parse_budget` checks the rest."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise BudgetFileError(
            [
                BudgetError(
                    _("line %(line)d") % {"line": line},
                    _("not valid UTF-8 (byte %(byte)s at offset %(offset)d)")
                    % {"byte": hex(content[exc.start]), "offset": exc.start},
                )
            ],
            source=source,
        ) from None
    if fmt == "json":
        try:
            data = json.loads(text, parse_float=Decimal, object_pairs_hook=_json_object)
        except json.JSONDecodeError as exc:
            raise BudgetFileError(
                [
                    BudgetError(
                        _("line %(line)d, column %(column)d")
                        % {"line": exc.lineno, "column": exc.colno},
                        _("not valid JSON: %(problem)s") % {"problem": exc.msg},
                    )
                ],
                source=source,
            ) from None
        except ValueError as exc:
            raise BudgetFileError(
                [BudgetError("", _("not valid JSON: %(problem)s") % {"problem": exc})],
                source=source,
            ) from None
    else:
        try:
            data = yaml.load(text, Loader=BudgetYAMLLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = (
                _("line %(line)d, column %(column)d")
                % {"line": mark.line + 1, "column": mark.column + 1}
                if mark
                else ""
            )
            problem = " ".join(part for part in (exc.context, exc.problem) if part)
            raise BudgetFileError(
                [BudgetError(where, _("not valid YAML: %(problem)s") % {"problem": problem})],
                source=source,
            ) from None
        except yaml.YAMLError as exc:
            raise BudgetFileError(
                [BudgetError("", _("not valid YAML: %(problem)s") % {"problem": exc})],
                source=source,
            ) from None
    if data is None:
        raise BudgetFileError(
            [BudgetError(_("line %(line)d") % {"line": 1}, _("the file is empty"))], source=source
        )
    if not isinstance(data, Mapping):
        raise BudgetFileError(
            [
                BudgetError(
                    _("line %(line)d") % {"line": 1},
                    _(
                        "the file must hold a mapping (fiscal_year, currency, title, ministries, "
                        "nodes), got %(got)s"
                    )
                    % {"got": _describe(data)},
                )
            ],
            source=source,
        )
    return data


def read_budget_file(path: str | Path) -> Any:
    """The plain data of the budget file at ``path``: JSON when it ends in ``.json``, else YAML."""
    source = str(path)
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise BudgetFileError(
            [BudgetError("", _("cannot read the file: %(problem)s") % {"problem": exc.strerror})],
            source=source,
        ) from None
    fmt = "json" if str(path).lower().endswith(".json") else "yaml"
    return parse_budget_text(content, source=source, fmt=fmt)


class _BudgetYAMLDumper(yaml.SafeDumper):
    """Writes ``Decimal`` as a plain YAML number, exactly."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


_BudgetYAMLDumper.add_representer(Decimal, _represent_decimal)


def dump_budget(data: Mapping[str, Any], *, fmt: str = "yaml") -> str:
    """A budget structure (as :func:`budget.services.budget_export` gives it) as YAML or JSON
    text; numbers stay exact and dates are ``YYYY-MM-DD``."""
    if fmt == "json":
        token = uuid.uuid4().hex

        def prepare(value: Any) -> Any:
            if isinstance(value, Mapping):
                return {key: prepare(item) for key, item in value.items()}
            if isinstance(value, list | tuple):
                return [prepare(item) for item in value]
            if isinstance(value, Decimal):
                return f"{token}{format(value, 'f')}{token}"
            if isinstance(value, datetime.date):
                return value.isoformat()
            return value

        text = json.dumps(prepare(data), ensure_ascii=False, indent=2)
        return re.sub(f'"{token}([^"]*){token}"', r"\1", text) + "\n"
    if fmt == "yaml":
        return yaml.dump(
            dict(data),
            Dumper=_BudgetYAMLDumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=100,
        )
    raise ValueError(f"unknown format {fmt!r}")
