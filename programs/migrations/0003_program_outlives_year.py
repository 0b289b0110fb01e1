# Each programme takes its node's code and name, and its node points back to it; the programme no
# longer belongs to one node. Before this change a database held one programme per node, and a
# second year loaded with the same codes made second programmes: such a database cannot be merged
# without choosing between two histories, so the migration stops and says so.

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    BudgetNode = apps.get_model("budget", "BudgetNode")
    seen: dict[str, int] = {}
    for program in Program.objects.select_related("node").order_by("id"):
        node = program.node
        if node.code in seen:
            raise RuntimeError(
                f"programmes {seen[node.code]} and {program.pk} both have the code {node.code} "
                "(two fiscal years loaded as separate programmes): merge them by hand first"
            )
        seen[node.code] = program.pk
        program.code = node.code
        program.name = node.name
        program.name_ko = node.name_ko
        program.save(update_fields=["code", "name", "name_ko"])
        BudgetNode.objects.filter(pk=node.pk).update(program=program)


def backwards(apps, schema_editor):
    """Each programme back on one node: its latest year's."""
    Program = apps.get_model("programs", "Program")
    BudgetNode = apps.get_model("budget", "BudgetNode")
    for program in Program.objects.all():
        node = (
            BudgetNode.objects.filter(program=program).order_by("-fiscal_year__year").first()
        )
        if node is None:
            raise RuntimeError(f"programme {program.code} has no budget node to go back to")
        program.node = node
        program.save(update_fields=["node"])


class Migration(migrations.Migration):

    dependencies = [
        ("programs", "0002_program_code_name"),
        ("budget", "0003_budgetnode_program"),
    ]

    operations = [
        migrations.AlterField(
            model_name="program",
            name="node",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="program",
                to="budget.budgetnode",
                verbose_name="budget node",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
