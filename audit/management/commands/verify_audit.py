"""manage.py verify_audit: prove the audit trail unaltered (rules in audit/verification.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit chain. Exit 0 printing 'intact: N entries' when intact; otherwise exit 1 "
        "naming the first entry that was edited, deleted, inserted or reordered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            default="",
            metavar="SEQ:HASH",
            help="A head printed by an earlier run: also proves no entry was cut from the end.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify_chain(expect_head=options["expect_head"])
        if not verdict.intact:
            raise CommandError(f"tampered: {verdict.kind}: {verdict.message}", returncode=1)
        self.stdout.write(f"intact: {verdict.count} entries")
        if verdict.head_seq is not None:
            self.stdout.write(f"head: {verdict.head_seq}:{verdict.head_hash}")
