"""The checks of a budget file that its JSON Schema cannot express: duplicate codes, unknown
ministries, impossible dates, date order, thresholds, exact numbers.

:func:`validate_budget` runs the schema and these checks and returns every error, in file order.
Dates may be YAML dates or strings ``YYYY-MM-DD``. Amounts are whole won (``int``; ``1.5``,
``"100"`` and ``true`` are refused). Baselines, targets, milestone values and thresholds are ``int``
or decimal numbers, kept exact.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from budget.schema import (
    _VALIDATOR,
    MAX_DEPTH,
    MAX_SIBLINGS,
    VALUE_MAX_DECIMAL_PLACES,
    VALUE_MAX_INTEGER_DIGITS,
    BudgetError,
    PathParts,
    _describe,
    _schema_error_to_budget_errors,
    _show,
    format_key_path,
)
from kpis.kinds import KIND_TABLE


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
        kind_code = kpi.get("kind")
        yearly = (
            isinstance(kind_code, str) and kind_code in KIND_TABLE and KIND_TABLE[kind_code].yearly
        )
        if yearly and baseline is not None and baseline != 0:
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
        revision = kpi.get("revision")
        if (
            isinstance(revision, Mapping)
            and revision.get("reason") == "other"
            and not str(revision.get("note") or "").strip()
            and self.clean((*parts, "revision"))
        ):
            self.add(
                (*parts, "revision", "note"),
                _("a revision for the reason 'other' needs a note saying what the reason is"),
            )

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
