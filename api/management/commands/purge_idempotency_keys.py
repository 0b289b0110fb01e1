from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from api.idempotency import idempotency_records_purge


class Command(BaseCommand):
    help = "Delete the REST API's expired Idempotency-Key records (older than 24 hours)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = idempotency_records_purge()
        self.stdout.write(_("%(count)d expired idempotency records deleted.") % {"count": count})
