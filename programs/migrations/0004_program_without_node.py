# The programme no longer belongs to one node (the previous migration linked every node to its
# programme). A migration of its own: PostgreSQL cannot alter the node table in the transaction
# that just updated its rows.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("programs", "0003_program_outlives_year"),
    ]

    operations = [
        migrations.RemoveField(model_name="program", name="node"),
        migrations.AlterField(
            model_name="program",
            name="code",
            field=models.CharField(max_length=50, unique=True, verbose_name="code"),
        ),
        migrations.AlterModelOptions(
            name="program",
            options={
                "ordering": ["code"],
                "verbose_name": "programme",
                "verbose_name_plural": "programmes",
            },
        ),
    ]
