"""Celery tasks of the audit trail (thin)."""

from __future__ import annotations

from celery import shared_task

from audit.heads import audit_head_publish


@shared_task(name="audit.publish_head")
def publish_head() -> str:
    """Verify the chain and publish its head (daily, Celery beat)."""
    verdict = audit_head_publish()
    return f"{verdict.head_seq}:{verdict.head_hash}" if verdict.intact else "tampered"
