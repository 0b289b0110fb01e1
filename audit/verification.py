"""Checking the chain (``manage.py verify_audit``). The one place this rule lives.

Walking the entries in ``seq`` order, each entry must (1) hash to its stored ``hash``, (2) carry the
previous entry's hash as ``prev_hash`` (the first: 64 zeros) and (3) have the next ``seq`` (from 1).
The first entry that breaks a rule is named with the kind of tampering it shows:

* reordered: its ``prev_hash`` is the hash of an entry that comes *later* in the walk;
* inserted: its ``prev_hash`` is the hash of an entry *two or more before it*, so the entry just
  before it was slipped in; or it links to no entry at all while its own hash is consistent
  (a forged row, or the entry before it was edited and re-hashed);
* deleted: it links to no entry and the ``seq`` jumps (the entries in the gap are missing), or the
  ``seq`` jumps though the link holds;
* edited: its content no longer gives its hash.

The chain alone cannot show that entries were removed from its *end* (or all of them). Two checks
cover that: the newest row of every audited model must have an entry (so an emptied or shortened
trail fails while audited data exist), and the head that ``verify_audit`` prints (seq and hash) or
that is published every day (audit/heads.py) can be compared with ``--expect-head``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from audit.chain import GENESIS_HASH, compute_hash
from audit.models import AuditEntry

if TYPE_CHECKING:
    from django.db.models import QuerySet


@dataclass(frozen=True)
class Verdict:
    intact: bool
    count: int
    kind: str = ""  # "", "edited", "deleted", "inserted", "reordered", "head"
    seq: int | None = None
    message: str = ""
    head_seq: int | None = None
    head_hash: str = ""


def verify_chain(
    *, using: str = "default", expect_head: str = "", expect_heads: tuple[str, ...] = ()
) -> Verdict:
    """Walk the chain; ``expect_head``/``expect_heads``: heads (``SEQ:HASH``) recorded earlier,
    each of which must still be in the chain."""
    qs = AuditEntry.objects.using(using).order_by("seq")
    position = {h: i for i, h in enumerate(qs.values_list("hash", flat=True).iterator())}
    count = len(position)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    prev_seq: int | None = None
    head_seq: int | None = None
    head_hash = ""
    for i, entry in enumerate(qs.iterator(chunk_size=2000)):
        self_ok = compute_hash(entry) == entry.hash
        link_ok = entry.prev_hash == expected_prev
        seq_ok = entry.seq == expected_seq
        if not (self_ok and link_ok and seq_ok):
            kind, seq, message = _classify(
                entry, i, position, self_ok, link_ok, seq_ok, expected_seq, prev_seq
            )
            return Verdict(False, count, kind, seq, message)
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
        prev_seq = entry.seq
        head_seq, head_hash = entry.seq, entry.hash
    missing = _newest_unrecorded(using)
    if missing is not None:
        return Verdict(
            False,
            count,
            "deleted",
            head_seq,
            _(
                "entries were deleted: %(object)s %(id)s exists but the trail has no entry for "
                "it (the trail was emptied or cut short)"
            )
            % {"object": missing[0], "id": missing[1]},
            head_seq,
            head_hash,
        )
    for head in (expect_head, *expect_heads):
        if not head:
            continue
        problem = _check_head(qs, head, count, head_seq)
        if problem is not None:
            return problem
    return Verdict(True, count, head_seq=head_seq, head_hash=head_hash)


def _check_head(
    qs: QuerySet[AuditEntry], expect_head: str, count: int, head_seq: int | None
) -> Verdict | None:
    want_seq, _sep, want_hash = expect_head.strip().partition(":")
    try:
        want = int(want_seq)
    except ValueError:
        want = -1
    if want < 1 or (head_seq or 0) < want:
        return Verdict(
            False,
            count,
            "deleted",
            want,
            _(
                "entries were deleted from the end: the chain ends at seq %(head)s, before "
                "the recorded head seq %(want)s"
            )
            % {"head": head_seq or 0, "want": want_seq},
        )
    row = qs.filter(seq=want).values_list("hash", flat=True).first()
    if row != want_hash:
        return Verdict(
            False,
            count,
            "edited",
            want,
            _("entry seq %(seq)s does not have the recorded head hash") % {"seq": want},
        )
    return None


def _newest_unrecorded(using: str) -> tuple[str, str] | None:
    """(object type, id) of the newest row of an audited model that has no entry, if any."""
    from audit.registry import AUDITED, object_type

    entries = AuditEntry.objects.using(using)
    for cfg in AUDITED:
        model = cfg.model
        newest = model._base_manager.using(using).order_by("-pk").values_list("pk", flat=True)[:1]
        for pk in newest:
            label = object_type(model)
            if not entries.filter(object_type=label, object_id=str(pk)).exists():
                return label, str(pk)
    return None


def _classify(
    entry: AuditEntry,
    i: int,
    position: dict[str, int],
    self_ok: bool,
    link_ok: bool,
    seq_ok: bool,
    expected_seq: int,
    prev_seq: int | None,
) -> tuple[str, int, str]:
    linked = position.get(entry.prev_hash)
    if not link_ok:
        if linked is not None and linked >= i:
            return (
                "reordered",
                entry.seq,
                _("entry seq %(seq)s was reordered: it links to an entry that now comes after it")
                % {"seq": entry.seq},
            )
        if linked is not None and linked < i - 1:
            inserted = prev_seq if prev_seq is not None else entry.seq
            return (
                "inserted",
                inserted,
                _("entry seq %(seq)s was inserted: the entry after it links past it")
                % {"seq": inserted},
            )
        if linked is None and entry.seq > expected_seq:
            return (
                "deleted",
                expected_seq,
                _(
                    "entries seq %(first)s to %(last)s were deleted (entry seq %(seq)s links to a "
                    "missing entry)"
                )
                % {"first": expected_seq, "last": entry.seq - 1, "seq": entry.seq},
            )
        if linked is None and self_ok:
            return (
                "inserted",
                entry.seq,
                _(
                    "entry seq %(seq)s was inserted: it does not link to entry seq %(prev)s "
                    "(or that entry was edited and re-hashed)"
                )
                % {"seq": entry.seq, "prev": prev_seq if prev_seq is not None else 0},
            )
    if not self_ok:
        return (
            "edited",
            entry.seq,
            _("entry seq %(seq)s was edited: its content does not match its hash")
            % {"seq": entry.seq},
        )
    if entry.seq > expected_seq:
        return (
            "deleted",
            expected_seq,
            _("entries seq %(first)s to %(last)s were deleted (the sequence jumps)")
            % {"first": expected_seq, "last": entry.seq - 1},
        )
    return (
        "inserted",
        entry.seq,
        _("entry seq %(seq)s was inserted: sequence %(expected)s expected")
        % {"seq": entry.seq, "expected": expected_seq},
    )
