"""`manage.py seed_demo`: demo users for every role and ministry, and sample progress for the
shipped 2026 budget. Refuses to run with DEBUG off unless given --force."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from demo.services import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create demo users for every role and ministry, and sample progress (DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Create the users only, no sample progress."
        )
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="Where the demo is served, printed with the logins (default: %(default)s).",
        )
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="The password every demo user gets (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "seed_demo creates users with a known password: it refuses to run with DEBUG "
                    "off. Use --force only on a throw-away installation."
                )
            )
        result = demo_seed(password=options["password"], progress=not options["no_progress"])
        self.stdout.write(result.summary())
        self.stdout.write("")
        self.stdout.write(_("Demo logins (all with the same password):"))
        width = max(len(login.username) for login in result.logins)
        for login in result.logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.password}  {login.description}")
        self.stdout.write("")
        self.stdout.write(_("Open %(url)s and log in with one of them.") % {"url": options["url"]})
