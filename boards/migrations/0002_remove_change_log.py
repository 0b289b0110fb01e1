"""The boards read their data fresh on every request: the change log that versioned the boards
cache (0001: its table, triggers and function) goes. Nothing stored is lost (the log held only
counts). Backwards, the log comes back empty."""

from importlib import import_module

from django.db import migrations

_v1 = import_module("boards.migrations.0001_change_log")


class Migration(migrations.Migration):
    dependencies = [("boards", "0001_change_log")]

    operations = [migrations.RunSQL(_v1.DROP, _v1.CREATE)]
