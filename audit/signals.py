"""The audit trail's one deliberate use of signals.

The house style forbids business logic hidden in ``save()`` or signals. The audit trail is the
cross-cutting exception, on purpose: every change to an audited model (audit/registry.py) must be
recorded whoever makes it (a service, the admin, a command, a Celery task, the shell), and no
service or view should have to remember to do it. So, wired once in ``AuditConfig.ready()``:

* ``pre_save`` reads the row as stored (the "before"); ``post_save`` appends a create entry (all
  recorded fields) or an update entry (only the fields that changed; nothing when nothing did);
* ``pre_delete`` keeps the row's values, ministry and label; ``post_delete`` appends a delete entry;
* ``m2m_changed`` on ``User.groups`` (roles) and ``User.user_permissions`` appends an update entry
  with the user's roles (or direct permissions) before and after;
* ``user_logged_in``, ``user_logged_out``, ``user_login_failed`` (which django-axes also raises for
  locked-out attempts) and axes' ``user_locked_out`` append login, logout, failed-login and lockout
  entries.

Entries are appended inside the transaction of the change (the receivers run in it), so a change
that rolls back leaves no entry. These receivers never change the audited data. What signals do
not see must be reported by the writer: ``bulk_create``/``bulk_update`` with
``audit.services.audit_bulk``, ``QuerySet.update`` replaced by ``audit.services.audit_update``
(``QuerySet.delete`` needs nothing: Django sends delete signals for models with receivers), and
exports with ``audit.services.audit_export``. The status engine's bulk writes of computed results
are derived data and deliberately not audited.

Locking: the first entry a transaction appends takes the chain lock until that transaction ends
(audit/services.py). A transaction that writes an audited row and *then* waits for a row lock
another writer holds can deadlock with it (PostgreSQL detects it and aborts one): take row locks
(``select_for_update``) before the first write, as the services do.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from audit import services
from audit.models import AuditAction
from audit.registry import AuditedModel, config_for, register_all

_BEFORE = "_audit_before"
_DELETING = "_audit_deleting"


def _pre_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    cfg = config_for(sender)
    if cfg is None:
        return
    using = kwargs.get("using") or "default"
    before = None
    if not instance._state.adding and instance.pk is not None:
        before = services.snapshot_from_db(cfg, instance.pk, using)
    setattr(instance, _BEFORE, before)


def _post_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    cfg = config_for(sender)
    if cfg is None:
        return
    using = kwargs.get("using") or "default"
    after = services.snapshot(cfg, instance)
    before = getattr(instance, _BEFORE, None)
    if hasattr(instance, _BEFORE):
        delattr(instance, _BEFORE)
    if created or before is None:
        spec = services.model_spec(
            cfg, instance, action=AuditAction.CREATE, before=None, after=after, using=using
        )
    else:
        update_fields = kwargs.get("update_fields")
        if update_fields:
            after = {k: v for k, v in after.items() if k in update_fields}
        b, a = services.diff(before, after)
        if not a:
            return
        spec = services.model_spec(
            cfg, instance, action=AuditAction.UPDATE, before=b, after=a, using=using
        )
    services.audit_entry_append(spec=spec, using=using)


def _pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    cfg = config_for(sender)
    if cfg is None:
        return
    using = kwargs.get("using") or "default"
    setattr(
        instance,
        _DELETING,
        (
            services.snapshot(cfg, instance),
            services.ministry_of(cfg, instance, using),
            services.object_repr(instance),
        ),
    )


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    cfg = config_for(sender)
    if cfg is None:
        return
    using = kwargs.get("using") or "default"
    kept = getattr(instance, _DELETING, None)
    if kept is None:
        kept = (services.snapshot(cfg, instance), None, services.object_repr(instance))
    before, ministry_id, repr_ = kept
    services.audit_entry_append(
        spec=services.model_spec(
            cfg,
            instance,
            action=AuditAction.DELETE,
            before=before,
            after=None,
            using=using,
            ministry_id=ministry_id,
            repr_=repr_,
        ),
        using=using,
    )


# --- user roles (User.groups) and direct permissions (User.user_permissions) -----------------

# m2m field of User -> (the other side's foreign key on the through table, its label lookup)
_USER_M2M = {
    "groups": ("group", "group__name"),
    "user_permissions": ("permission", "permission__codename"),
}


def _labels(field: str, user_ids: set[Any], using: str) -> dict[Any, list[str]]:
    through = getattr(get_user_model(), field).through
    _fk, label = _USER_M2M[field]
    out: dict[Any, list[str]] = {uid: [] for uid in user_ids}
    rows = (
        through._default_manager.using(using)
        .filter(user_id__in=user_ids)
        .values_list("user_id", label)
    )
    for uid, name in rows:
        out[uid].append(name)
    return {uid: sorted(names) for uid, names in out.items()}


def _affected_users(
    field: str, instance: Any, reverse: bool, pk_set: set[Any] | None, using: str
) -> set[Any]:
    if not reverse:
        return {instance.pk}
    if pk_set is not None:
        return set(pk_set)
    through = getattr(get_user_model(), field).through
    fk, _label = _USER_M2M[field]
    return set(
        through._default_manager.using(using)
        .filter(**{f"{fk}_id": instance.pk})
        .values_list("user_id", flat=True)
    )


def _user_m2m_receiver(field: str) -> Any:
    key = f"_audit_{field}_before"

    def changed(
        sender: Any,
        instance: Any,
        action: str,
        reverse: bool,
        pk_set: set[Any] | None,
        using: str,
        **kwargs: Any,
    ) -> None:
        if action.startswith("pre_"):
            users = _affected_users(field, instance, reverse, pk_set, using)
            instance.__dict__.setdefault(key, []).append(_labels(field, users, using))
            return
        stack = instance.__dict__.get(key) or []
        if not stack:
            return
        before_by_user = stack.pop()
        after_by_user = _labels(field, set(before_by_user), using)
        User = get_user_model()
        cfg = config_for(User)
        assert cfg is not None
        by_pk = User._base_manager.using(using).in_bulk(list(before_by_user))
        specs = []
        for uid, before in before_by_user.items():
            after = after_by_user.get(uid, [])
            user = by_pk.get(uid)
            if before == after or user is None:
                continue
            specs.append(
                services.model_spec(
                    cfg,
                    user,
                    action=AuditAction.UPDATE,
                    before={field: before},
                    after={field: after},
                    using=using,
                )
            )
        services._append_many(specs, using=using)

    return changed


_M2M_RECEIVERS = {field: _user_m2m_receiver(field) for field in _USER_M2M}


# --- sign-in events --------------------------------------------------------------------------


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.audit_auth_event(action=AuditAction.LOGIN, user=user, request=request)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    services.audit_auth_event(action=AuditAction.LOGOUT, user=user, request=request)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    User = get_user_model()
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    locked = bool(getattr(request, "axes_locked_out", False))
    services.audit_auth_event(
        action=AuditAction.LOGIN_FAILED,
        username=username,
        request=request,
        extra={"username": username, "locked_out": locked},
    )


def _locked_out(sender: Any, request: Any, username: str | None, **kwargs: Any) -> None:
    services.audit_auth_event(
        action=AuditAction.LOCKED_OUT,
        username=username or "",
        request=request,
        extra={"username": username or ""},
    )


def connect() -> list[AuditedModel]:
    """Connect every receiver. Called once, from AuditConfig.ready()."""
    configs = register_all()
    for cfg in configs:
        model = cfg.model
        uid = f"audit:{model._meta.label_lower}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_post_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(_pre_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)
    User = get_user_model()
    for field, receiver in _M2M_RECEIVERS.items():
        m2m_changed.connect(
            receiver, sender=getattr(User, field).through, dispatch_uid=f"audit:{field}"
        )
    user_logged_in.connect(_logged_in, dispatch_uid="audit:login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit:logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit:login_failed")
    try:
        from axes.signals import user_locked_out
    except ImportError:  # pragma: no cover (axes is a dependency)
        pass
    else:
        user_locked_out.connect(_locked_out, dispatch_uid="audit:locked_out")
    _connect_celery()
    return configs


def _connect_celery() -> None:
    """A Celery task outside any request or audit_context records "celery:<task name>"."""
    try:
        from celery.signals import task_postrun, task_prerun
    except ImportError:  # pragma: no cover
        return
    from audit.context import audit_context, is_active

    contexts: dict[str, Any] = {}

    def _prerun(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        if is_active():
            return
        cm = audit_context(actor=None, source=f"celery:{getattr(task, 'name', '?')}")
        cm.__enter__()
        contexts[task_id] = cm

    def _postrun(task_id: str = "", **kwargs: Any) -> None:
        cm = contexts.pop(task_id, None)
        if cm is not None:
            cm.__exit__(None, None, None)

    task_prerun.connect(_prerun, weak=False, dispatch_uid="audit:celery_prerun")
    task_postrun.connect(_postrun, weak=False, dispatch_uid="audit:celery_postrun")
