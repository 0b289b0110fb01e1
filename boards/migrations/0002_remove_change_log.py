"""The boards' change log is kept, its triggers declared with django-pgtrigger (boards.triggers)
instead of the hand-written function and triggers of 0001, which go. The table stays as it is,
now the model boards.Change; nothing stored is lost. The pgtrigger triggers are installed by
``migrate`` (PGTRIGGER_INSTALL_ON_MIGRATE). Backwards, 0001's function and triggers come back."""

from importlib import import_module

from django.db import migrations, models

_v1 = import_module("boards.migrations.0001_change_log")

DROP = [
    *(f"DROP TRIGGER IF EXISTS boards_change ON {table}" for table in _v1.TABLES),
    "DROP FUNCTION IF EXISTS boards_change()",
]
CREATE = [sql for sql in _v1.CREATE if not sql.lstrip().startswith("CREATE TABLE")]


class Migration(migrations.Migration):
    dependencies = [("boards", "0001_change_log")]

    operations = [
        migrations.RunSQL(DROP, CREATE),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Change",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("n", models.BigIntegerField(default=1)),
                    ],
                    options={"db_table": "boards_change", "default_permissions": ()},
                ),
            ]
        ),
    ]
