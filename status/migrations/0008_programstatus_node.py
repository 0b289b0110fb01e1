# A programme's stored status names the node (allocation) of the budget year it was computed for;
# a programme that year does not fund has no node, allocation or budget status.

import django.db.models.deletion
from django.db import migrations, models

SET_NODES = """
UPDATE status_programstatus s SET node_id = n.id
  FROM budget_budgetnode n
 WHERE n.program_id = s.program_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ("status", "0007_status_no_kpi"),
        ("programs", "0004_program_without_node"),
    ]

    operations = [
        migrations.AddField(
            model_name="programstatus",
            name="node",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="budget.budgetnode",
                verbose_name="budget node",
            ),
        ),
        migrations.AlterField(
            model_name="programstatus",
            name="allocated_won",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="allocated (won)"),
        ),
        migrations.AlterField(
            model_name="programstatus",
            name="budget_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_started", "Not started"),
                    ("no_data", "No data"),
                    ("achieved", "Achieved"),
                    ("on_track", "On track"),
                    ("at_risk", "At risk"),
                    ("off_track", "Off track"),
                    ("no_kpi", "No KPI"),
                ],
                max_length=12,
                verbose_name="budget status",
            ),
        ),
        migrations.RunSQL(SET_NODES, migrations.RunSQL.noop),
    ]
