"""Database housekeeping the services call after bulk writes.

``analyze`` runs ANALYZE on the tables a bulk load filled, so the query planner has statistics for
them at once instead of after autovacuum's next pass (which can be minutes away: until then a
freshly loaded table looks empty to the planner, and a board page over it may pick a nested loop
over millions of row pairs). ANALYZE samples a bounded number of rows: milliseconds on these
tables. It runs inside the caller's transaction (it sees the rows the transaction wrote, and a
rollback takes the statistics back with the rows).
"""

from __future__ import annotations

from django.db import connections, models


def analyze(*tables: type[models.Model] | str, using: str = "default") -> None:
    """ANALYZE the tables of these models (or table names) in one statement; with none, every
    table of the database (for a database just filled from nothing)."""
    connection = connections[using]
    names = sorted({table if isinstance(table, str) else table._meta.db_table for table in tables})
    with connection.cursor() as cursor:
        cursor.execute(" ".join(["ANALYZE", ", ".join(map(connection.ops.quote_name, names))]))
