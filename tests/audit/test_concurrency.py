"""Two writers at once (separate threads, separate connections): the chain stays linear."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from audit.models import AuditEntry
from audit.verification import verify_chain
from budget.models import Ministry

WRITES = 15


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_keep_the_chain_linear():
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(WRITES):
                with transaction.atomic():
                    m = Ministry.objects.create(code=f"{prefix}{i}", name=f"{prefix} {i}")
                    m.name = f"{prefix} {i} renamed"
                    m.save()
        except BaseException as exc:  # pragma: no cover (reported below)
            errors.append(exc)
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert AuditEntry.objects.count() == 2 * 2 * WRITES
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 4 * WRITES + 1))
    verdict = verify_chain()
    assert verdict.intact, verdict.message
