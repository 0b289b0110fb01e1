"""manage.py create_db_roles: the owner and application database roles (audit/db_roles.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit.db_roles import roles_create


class Command(BaseCommand):
    help = (
        "As a PostgreSQL superuser (DATABASE_URL): create the owner role (runs migrate, owns every "
        "table) and the application role (reads and writes data; only SELECT and INSERT on the "
        "audit trail), hand this database to the owner, and grant the application. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="tracker_owner", help="The owner role's name.")
        parser.add_argument("--app", default="tracker_app", help="The application role's name.")
        parser.add_argument(
            "--print", action="store_true", help="Print the SQL for a DBA instead of running it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        texts = roles_create(
            owner=options["owner"], app=options["app"], execute=not options["print"]
        )
        if options["print"]:
            self.stdout.write(";\n".join(texts) + ";")
        else:
            self.stdout.write(
                f"roles ready: {options['owner']} owns the database, {options['app']} may only "
                "SELECT and INSERT on the audit trail"
            )
