"""``Idempotency-Key`` handling for the REST API's creates and actions.

Insert first: the record (user, key) is inserted before the work is done, in the same transaction.
A concurrent request with the same key blocks on the unique constraint until the first one commits,
then finds the stored response and replays it; if the first one fails (rolls back), the second does
the work itself. Only completed responses below 500 are stored; a request that raised (bad input,
permission denied, stale version) leaves no record, so a retry is checked afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from api.models import IDEMPOTENCY_TTL, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
STORED_HEADERS = ("ETag", "Location")


class IdempotencyKeyError(Exception):
    """The key is unusable (too long) or was used before with another request."""

    def __init__(self, message: str, status_code: int):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body},
        cls=JSONEncoder,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=JSONEncoder))


def _replay(record: IdempotencyRecord) -> Response:
    headers = dict(record.response_headers or {})
    headers[REPLAYED_HEADER] = "true"
    return Response(record.response_body, status=record.status_code, headers=headers)


def run_idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, Idempotency-Key); without the header just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyError(
            _("The Idempotency-Key header must be 1 to %(max)d characters long.")
            % {"max": MAX_KEY_LENGTH},
            status.HTTP_400_BAD_REQUEST,
        )
    user: Any = request.user
    fingerprint = request_fingerprint(
        method=request.method or "", path=request.path, body=request.data
    )
    now = timezone.now()
    with transaction.atomic():
        IdempotencyRecord.objects.filter(user=user, key=key, expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=(request.method or "")[:10],
                    path=request.path[:500],
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + IDEMPOTENCY_TTL,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key)
            if existing.fingerprint != fingerprint:
                raise IdempotencyKeyError(
                    _(
                        "This Idempotency-Key was already used with a different request "
                        "(%(method)s %(path)s with another body); use a new key for a new "
                        "request."
                    )
                    % {"method": existing.method, "path": existing.path},
                    status.HTTP_422_UNPROCESSABLE_ENTITY,
                ) from None
            return _replay(existing)
        response = handler()
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.response_body = _jsonable(response.data)
        record.response_headers = {
            name: response[name] for name in STORED_HEADERS if response.has_header(name)
        }
        record.save(update_fields=["status_code", "response_body", "response_headers"])
    return response


def idempotency_records_purge(*, now: Any = None) -> int:
    """Delete the expired records; return how many."""
    deleted, _detail = IdempotencyRecord.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted
