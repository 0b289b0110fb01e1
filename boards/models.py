"""The change log the boards cache is versioned by (boards.cache, boards.triggers)."""

from __future__ import annotations

from django.db import models


class Change(models.Model):
    """One row per write statement to a table the boards cache something from (added by the
    triggers of boards.triggers); folded into one row now and then (boards.cache)."""

    n = models.BigIntegerField(default=1)

    class Meta:
        db_table = "boards_change"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.pk}: {self.n}"
