"""Every audited model's create, update and delete leaves exactly one entry with before/after,
in the transaction of the change."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import Role
from audit.chain import GENESIS_HASH, compute_hash
from audit.context import audit_context
from audit.models import AuditEntry
from audit.registry import AUDITED
from audit.services import audit_bulk, audit_snapshot
from budget.models import BudgetConflict, BudgetNode, FiscalYear, Ministry
from kpis.models import KPI, Milestone, TargetRevision
from programs.models import Program
from reporting.models import EvidenceFile, KPIValue, ProgressReport, ReportTransition
from tests.audit.conftest import entries
from tests.factories import (
    BudgetConflictFactory,
    BudgetNodeFactory,
    FiscalYearFactory,
    KPIFactory,
    MilestoneFactory,
    MinistryFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _mark():
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def _one(obj, action, since=0):
    label = obj._meta.label_lower
    found = entries(object_type=label, object_id=str(obj.pk), action=action, seq__gt=since)
    assert len(found) == 1, (label, action, found)
    return found[0]


# (builder, field to change, new value) for every audited model.
def _fiscal_year(ctx):
    return FiscalYearFactory(year=2031), "title", "Changed"


def _ministry(ctx):
    return MinistryFactory(code="MOE"), "name", "Ministry of Education"


def _user(ctx):
    return UserFactory(username="someone"), "ministry", ctx["ministry"]


def _node(ctx):
    return BudgetNodeFactory(code="X1"), "amount_won", 5


def _conflict(ctx):
    return BudgetConflictFactory(), "amount_won", 7


def _program(ctx):
    return ProgramFactory(node=None), "frequency", "annual"  # no year funds it: deletable


def _kpi(ctx):
    return KPIFactory(program=ctx["program"]), "target", Decimal("2000")


def _milestone(ctx):
    return MilestoneFactory(kpi=ctx["kpi"]), "value", Decimal("600")


def _revision(ctx):
    rev = TargetRevision.objects.create(
        kpi=ctx["kpi"],
        effective_from=dt.date(2026, 6, 1),
        previous={"target": "1000"},
        revised={"target": "2000"},
        reason="scope_change",
        created_by=ctx["officer"],
    )
    return rev, "reason_text", "explained"


def _report(ctx):
    return ctx["report"], "narrative", "more text"


def _value(ctx):
    value = KPIValue.objects.create(report=ctx["report"], kpi=ctx["kpi"], value=Decimal(5))
    return value, "value", Decimal(6)


def _evidence(ctx):
    ev = EvidenceFile.objects.create(
        report=ctx["report"],
        file="evidence/2026/01/a.pdf",
        original_name="a.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=ctx["officer"],
    )
    return ev, "original_name", "b.pdf"


def _transition(ctx):
    tr = ReportTransition.objects.create(
        report=ctx["report"], action="created", to_status="draft", actor=ctx["officer"]
    )
    return tr, "comment", "looked fine"


BUILDERS = {
    FiscalYear: _fiscal_year,
    Ministry: _ministry,
    "accounts.User": _user,
    BudgetNode: _node,
    BudgetConflict: _conflict,
    Program: _program,
    KPI: _kpi,
    Milestone: _milestone,
    TargetRevision: _revision,
    ProgressReport: _report,
    KPIValue: _value,
    EvidenceFile: _evidence,
    ReportTransition: _transition,
}


def test_every_registered_model_has_a_builder():
    labels = {cfg.label.lower() for cfg in AUDITED}
    built = {(m if isinstance(m, str) else m._meta.label).lower() for m in BUILDERS}
    assert labels == built


@pytest.mark.parametrize("model", list(BUILDERS), ids=lambda m: str(m).split(".")[-1])
def test_create_update_delete_each_leave_one_entry(model, ministry, program, kpi, officer, report):
    ctx = {
        "ministry": ministry,
        "program": program,
        "kpi": kpi,
        "officer": officer,
        "report": report,
    }
    obj, field, new = BUILDERS[model](ctx)
    created = _one(obj, _create_action(obj))
    assert created.before is None
    assert created.after and field in created.after

    old = getattr(obj, field)
    mark = _mark()
    setattr(obj, field, new)
    obj.save()
    updated = _one(obj, "update", since=mark)
    key = field
    old_v = old.pk if hasattr(old, "pk") else old
    new_v = new.pk if hasattr(new, "pk") else new
    assert set(updated.after) == {key}, "only the changed field is recorded"
    assert str(updated.before[key]) == str(old_v) or Decimal(str(updated.before[key])) == Decimal(
        str(old_v)
    )
    assert str(updated.after[key]) == str(new_v)

    pk = obj.pk
    if isinstance(obj, ProgressReport):
        obj.values.all().delete()
    mark = _mark()
    obj.delete()
    obj.pk = pk
    deleted = _one(obj, "delete", since=mark)
    assert deleted.after is None
    assert deleted.before and key in deleted.before


def _create_action(obj):
    if isinstance(obj, TargetRevision):
        return "revise_target"
    return "create"


def test_saving_without_a_change_records_nothing(kpi):
    before = AuditEntry.objects.count()
    KPI.objects.get(pk=kpi.pk).save()
    assert AuditEntry.objects.count() == before


def test_entry_names_the_ministry_and_the_actor(kpi, officer):
    kpi.target = Decimal(3000)
    with audit_context(actor=officer, source="command:test"):
        kpi.save()
    entry = _one(kpi, "update")
    assert entry.ministry_id == kpi.program.ministry_id
    assert entry.actor_id == officer.pk
    assert entry.actor_username == "officer-msit"
    assert entry.actor_ministry_id == officer.ministry_id
    assert entry.source == "command:test"
    assert entry.before == {"target": "1000.0000"}
    assert entry.after == {"target": "3000"}


def test_outside_request_and_context_the_actor_is_system(ministry):
    entry = _one(ministry, "create")
    assert entry.actor_id is None
    assert entry.actor_username == "system"
    assert entry.source == "system"


def test_target_revision_keeps_its_reason(kpi, officer):
    rev = TargetRevision.objects.create(
        kpi=kpi,
        effective_from=dt.date(2026, 6, 1),
        previous={"target": "1000"},
        revised={"target": "2000"},
        reason="other",
        reason_text="the minister asked",
        created_by=officer,
    )
    entry = _one(rev, "revise_target")
    assert entry.extra["reason"] == "other"
    assert entry.extra["reason_text"] == "the minister asked"


@pytest.mark.parametrize(
    ("action", "recorded"),
    [("submitted", "submit"), ("approved", "approve"), ("returned", "return")],
)
def test_transitions_are_recorded_as_approvals_and_returns(report, officer, action, recorded):
    tr = ReportTransition.objects.create(
        report=report,
        action=action,
        from_status="submitted",
        to_status="x",
        actor=officer,
        comment="why",
    )
    entry = _one(tr, recorded)
    assert entry.extra["comment"] == "why"
    assert entry.ministry_id == report.program.ministry_id


def test_user_roles_and_password_are_recorded(ministry):
    user = UserFactory(username="newcomer")
    group, _ = Group.objects.get_or_create(name=Role.REVIEWER.value)
    user.groups.add(group)
    added = entries(object_type="accounts.user", object_id=str(user.pk), action="update")[-1]
    assert added.before == {"groups": []}
    assert added.after == {"groups": ["reviewer"]}
    group.user_set.remove(user)  # the reverse side too
    removed = entries(object_type="accounts.user", object_id=str(user.pk), action="update")[-1]
    assert removed.before == {"groups": ["reviewer"]}
    assert removed.after == {"groups": []}
    user.groups.add(group)
    user.groups.clear()
    cleared = entries(object_type="accounts.user", object_id=str(user.pk), action="update")[-1]
    assert cleared.after == {"groups": []}

    user.set_password("another-long-password")
    user.save()
    pw = entries(object_type="accounts.user", object_id=str(user.pk), action="update")[-1]
    assert pw.after == {"password": "********"}
    assert "another" not in str(pw.before) + str(pw.after)


def test_a_rolled_back_change_leaves_no_entry(kpi):
    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        kpi.target = Decimal(9)
        kpi.save()
        assert AuditEntry.objects.count() == count + 1  # written in the same transaction
        raise RuntimeError("roll back")
    assert AuditEntry.objects.count() == count
    assert KPI.objects.get(pk=kpi.pk).target == Decimal(1000)


def test_cascade_deletes_are_recorded(kpi):
    milestone = MilestoneFactory(kpi=kpi)
    kpi.delete()
    assert entries(object_type="kpis.milestone", object_id=str(milestone.pk), action="delete")
    assert entries(object_type="kpis.kpi", action="delete")


def test_bulk_writes_are_recorded_with_audit_bulk(report, kpi, officer):
    other = KPIFactory(program=kpi.program)
    values = KPIValue.objects.bulk_create(
        [KPIValue(report=report, kpi=kpi, value=1), KPIValue(report=report, kpi=other, value=2)]
    )
    assert not entries(object_type="reporting.kpivalue"), "bulk_create bypasses signals"
    audit_bulk(action="create", instances=values)
    assert len(entries(object_type="reporting.kpivalue", action="create")) == 2

    before = audit_snapshot(values)
    values[0].value = Decimal(10)
    KPIValue.objects.bulk_update(values, ["value"])
    audit_bulk(action="update", instances=values, before=before)
    updates = entries(object_type="reporting.kpivalue", action="update")
    assert len(updates) == 1, "only the row that changed"
    assert updates[0].after == {"value": "10"}


def test_chain_links_every_entry(kpi):
    rows = entries()
    assert rows[0].seq == 1
    assert rows[0].prev_hash == GENESIS_HASH
    for prev, cur in itertools.pairwise(rows):
        assert cur.seq == prev.seq + 1
        assert cur.prev_hash == prev.hash
    for row in rows:
        assert row.hash == compute_hash(row)


def test_a_command_is_named_without_any_context(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "argv", ["manage.py", "load_budget", "budget.yaml"])
    entry = _one(MinistryFactory(code="CMD"), "create")
    assert entry.source == "command:load_budget"
    assert entry.actor_username == "system"
    second = _one(MinistryFactory(code="CMD2"), "create")
    assert entry.request_id and second.request_id == entry.request_id, "one run, one id"


def test_a_celery_task_is_named_without_any_context():
    from celery.signals import task_postrun, task_prerun

    class Task:
        name = "status.recompute_all"

    task_prerun.send(sender=Task, task_id="t-1", task=Task)
    try:
        entry = _one(MinistryFactory(code="CEL"), "create")
    finally:
        task_postrun.send(sender=Task, task_id="t-1", task=Task)
    assert entry.source == "celery:status.recompute_all"
    assert _one(MinistryFactory(code="AFTER"), "create").source == "system"


def test_audit_context_names_the_actor_of_a_command(officer):
    with audit_context(actor=officer, source="command:import_progress"):
        entry = _one(MinistryFactory(code="CTX"), "create")
    assert (entry.actor_id, entry.source) == (officer.pk, "command:import_progress")
    assert entry.request_id, "a command run gets its own id to group its entries"


def test_queryset_update_is_recorded_with_audit_update(kpi):
    from django.db.models import F

    from audit.services import audit_update

    other = KPIFactory(program=kpi.program)
    count = audit_update(KPI.objects.filter(program=kpi.program), grace_days=F("grace_days") + 1)
    assert count == 2
    for obj in (kpi, other):
        entry = _one(obj, "update")
        assert entry.before == {"grace_days": 30}
        assert entry.after == {"grace_days": 31}


def test_direct_permissions_are_recorded():
    from django.contrib.auth.models import Permission

    user = UserFactory(username="granted")
    perm = Permission.objects.get(codename="change_kpi")
    user.user_permissions.add(perm)
    entry = entries(object_type="accounts.user", object_id=str(user.pk), action="update")[-1]
    assert entry.before == {"user_permissions": []}
    assert entry.after == {"user_permissions": ["change_kpi"]}
