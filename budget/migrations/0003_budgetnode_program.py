# A budget node points to the programme it funds in its year (a programme has one node a year).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("budget", "0002_fiscal_year_title_ko"),
        ("programs", "0002_program_code_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="budgetnode",
            name="program",
            field=models.ForeignKey(
                blank=True,
                help_text="The programme this node funds in its fiscal year (its amount is that year's allocation).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="allocations",
                to="programs.program",
                verbose_name="programme",
            ),
        ),
        migrations.AddConstraint(
            model_name="budgetnode",
            constraint=models.UniqueConstraint(
                fields=("fiscal_year", "program"), name="budget_node_program_once_a_year"
            ),
        ),
    ]
