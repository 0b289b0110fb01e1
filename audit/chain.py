"""The hash chain: how an entry's hash is computed. The one place this rule lives.

hash = HMAC-SHA256(key, canonical JSON of the entry's content, including ``prev_hash``), the key
being ``settings.AUDIT_HMAC_KEY`` (from the environment, never stored in the database). Without the
key, whoever can write to the database cannot re-hash an edited entry and the entries after it so
that the chain verifies again. Chains written before the key existed used the plain SHA-256 of the
same content (:func:`legacy_hash`); migration 0003 checks such a chain and re-keys it once
(:func:`rekey_chain`). Canonical JSON:
keys sorted, no whitespace, UTF-8, ``at`` as ISO 8601 in UTC with microseconds. Values in
``before``/``after``/``extra`` are made JSON-safe by :func:`jsonable` before they are stored (floats
and decimals become strings), so what is read back from the database hashes to the same value.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
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


def hmac_key() -> bytes:
    from django.conf import settings

    key = getattr(settings, "AUDIT_HMAC_KEY", "")
    if not key:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("AUDIT_HMAC_KEY is not set: the audit chain needs its key.")
    return str(key).encode("utf-8")


def compute_hash(entry: AuditEntry, *, key: bytes | None = None) -> str:
    return hmac.new(key or hmac_key(), canonical_content(entry), hashlib.sha256).hexdigest()


def legacy_hash(entry: AuditEntry) -> str:
    """The unkeyed SHA-256 of chains written before the key (only for re-keying them)."""
    return hashlib.sha256(canonical_content(entry)).hexdigest()


def rekey_chain(model: Any, *, using: str = "default") -> tuple[int, str, str]:
    """Re-hash a chain written with :func:`legacy_hash` under the key, after checking it: each
    entry must hash (unkeyed) to its stored hash and link to the one before, else ValueError and
    nothing changes. Returns (entries, old head hash, new head hash). Runs as the table's owner
    (migrate): the append-only trigger is disabled for the rewrite, inside the transaction."""
    from django.db import connections, transaction

    key = hmac_key()
    with transaction.atomic(using=using):
        prev_old = prev_new = GENESIS_HASH
        rows = []
        for i, entry in enumerate(model.objects.using(using).order_by("seq").iterator(), start=1):
            if i == 1 and compute_hash(entry, key=key) == entry.hash:
                return 0, "", ""  # already keyed
            if entry.seq != i or entry.prev_hash != prev_old or legacy_hash(entry) != entry.hash:
                raise ValueError(
                    f"the audit chain is not intact at seq {entry.seq}; it was not re-keyed "
                    "(run verify_audit on the previous release and investigate first)"
                )
            prev_old = entry.hash
            entry.prev_hash = prev_new
            entry.hash = compute_hash(entry, key=key)
            prev_new = entry.hash
            rows.append((entry.pk, entry.prev_hash, entry.hash))
        if not rows:
            return 0, "", ""
        table = model._meta.db_table
        with connections[using].cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER audit_entry_append_only")
            # Two passes keep the unique hash column free of clashes during the rewrite.
            cursor.executemany(
                f"UPDATE {table} SET hash = %s WHERE id = %s",
                [("rekey-" + str(pk), pk) for pk, _p, _h in rows],
            )
            cursor.executemany(
                f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s",
                [(p, h, pk) for pk, p, h in rows],
            )
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER audit_entry_append_only")
        return len(rows), prev_old, prev_new
