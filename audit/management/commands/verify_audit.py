"""manage.py verify_audit: prove the audit trail unaltered (rules in audit/verification.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.heads import audit_head_publish, heads_in
from audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit chain (with the key in AUDIT_HMAC_KEY). Exit 0 printing 'intact: N "
        "entries' and the head when intact; otherwise exit 1 naming the first entry that was "
        "edited, deleted, inserted or reordered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            default="",
            metavar="SEQ:HASH",
            help="A head printed or published earlier: also proves no entry was cut from the end.",
        )
        parser.add_argument(
            "--heads-file",
            default="",
            metavar="FILE",
            help="A copy of the daily head file: every head it records must still be in the chain.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Also append the head to AUDIT_HEAD_FILE and log it (what the daily task does).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        heads: tuple[str, ...] = ()
        if options["heads_file"]:
            try:
                heads = heads_in(Path(options["heads_file"]).read_text(encoding="utf-8"))
            except OSError as exc:
                raise CommandError(f"--heads-file: {exc}") from None
        if options["publish"]:
            audit_head_publish()
        verdict = verify_chain(expect_head=options["expect_head"], expect_heads=heads)
        if not verdict.intact:
            raise CommandError(f"tampered: {verdict.kind}: {verdict.message}", returncode=1)
        self.stdout.write(f"intact: {verdict.count} entries")
        if verdict.head_seq is not None:
            self.stdout.write(f"head: {verdict.head_seq}:{verdict.head_hash}")
