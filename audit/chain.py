"""The hash chain: how an entry's hash is computed. The one place this rule lives.

hash = sha256(canonical JSON of the entry's content, including ``prev_hash``). Canonical JSON:
keys sorted, no whitespace, UTF-8, ``at`` as ISO 8601 in UTC with microseconds. Values in
``before``/``after``/``extra`` are made JSON-safe by :func:`jsonable` before they are stored (floats
and decimals become strings), so what is read back from the database hashes to the same value.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.models import AuditEntry

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "actor_ministry_id",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "ministry_id",
    "before",
    "after",
    "request_id",
    "client_address",
    "extra",
    "prev_hash",
)


def jsonable(value: Any) -> Any:
    """A JSON-safe, hash-stable form of a Python value (recursively)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    name = getattr(value, "name", None)  # FieldFile
    if isinstance(name, str):
        return name
    return str(value)


def _utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_content(entry: AuditEntry) -> bytes:
    content: dict[str, Any] = {}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        content[name] = _utc_iso(value) if name == "at" else value
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_content(entry)).hexdigest()
