"""verify_audit: intact chains pass; each kind of tampering is named; the trigger refuses edits."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.chain import compute_hash
from audit.models import AuditEntry
from tests.factories import MinistryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    for i in range(5):
        MinistryFactory(code=f"M{i}")
    assert AuditEntry.objects.count() == 5
    return {e.seq: e for e in AuditEntry.objects.order_by("seq")}


def verify(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def tampered() -> CommandError:
    with pytest.raises(CommandError) as exc:
        verify()
    assert exc.value.returncode == 1
    return exc.value


def test_intact_chain(chain):
    out = verify()
    assert "intact: 5 entries" in out
    head = out.split("head: ")[1].strip()
    assert verify("--expect-head", head).startswith("intact: 5 entries")


def test_empty_chain_is_intact(db):
    assert verify().startswith("intact: 0 entries")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq = 2",
        "DELETE FROM audit_auditentry WHERE seq = 2",
    ],
)
def test_trigger_refuses_update_and_delete(chain, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.get(seq=2).object_repr == chain[2].object_repr
    assert "intact: 5 entries" in verify()


def test_orm_refuses_too(chain):
    entry = AuditEntry.objects.get(seq=2)
    entry.object_repr = "forged"
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()


def test_edit_is_named(chain, tamper):
    tamper(
        "UPDATE audit_auditentry SET after = %s WHERE seq = 3",
        [json.dumps({"code": "FORGED"})],
    )
    err = tampered()
    assert "edited" in str(err)
    assert "entry seq 3 " in str(err)


def test_delete_is_named(chain, tamper):
    tamper("DELETE FROM audit_auditentry WHERE seq = 3")
    err = tampered()
    assert "deleted" in str(err)
    assert "entries seq 3 to 3" in str(err)


def test_delete_of_the_first_entry_is_named(chain, tamper):
    tamper("DELETE FROM audit_auditentry WHERE seq = 1")
    err = tampered()
    assert "deleted" in str(err)
    assert "entries seq 1 to 1" in str(err)


def test_delete_from_the_end_is_caught_with_the_recorded_head(chain, tamper):
    head = verify().split("head: ")[1].strip()
    tamper("DELETE FROM audit_auditentry WHERE seq = 5")
    # The chain alone cannot tell; the newest ministry without its entry can.
    with pytest.raises(CommandError, match=r"budget\.ministry .* has no entry"):
        verify()
    with pytest.raises(CommandError, match="deleted"):
        verify("--expect-head", head)


def _forge(seq: int, prev_hash: str, template: AuditEntry) -> AuditEntry:
    forged = AuditEntry(
        seq=seq,
        at=template.at,
        actor_username="intruder",
        source="web",
        action="update",
        object_type="budget.ministry",
        object_id=template.object_id,
        object_repr="forged",
        before={"name": "a"},
        after={"name": "b"},
        extra={},
        prev_hash=prev_hash,
    )
    forged.hash = compute_hash(forged)  # a self-consistent forgery
    return forged


def _insert_raw(tamper, e: AuditEntry) -> None:
    tamper(
        "INSERT INTO audit_auditentry (seq, at, actor_username, source, action, object_type, "
        "object_id, object_repr, before, after, request_id, client_address, extra, prev_hash, "
        "hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '', %s, %s, %s)",
        [
            e.seq,
            e.at,
            e.actor_username,
            e.source,
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            json.dumps(e.before),
            json.dumps(e.after),
            json.dumps(e.extra),
            e.prev_hash,
            e.hash,
        ],
    )


def test_insert_in_the_middle_is_named(chain, tamper):
    # Make room after seq 2 and slip a well-formed entry in, linked to seq 2.
    tamper("UPDATE audit_auditentry SET seq = seq + 100 WHERE seq >= 3")
    tamper("UPDATE audit_auditentry SET seq = seq - 99 WHERE seq >= 103")
    _insert_raw(tamper, _forge(3, chain[2].hash, chain[2]))
    err = tampered()
    assert "inserted" in str(err)
    assert "entry seq 3 " in str(err)


def test_insert_at_the_end_is_named(chain, tamper):
    _insert_raw(tamper, _forge(6, "f" * 64, chain[5]))
    err = tampered()
    assert "inserted" in str(err)
    assert "entry seq 6 " in str(err)


def test_reorder_is_named(chain, tamper):
    tamper("UPDATE audit_auditentry SET seq = 1000 WHERE seq = 3")
    tamper("UPDATE audit_auditentry SET seq = 3 WHERE seq = 4")
    tamper("UPDATE audit_auditentry SET seq = 4 WHERE seq = 1000")
    err = tampered()
    assert "reordered" in str(err)
    assert "entry seq 3 " in str(err)


def test_verify_audit_exits_non_zero_from_the_command_line(chain, tamper, capsys):
    tamper("DELETE FROM audit_auditentry WHERE seq = 2")
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "verify_audit"]).execute()
    assert exc.value.code == 1
    assert "deleted" in capsys.readouterr().err
