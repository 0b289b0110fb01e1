"""Writes of KPIs: target revisions and definition changes (docs/roles.md and docs/status-rules.md).

Only administrators change targets. Once data exists for a KPI (a submitted or approved value), a
change of target, target date, baseline or milestones needs a reason from the fixed list
(``RevisionReason``; "other" needs an explanation). Every change is kept as a ``TargetRevision``
with the values before and after, so the original and every revision stay visible and the status
engine can use the target in force at any as-of date (kpis.selectors.kpi_target_as_of).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role, has_role
from audit.services import audit_bulk
from kpis.kinds import KINDS
from kpis.models import KPI, Direction, Milestone, RevisionReason, TargetRevision
from kpis.progress_data import kpi_has_any_value, kpi_has_data
from kpis.selectors import kpi_target_snapshot, number_text
from kpis.signals import target_revised
from kpis.values import kpi_value_parse

if TYPE_CHECKING:
    from accounts.models import User


def _require_admin(user: User) -> None:
    if not has_role(user, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only an administrator may change a KPI's targets."))


def _number(raw: object, field: str, errors: dict[str, list[str]], *, unit: str) -> Decimal | None:
    try:
        return kpi_value_parse(raw, unit=unit)
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return None


def _date(raw: object, field: str, errors: dict[str, list[str]]) -> date | None:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    errors.setdefault(field, []).append(
        _('"%(value)s" is not a date in the form YYYY-MM-DD') % {"value": raw}
    )
    return None


@transaction.atomic
def kpi_revise_target(
    *,
    user: User,
    kpi: KPI,
    effective_from: date | str,
    target: object = None,
    target_date: date | str | None = None,
    baseline: object = None,
    milestones: Iterable[Mapping[str, Any]] | None = None,
    reason: str = "",
    reason_text: str = "",
) -> TargetRevision:
    """Revise a KPI's target, target date, baseline and/or milestones (``None`` leaves one
    unchanged; ``milestones`` replaces them all: a list of ``{"date": ..., "value": ...}``).

    Raises ``PermissionDenied`` for anyone but an administrator and ``ValidationError`` (with a
    message per field) for bad input, a missing reason once data exists, or no change at all.
    """
    _require_admin(user)
    kpi = KPI.objects.select_for_update().select_related("program").get(pk=kpi.pk)
    errors: dict[str, list[str]] = {}
    effective = _date(effective_from, "effective_from", errors)
    old_milestones = list(kpi.milestones.all())
    previous = kpi_target_snapshot(kpi, old_milestones)

    new_target = kpi.target if target is None else _number(target, "target", errors, unit=kpi.unit)
    new_baseline = (
        kpi.baseline if baseline is None else _number(baseline, "baseline", errors, unit=kpi.unit)
    )
    new_date = kpi.target_date if target_date is None else _date(target_date, "target_date", errors)
    if new_date is not None and new_date < kpi.program.start:
        errors.setdefault("target_date", []).append(
            _("the target date %(date)s is before the programme starts (%(start)s)")
            % {"date": new_date, "start": kpi.program.start}
        )

    new_milestones: list[tuple[date, Decimal]] | None = None
    if milestones is not None:
        new_milestones = []
        seen: set[date] = set()
        for i, item in enumerate(milestones):
            key = f"milestones[{i}]"
            if not isinstance(item, Mapping):
                errors.setdefault(key, []).append(_("must have a date and a value"))
                continue
            m_date = _date(item.get("date"), f"{key}.date", errors)
            m_value = _number(item.get("value"), f"{key}.value", errors, unit=kpi.unit)
            if m_date is not None:
                if m_date in seen:
                    errors.setdefault(f"{key}.date", []).append(
                        _("two milestones on %(date)s") % {"date": m_date}
                    )
                if new_date is not None and m_date >= new_date:
                    errors.setdefault(f"{key}.date", []).append(
                        _("a milestone must fall before the target date %(date)s")
                        % {"date": new_date}
                    )
                seen.add(m_date)
            if m_date is not None and m_value is not None:
                new_milestones.append((m_date, m_value))
        new_milestones.sort()

    reason = (reason or "").strip()
    reason_text = (reason_text or "").strip()
    if reason and reason not in RevisionReason.values:
        errors.setdefault("reason", []).append(
            _("%(reason)s is not one of the reasons: %(choices)s")
            % {"reason": reason, "choices": ", ".join(RevisionReason.values)}
        )
    elif not reason and kpi_has_data(kpi):
        errors.setdefault("reason", []).append(
            _(
                "values have already been submitted or approved for %(code)s: choose a reason "
                "for the revision (%(choices)s)"
            )
            % {"code": kpi.code, "choices": ", ".join(RevisionReason.values)}
        )
    if reason == RevisionReason.OTHER and not reason_text:
        errors.setdefault("reason_text", []).append(
            _('explain the revision when the reason is "other"')
        )
    if errors:
        raise ValidationError(errors)

    assert new_target is not None and new_baseline is not None and new_date is not None
    assert effective is not None
    revised = {
        "target": number_text(new_target),
        "target_date": new_date.isoformat(),
        "baseline": number_text(new_baseline),
        "milestones": previous["milestones"]
        if new_milestones is None
        else [{"date": d.isoformat(), "value": number_text(v)} for d, v in new_milestones],
    }
    if _canonical(revised) == _canonical(previous):
        raise ValidationError({"target": [_("nothing changes: the values are the ones in force")]})

    kpi.target = new_target
    kpi.baseline = new_baseline
    kpi.target_date = new_date
    kpi.save(update_fields=["target", "baseline", "target_date"])
    if new_milestones is not None:
        kpi.milestones.all().delete()
        audit_bulk(
            action="create",
            instances=Milestone.objects.bulk_create(
                [Milestone(kpi=kpi, date=d, value=v) for d, v in new_milestones]
            ),
        )
    revision = TargetRevision.objects.create(
        kpi=kpi,
        effective_from=effective,
        previous=previous,
        revised=revised,
        reason=reason,
        reason_text=reason_text,
        created_by=user,
    )
    # The status engine (a higher layer, which this one never imports) listens and recomputes.
    target_revised.send(sender=KPI, kpi=kpi)
    return revision


def _canonical(values: dict[str, Any]) -> tuple[Any, ...]:
    return (
        Decimal(values["target"]),
        values["target_date"],
        Decimal(values["baseline"]),
        tuple((m["date"], Decimal(m["value"])) for m in values["milestones"]),
    )


DEFINITION_FIELDS = (
    "name",
    "name_ko",
    "unit",
    "kind",
    "direction",
    "target_text",
    "grace_days",
    "on_track_threshold",
    "at_risk_threshold",
    "source_text",
    "position",
)
TARGET_FIELDS = ("target", "target_date", "baseline", "milestones")


@transaction.atomic
def kpi_change_definition(*, user: User, kpi: KPI, **changes: Any) -> KPI:
    """Change what a KPI is (name, unit, kind, direction, grace days, thresholds...). Its kind
    and direction cannot change once any report gives it a value: the values already entered
    mean something for that kind and direction (an amount per period, or a value at the period
    end), and would silently change meaning. Targets change through ``kpi_revise_target``."""
    _require_admin(user)
    kpi = KPI.objects.select_for_update().get(pk=kpi.pk)
    errors: dict[str, list[str]] = {}
    for name in changes:
        if name in TARGET_FIELDS:
            errors.setdefault(name, []).append(
                _("targets change through a target revision, with its reason")
            )
        elif name not in DEFINITION_FIELDS:
            errors.setdefault(name, []).append(_("not a field of a KPI definition"))
    if "kind" in changes and changes["kind"] not in KINDS:
        errors.setdefault("kind", []).append(_("must be one of %s") % ", ".join(KINDS))
    if "direction" in changes and changes["direction"] not in Direction.values:
        errors.setdefault("direction", []).append(
            _("must be one of %s") % ", ".join(Direction.values)
        )
    structural = [
        n for n in ("kind", "direction") if n in changes and changes[n] != getattr(kpi, n)
    ]
    if structural and kpi_has_any_value(kpi):
        for n in structural:
            errors.setdefault(n, []).append(
                _(
                    "%(code)s already has reported values, entered as %(kind)s values with "
                    "direction %(direction)s; changing its %(field)s would change what they "
                    "mean. Define a new KPI instead."
                )
                % {
                    "code": kpi.code,
                    "kind": kpi.kind,
                    "direction": kpi.direction,
                    "field": n,
                }
            )
    if errors:
        raise ValidationError(errors)
    changed = [n for n, v in changes.items() if getattr(kpi, n) != v]
    for n in changed:
        setattr(kpi, n, changes[n])
    if changed:
        kpi.full_clean(exclude=["program"], validate_unique=False)
        kpi.save(update_fields=changed)
    return kpi
