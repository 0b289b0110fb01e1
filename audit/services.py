"""Writing the audit trail: the only code that creates AuditEntry rows.

Model changes reach :func:`audit_entry_append` through audit/signals.py (no caller has to remember
it). Call the functions here directly only for what signals cannot see:

* :func:`audit_bulk` after ``bulk_create``/``bulk_update`` of an audited model (for an update,
  with the snapshot :func:`audit_snapshot` took before the write);
* :func:`audit_update` instead of ``QuerySet.update()`` on an audited model (``QuerySet.delete()``
  needs nothing: Django sends the delete signals for audited models);
* :func:`audit_export` in every export view or command.

Appending takes a chain lock for the rest of the caller's transaction (a PostgreSQL advisory
transaction lock), reads the last entry and links to it, so the chain stays linear under
concurrent writers and an entry commits or rolls back with its change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, transaction
from django.utils import timezone

from audit import context
from audit.chain import GENESIS_HASH, compute_hash, jsonable
from audit.models import AuditAction, AuditEntry
from audit.registry import MASK, AuditedModel, config_for, object_type

# Any 64-bit constant: the key of the PostgreSQL advisory lock that serialises appends.
CHAIN_LOCK_KEY = 0x41554449545F4348  # "AUDIT_CH"
REPR_MAX = 300


@dataclass
class EntrySpec:
    action: str
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    ministry_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    actor: context.Actor | None = None


def _lock_chain(using: str) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _append_many(specs: Sequence[EntrySpec], *, using: str) -> list[AuditEntry]:
    if not specs:
        return []
    with transaction.atomic(using=using, savepoint=False):
        _lock_chain(using)
        last = AuditEntry.objects.using(using).order_by("-seq").values("seq", "hash").first()
        seq = last["seq"] if last else 0
        prev = last["hash"] if last else GENESIS_HASH
        now = timezone.now()
        entries = []
        for spec in specs:
            actor = spec.actor or context.current_actor()
            seq += 1
            entry = AuditEntry(
                seq=seq,
                at=now,
                actor_id=actor.user_id,
                actor_username=actor.username[:150],
                actor_ministry_id=actor.ministry_id,
                source=actor.source[:100],
                action=spec.action,
                object_type=spec.object_type,
                object_id=str(spec.object_id)[:64],
                object_repr=spec.object_repr[:REPR_MAX],
                ministry_id=spec.ministry_id,
                before=jsonable(spec.before),
                after=jsonable(spec.after),
                request_id=actor.request_id[:64],
                client_address=actor.client_address[:64],
                extra=jsonable(spec.extra or {}),
                prev_hash=prev,
            )
            entry.hash = compute_hash(entry)
            prev = entry.hash
            entries.append(entry)
        if len(entries) == 1:
            entries[0].save(using=using, force_insert=True)
        else:
            AuditEntry.objects.using(using).bulk_create(entries)
        return entries


def audit_entry_append(*, spec: EntrySpec, using: str = "default") -> AuditEntry:
    """Append one entry, in the caller's transaction."""
    return _append_many([spec], using=using)[0]


# --- model snapshots and diffs ---------------------------------------------------------------


def _field_value(f: models.Field[Any, Any], raw: Any) -> Any:
    if isinstance(f, models.FileField):
        return getattr(raw, "name", raw) or ""
    try:
        return f.to_python(raw)
    except Exception:
        return raw


def snapshot(cfg: AuditedModel, instance: models.Model) -> dict[str, Any]:
    """The recorded fields of an instance, as Python values (foreign keys as ids)."""
    return {f.name: _field_value(f, getattr(instance, f.attname)) for f in cfg.recorded_fields()}


def snapshot_from_db(cfg: AuditedModel, pk: Any, using: str) -> dict[str, Any] | None:
    fields = cfg.recorded_fields()
    row = (
        cfg.model._base_manager.using(using)
        .filter(pk=pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    if row is None:
        return None
    return {f.name: _field_value(f, row[f.attname]) for f in fields}


def _masked(cfg: AuditedModel, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: (MASK if k in cfg.masked and v else v) for k, v in data.items()}


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, before and after."""
    changed = [k for k in after if k in before and before[k] != after[k]]
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}


def ministry_of(cfg: AuditedModel, instance: models.Model, using: str) -> int | None:
    path = cfg.ministry
    if not path:
        return None
    if path == "pk":
        return instance.pk
    if "__" not in path:
        return getattr(instance, f"{path}_id", None)
    if instance.pk is None:
        return None
    return (
        cfg.model._base_manager.using(using)
        .filter(pk=instance.pk)
        .values_list(path, flat=True)
        .first()
    )


def object_repr(instance: models.Model) -> str:
    try:
        return str(instance)[:REPR_MAX]
    except Exception:
        return f"{instance._meta.label} {instance.pk}"


def model_spec(
    cfg: AuditedModel,
    instance: models.Model,
    *,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    using: str,
    ministry_id: int | None = None,
    repr_: str | None = None,
) -> EntrySpec:
    if action == AuditAction.CREATE and cfg.create_action is not None:
        action = cfg.create_action(instance)
    return EntrySpec(
        action=action,
        object_type=object_type(type(instance)),
        object_id=str(instance.pk),
        object_repr=repr_ if repr_ is not None else object_repr(instance),
        ministry_id=ministry_id if ministry_id is not None else ministry_of(cfg, instance, using),
        before=_masked(cfg, before),
        after=_masked(cfg, after),
        extra=cfg.extra(instance) if cfg.extra is not None else {},
    )


# --- for services that write in bulk ---------------------------------------------------------


def audit_snapshot(instances: Iterable[models.Model]) -> dict[Any, dict[str, Any]]:
    """Take before a ``bulk_update`` or bulk delete: {pk: recorded fields} of each instance as
    the database holds it now."""
    out: dict[Any, dict[str, Any]] = {}
    objs = list(instances)
    if not objs:
        return out
    cfg = config_for(type(objs[0]))
    if cfg is None:
        return out
    fields = cfg.recorded_fields()
    rows = cfg.model._base_manager.filter(pk__in=[o.pk for o in objs]).values(
        "pk", *[f.attname for f in fields]
    )
    for row in rows:
        out[row["pk"]] = {f.name: _field_value(f, row[f.attname]) for f in fields}
    return out


def _ministries_of(objs: list[models.Model], using: str) -> dict[Any, int | None]:
    """{pk: ministry id} for instances of one audited model, in one query when a lookup is
    needed."""
    if not objs:
        return {}
    cfg = config_for(type(objs[0]))
    if cfg is None or not cfg.ministry or "__" not in cfg.ministry:
        return {}
    rows = (
        cfg.model._base_manager.using(using)
        .filter(pk__in=[o.pk for o in objs])
        .values_list("pk", cfg.ministry)
    )
    return dict(rows)


def audit_bulk(
    *,
    action: str,
    instances: Iterable[models.Model],
    before: Mapping[Any, Mapping[str, Any]] | None = None,
    using: str = "default",
) -> list[AuditEntry]:
    """Record a bulk write that bypassed the model signals, one entry per row, in the caller's
    transaction.

    ``action`` is "create" (after ``bulk_create``; the instances must have their pks), "update"
    (after ``bulk_update``; ``before`` from :func:`audit_snapshot` taken before it; only rows that
    changed get an entry) or "delete" (call it before or after the delete with the instances).
    Models not in the registry are ignored.
    """
    specs: list[EntrySpec] = []
    objs = list(instances)
    ministries = _ministries_of(objs, using) if action != AuditAction.DELETE else {}
    for instance in objs:
        cfg = config_for(type(instance))
        if cfg is None:
            continue
        now = snapshot(cfg, instance)
        ministry_id = ministries.get(instance.pk)
        if action == AuditAction.CREATE:
            specs.append(
                model_spec(
                    cfg,
                    instance,
                    action=action,
                    before=None,
                    after=now,
                    using=using,
                    ministry_id=ministry_id,
                )
            )
        elif action == AuditAction.UPDATE:
            old = dict((before or {}).get(instance.pk) or {})
            b, a = diff(old, now)
            if a:
                specs.append(
                    model_spec(
                        cfg,
                        instance,
                        action=action,
                        before=b,
                        after=a,
                        using=using,
                        ministry_id=ministry_id,
                    )
                )
        elif action == AuditAction.DELETE:
            specs.append(
                model_spec(
                    cfg,
                    instance,
                    action=action,
                    before=dict((before or {}).get(instance.pk) or now),
                    after=None,
                    using=using,
                )
            )
        else:
            raise ValueError(f"audit_bulk: unknown action {action!r}")
    return _append_many(specs, using=using)


def audit_update(queryset: models.QuerySet[Any], **values: Any) -> int:
    """``queryset.update(**values)``, recorded: use it instead of ``QuerySet.update`` on an
    audited model. Reads the matching rows first (one query), updates them, and appends an update
    entry for each row whose recorded fields changed. Returns the number of rows updated."""
    cfg = config_for(queryset.model)
    if cfg is None:
        return queryset.update(**values)
    using = queryset.db
    rows = list(queryset)
    before = audit_snapshot(rows)
    manager = queryset.model._base_manager.using(using)
    pks = [r.pk for r in rows]
    count = manager.filter(pk__in=pks).update(**values)
    fresh = manager.in_bulk(pks)  # read back: values may be expressions (F("version") + 1)
    audit_bulk(
        action=AuditAction.UPDATE,
        instances=[fresh[pk] for pk in pks if pk in fresh],
        before=before,
        using=using,
    )
    return count


# --- events that are not model changes -------------------------------------------------------


def audit_export(
    *,
    what: str,
    file_format: str,
    rows: int | None = None,
    filters: Mapping[str, Any] | None = None,
    actor: Any = None,
    using: str = "default",
) -> AuditEntry:
    """Record an export. Call it from every export view and command, before sending the file.

    ``what`` names what was exported ("audit.auditentry", "board", "budget"...).
    """
    spec = EntrySpec(
        action=AuditAction.EXPORT,
        object_type=what,
        object_repr=f"{what} ({file_format})",
        extra={"format": file_format, "rows": rows, "filters": dict(filters or {})},
    )
    if actor is not None:
        cur = context.current_actor()
        spec.actor = context.Actor(
            user_id=actor.pk,
            username=actor.get_username(),
            ministry_id=getattr(actor, "ministry_id", None),
            source=cur.source,
            request_id=cur.request_id,
            client_address=cur.client_address,
        )
    return audit_entry_append(spec=spec, using=using)


def audit_auth_event(
    *,
    action: str,
    user: Any = None,
    username: str = "",
    request: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Record a login, failed login, lockout or logout (called from the auth signal receivers)."""
    cur = context.current_actor()
    rid = getattr(request, "audit_request_id", "") if request is not None else ""
    addr = context.client_address(request) if request is not None else ""
    is_user = user is not None and getattr(user, "is_authenticated", False)
    name = user.get_username() if is_user else username
    actor = context.Actor(
        user_id=user.pk if is_user else None,
        username=name or "",
        ministry_id=getattr(user, "ministry_id", None) if is_user else None,
        source=cur.source,
        request_id=rid or cur.request_id,
        client_address=addr or cur.client_address,
    )
    return audit_entry_append(
        spec=EntrySpec(
            action=action,
            object_type="accounts.user",
            object_id=str(user.pk) if is_user else "",
            object_repr=name or "",
            ministry_id=actor.ministry_id,
            extra=dict(extra or {}),
            actor=actor,
        )
    )
