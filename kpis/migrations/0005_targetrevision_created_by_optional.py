# A target revision stated in a budget file (its ``revision`` key) has no user.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0004_kpi_decimals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="targetrevision",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty for a revision stated in a budget file (its ``revision`` key).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="revised by",
            ),
        ),
    ]
