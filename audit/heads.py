"""The daily chain head, published outside the database (Celery beat: ``audit.publish_head``).

Once a day the chain is verified and its head (``SEQ:HASH``) is written as a log line and appended
to ``settings.AUDIT_HEAD_FILE``, one line per day::

    2026-12-06T00:05:00+09:00 intact 1234:9f2c...e1 (1234 entries)

Auditors keep copies of these lines where the application cannot write (the log archive, a
mailbox). ``manage.py verify_audit --expect-head SEQ:HASH`` (or ``--heads-file``) later proves
that every recorded head is still in the chain: an entry edited, or the trail cut short or emptied
since, fails even for someone who held the key.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.verification import Verdict, verify_chain

logger = logging.getLogger("audit.head")


def head_line(verdict: Verdict) -> str:
    state = "intact" if verdict.intact else f"TAMPERED ({verdict.kind}: {verdict.message})"
    head = f"{verdict.head_seq}:{verdict.head_hash}" if verdict.head_seq else "0:"
    when = timezone.localtime().isoformat(timespec="seconds")
    return f"{when} {state} {head} ({verdict.count} entries)"


def audit_head_publish(*, path: Path | None = None) -> Verdict:
    """Verify the chain, log its head and append the line to the head file."""
    verdict = verify_chain()
    line = head_line(verdict)
    if verdict.intact:
        logger.info("audit chain head: %s", line)
    else:
        logger.error("audit chain head: %s", line)
    target = Path(path or settings.AUDIT_HEAD_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    return verdict


def heads_in(text: str) -> tuple[str, ...]:
    """The ``SEQ:HASH`` heads in a head file's text (lines of intact chains; others skipped)."""
    heads = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "intact" and ":" in parts[2]:
            seq, _sep, digest = parts[2].partition(":")
            if seq.isdigit() and int(seq) > 0 and digest:
                heads.append(parts[2])
    return tuple(heads)
