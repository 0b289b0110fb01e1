# The programmes table in tree order reads each node's stored row by this index (status.models).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("budget", "0003_budgetnode_program"),
        ("programs", "0004_program_without_node"),
        ("status", "0008_programstatus_node"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="programstatus",
            index=models.Index(fields=["node", "as_of"], name="program_status_node_idx"),
        ),
    ]
