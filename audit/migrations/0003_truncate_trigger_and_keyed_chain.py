"""The trail refuses TRUNCATE too (a statement trigger; UPDATE and DELETE were refused by 0002),
and a chain written with the unkeyed SHA-256 is checked and re-hashed once under AUDIT_HMAC_KEY
(audit.chain.rekey_chain). A chain that is not intact stops the migration: nothing is re-keyed,
so the tampering stays visible to verify_audit on the previous release."""

import logging

from django.db import migrations

logger = logging.getLogger("audit")

CREATE = """
CREATE OR REPLACE FUNCTION audit_entry_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: TRUNCATE of audit_auditentry refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
CREATE TRIGGER audit_entry_no_truncate
    BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_no_truncate();
"""


def rekey(apps, schema_editor):
    from audit.chain import rekey_chain

    count, old, new = rekey_chain(
        apps.get_model("audit", "AuditEntry"), using=schema_editor.connection.alias
    )
    if count:
        message = f"audit chain re-keyed: {count} entries, head {old} is now {new}"
        logger.warning(message)
        print(f"\n  {message}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.RunSQL(CREATE, DROP, elidable=False),
        migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False),
    ]
