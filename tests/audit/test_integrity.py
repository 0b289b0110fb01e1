"""Issue 14 item 6: the trail cannot be truncated, emptied, cut short or re-hashed without the key
going unnoticed, and the application's database role may only SELECT and INSERT on it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path
from typing import cast

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.chain import GENESIS_HASH, compute_hash, legacy_hash, rekey_chain
from audit.db_roles import app_grants_apply
from audit.heads import audit_head_publish, heads_in
from audit.models import AuditEntry
from budget.models import Ministry
from tests.factories import MinistryFactory

pytestmark = pytest.mark.django_db
BASE = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def chain(db):
    for i in range(5):
        MinistryFactory(code=f"M{i}")
    return list(AuditEntry.objects.order_by("seq"))


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def rehash_forward(tamper, start: int, hasher) -> None:
    """Re-hash every entry from ``start`` on with ``hasher`` and relink them (a forger's job)."""
    entries = list(AuditEntry.objects.order_by("seq"))
    prev = GENESIS_HASH if start == 1 else entries[start - 2].hash
    for entry in entries[start - 1 :]:
        entry.prev_hash = prev
        entry.hash = hasher(entry)
        tamper(
            "UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE seq = %s",
            [entry.prev_hash, entry.hash, entry.seq],
        )
        prev = entry.hash


def test_truncate_is_refused(chain):
    with (
        pytest.raises(DatabaseError, match="TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.count() == 5


def test_an_emptied_trail_fails_while_audited_data_exist(chain, tamper):
    tamper("DELETE FROM audit_auditentry")
    with pytest.raises(CommandError, match="has no entry"):
        verify()


def test_a_trail_cut_short_fails(chain, tamper):
    tamper("DELETE FROM audit_auditentry WHERE seq >= 4")
    with pytest.raises(CommandError, match=r"budget\.ministry .* has no entry"):
        verify()


def test_an_empty_trail_with_no_audited_data_is_intact(db):
    assert verify().startswith("intact: 0 entries")


def test_an_edit_rehashed_with_plain_sha256_is_caught(chain, tamper):
    tamper("UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq = 3")
    rehash_forward(tamper, 3, legacy_hash)
    with pytest.raises(CommandError, match="tampered"):
        verify()


def test_an_edit_rehashed_with_another_key_is_caught(chain, tamper):
    tamper("UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq = 3")
    rehash_forward(tamper, 3, lambda e: compute_hash(e, key=b"not the key"))
    with pytest.raises(CommandError, match="tampered"):
        verify()


def test_the_hash_depends_on_the_key(chain, settings):
    entry = chain[0]
    assert compute_hash(entry) == entry.hash
    settings.AUDIT_HMAC_KEY = "another key"
    assert compute_hash(entry) != entry.hash
    with pytest.raises(CommandError, match="seq 1 was edited"):
        verify()


def test_a_legacy_chain_is_rekeyed_once(chain, tamper):
    rehash_forward(tamper, 1, legacy_hash)  # as written before the key existed
    with pytest.raises(CommandError):
        verify()
    count, old_head, new_head = rekey_chain(AuditEntry)
    assert count == 5 and old_head != new_head
    assert f"head: 5:{new_head}" in verify()
    assert rekey_chain(AuditEntry) == (0, "", "")  # already keyed: nothing to do


def test_a_broken_legacy_chain_is_not_rekeyed(chain, tamper):
    rehash_forward(tamper, 1, legacy_hash)
    tamper("UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq = 2")
    before = list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True))
    with pytest.raises(ValueError, match="not intact at seq 2"):
        rekey_chain(AuditEntry)
    assert list(AuditEntry.objects.order_by("seq").values_list("hash", flat=True)) == before


def test_daily_head_is_published_and_checked(chain, tamper, tmp_path, caplog):
    heads = tmp_path / "heads.txt"
    verdict = audit_head_publish(path=heads)
    assert verdict.intact
    line = heads.read_text()
    assert f"intact 5:{chain[-1].hash} (5 entries)" in line
    assert heads_in(line) == (f"5:{chain[-1].hash}",)
    assert f"5:{chain[-1].hash}" in caplog.text
    MinistryFactory(code="LATER")
    assert verify("--heads-file", str(heads)).startswith("intact: 6 entries")
    # Someone holding the key edits entry 4 and re-hashes forward: the chain alone verifies, the
    # published head does not.
    tamper("UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq = 4")
    rehash_forward(tamper, 4, compute_hash)
    assert verify().startswith("intact: 6 entries")
    with pytest.raises(CommandError, match="seq 5 does not have the recorded head hash"):
        verify("--heads-file", str(heads))
    with pytest.raises(CommandError, match="recorded head hash"):
        verify("--expect-head", f"5:{chain[-1].hash}")


def test_publish_head_is_scheduled_daily(settings):
    from audit.tasks import publish_head

    assert publish_head.name == "audit.publish_head"
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "audit.publish_head" in names


def test_production_refuses_to_start_without_the_audit_key():
    env = {k: v for k, v in os.environ.items() if k != "AUDIT_HMAC_KEY"}
    env.update(DEBUG="0", SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY is not set" in result.stderr


# --- the application's database role --------------------------------------------------------


@pytest.fixture
def app_role(chain):
    """A role made for this test (rolled back with it), granted as migrate grants the app role."""
    name = f"tracker_app_test_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" NOLOGIN')
    assert app_grants_apply(app_role=name)
    return name


def as_role(role: str, sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        cursor.execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET object_repr = 'forged' WHERE seq = 2",
        "DELETE FROM audit_auditentry WHERE seq = 5",
        "TRUNCATE audit_auditentry",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_entry_append_only ON audit_auditentry",
        "DROP TABLE audit_auditentry",
    ],
)
def test_the_app_role_cannot_rewrite_the_trail(app_role, sql):
    with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
        as_role(app_role, sql)
    assert AuditEntry.objects.count() == 5
    assert verify().startswith("intact: 5 entries")


def test_the_app_role_reads_appends_and_writes_data(app_role):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        ministry = cast(Ministry, MinistryFactory(code="APP"))  # an INSERT and its entry
        ministry.name = "renamed"
        ministry.save()  # an UPDATE of data, appended to the trail
        assert AuditEntry.objects.count() == 7
        Ministry.objects.filter(pk=ministry.pk).delete()
        cursor.execute("RESET ROLE")
    assert verify().startswith("intact: 8 entries")


def test_grants_are_skipped_when_the_role_does_not_exist(db):
    assert app_grants_apply(app_role="no_such_role_for_tracker") is False
