"""Two database roles: the owner runs the migrations and owns every table; the application's role
reads and writes the data but may only SELECT and INSERT on the audit trail.

Owning a table is what lets a role disable its triggers, truncate it or drop it, so the role the
web processes, the worker and beat connect as must not own the trail: a compromised application
can then append entries (as it must) but not rewrite, delete, truncate or un-trigger them.

* :func:`roles_create` (``manage.py create_db_roles``, run once as a superuser) creates both roles
  if missing, makes the owner own the database and every table and sequence in it, and grants the
  application its rights. ``--print`` shows the SQL for a DBA instead.
* :func:`app_grants_apply` runs after every ``migrate`` (AuditConfig's post_migrate receiver) when
  ``DATABASE_APP_ROLE`` names an existing role, so tables added by later migrations are granted
  too and the trail's restriction is re-applied.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from psycopg import sql

AUDIT_TABLE = "audit_auditentry"


def app_grant_statements(
    app_role: str, schema: str = "public", *, trail_exists: bool = True
) -> list[sql.Composed]:
    role = sql.Identifier(app_role)
    sch = sql.Identifier(schema)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sch, role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
            sch, role
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(sch, role),
    ]
    if trail_exists:  # before the first migrate there is nothing to restrict yet
        statements.append(
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
                sql.Identifier(AUDIT_TABLE), role
            )
        )
    return statements


def role_exists(cursor: Any, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    return cursor.fetchone() is not None


def app_grants_apply(*, app_role: str, using: str = "default") -> bool:
    """Grant the application role its rights on every table (the trail: SELECT and INSERT only).
    False (and nothing done) when the role does not exist."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if not role_exists(cursor, app_role):
            return False
        for statement in app_grant_statements(app_role):
            cursor.execute(statement.as_string(cursor.connection))
    return True


def roles_create_statements(
    *,
    owner: str,
    app: str,
    database: str,
    owned_by_others: list[tuple[str, str]],
    functions: tuple[str, ...] | list[str] = (),
    trail_exists: bool = True,
) -> list[sql.Composed]:
    """The SQL (for a superuser) that creates both roles and hands the database to the owner.
    ``owned_by_others``: (kind, name) of tables, sequences and views not yet the owner's."""
    own, app_id = sql.Identifier(owner), sql.Identifier(app)
    out = [
        sql.SQL(
            "DO $$ BEGIN CREATE ROLE {} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ).format(own),
        sql.SQL(
            "DO $$ BEGIN CREATE ROLE {} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ).format(app_id),
        sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), own),
        sql.SQL("GRANT CREATE, USAGE ON SCHEMA public TO {}").format(own),
    ]
    for kind, name in owned_by_others:
        out.append(
            sql.SQL("ALTER {} public.{} OWNER TO {}").format(
                sql.SQL(kind), sql.Identifier(name), own
            )
        )
    for signature in functions:  # already quoted by format('%I(...)')
        out.append(sql.SQL("ALTER FUNCTION public.{} OWNER TO {}").format(sql.SQL(signature), own))
    out.extend(app_grant_statements(app, trail_exists=trail_exists))
    return out


def _owned_by_others(cursor: Any, owner: str) -> list[tuple[str, str]]:
    cursor.execute(
        """
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_get_userbyid(c.relowner) <> %s
        ORDER BY c.relname
        """,
        [owner],
    )
    return [(kind, name) for kind, name in cursor.fetchall()]


def _functions_owned_by_others(cursor: Any, owner: str) -> list[str]:
    """``name(argument types)`` of the functions in public (the trigger functions of the
    migrations) that the owner does not own yet: a later migration must be able to replace them."""
    cursor.execute(
        """
        SELECT format('%%I(%%s)', p.proname, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s
        ORDER BY 1
        """,
        [owner],
    )
    return [row[0] for row in cursor.fetchall()]


def roles_create(
    *, owner: str, app: str, using: str = "default", execute: bool = True
) -> list[str]:
    """Create the two roles and hand the database to the owner (as a superuser). Returns the SQL
    (run unless ``execute`` is False). Sequences owned by a table follow it."""
    connection = connections[using]
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [AUDIT_TABLE])
        trail_exists = bool(cursor.fetchone()[0])
        statements = roles_create_statements(
            owner=owner,
            app=app,
            database=database,
            owned_by_others=_owned_by_others(cursor, owner),
            functions=_functions_owned_by_others(cursor, owner),
            trail_exists=trail_exists,
        )
        texts = [s.as_string(cursor.connection) for s in statements]
        if execute:
            for text in texts:
                cursor.execute(text)
    return texts
