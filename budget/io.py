"""Reading and writing budget files as text.

:func:`read_budget_file` reads a YAML (or ``.json``) file into plain data, naming the line of a
syntax error; the YAML reader turns decimal scalars straight into ``Decimal`` so numbers stay exact.
:func:`dump_budget` writes the structure back as YAML or JSON.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from budget.schema import BudgetError, BudgetFileError, _describe


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
    """A budget structure (as :func:`budget.exporting.budget_export` gives it) as YAML or JSON
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
