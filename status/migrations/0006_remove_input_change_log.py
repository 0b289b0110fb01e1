"""One way to notice change: the input change log (0004-0005: its table, triggers and functions)
and the record of full recomputes go. Whether a programme's inputs changed is told by its
fingerprint alone (status/engine/fingerprints.py). Nothing stored is lost: the log and the
records are bookkeeping, and every stored status stays.

Backwards, the log comes back empty (as 0004-0005 left it), and so do the records."""

from importlib import import_module

from django.db import migrations

_v4 = import_module("status.migrations.0004_full_recompute")
_v5 = import_module("status.migrations.0005_input_change_programmes")

TABLES = tuple(_v5.PROGRAMME_OF)
TRIGGERS = (
    "status_input_change",
    "status_input_change_i",
    "status_input_change_u",
    "status_input_change_d",
    "status_input_change_t",
)

FORWARD = [
    *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for table in TABLES for name in TRIGGERS),
    *(f"DROP FUNCTION IF EXISTS status_input_change_{table}()" for table in TABLES),
    "DROP FUNCTION IF EXISTS status_input_change()",
    "DROP TABLE IF EXISTS status_input_change",
]
BACKWARD = [*_v4.CREATE, *_v5.FORWARD]


class Migration(migrations.Migration):
    dependencies = [("status", "0005_input_change_programmes")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.DeleteModel(name="FullRecompute"),
    ]
