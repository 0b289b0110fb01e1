"""API tokens moved to django-rest-knox (hashed, expiring). The tokens of Django REST framework's
authtoken app were stored in plain text: drop their table so none of them survives. Users get a
new token from /api/v1/auth/token/."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL(
            sql="DROP TABLE IF EXISTS authtoken_token CASCADE",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
