# Programmes outlive a budget year: they get their own code and name (so far their node's).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("programs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="program",
            name="code",
            field=models.CharField(max_length=50, null=True, verbose_name="code"),
        ),
        migrations.AddField(
            model_name="program",
            name="name",
            field=models.CharField(default="", max_length=300, verbose_name="name (English)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="program",
            name="name_ko",
            field=models.CharField(blank=True, default="", max_length=300, verbose_name="name (Korean)"),
            preserve_default=False,
        ),
    ]
