"""Celery tasks of the status engine. Thin: they take ids and dates, call the services, and record
every run (attempt) in a TaskRun row. Retries with exponential backoff; soft and hard time limits.
"""

from __future__ import annotations

import contextlib
import traceback as tb
from datetime import date
from typing import Any

from celery import Task, shared_task
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from status.models import TaskRun, TaskRunState

RETRY_ON = (OperationalError, DatabaseError, SoftTimeLimitExceeded, ConnectionError)


class RecordedTask(Task):
    """A task whose every attempt is recorded in TaskRun, retried with exponential backoff."""

    abstract = True
    autoretry_for = RETRY_ON
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        run = TaskRun.objects.create(
            task_name=self.name,
            task_id=(self.request.id or "") if self.request else "",
            args=[_plain(a) for a in args],
            kwargs={k: _plain(v) for k, v in kwargs.items()},
            attempt=(self.request.retries or 0) + 1 if self.request else 1,
            started_at=timezone.now(),
            state=TaskRunState.STARTED,
        )
        try:
            result = super().__call__(*args, **kwargs)
        except BaseException as exc:
            # Retry is what the autoretry raises when it schedules another attempt.
            retrying = isinstance(exc, Retry)
            cause = exc.exc if isinstance(exc, Retry) and exc.exc is not None else exc
            run.state = TaskRunState.RETRY if retrying else TaskRunState.FAILURE
            run.error = f"{type(cause).__name__}: {cause}"[:10000]
            run.traceback = tb.format_exc()
            run.finished_at = timezone.now()
            _save_run(run)
            raise
        run.state = TaskRunState.SUCCESS
        run.result = _plain(result)
        run.finished_at = timezone.now()
        _save_run(run)
        return result


def _save_run(run: TaskRun) -> None:
    # When the database is what failed, the run stays "started".
    with contextlib.suppress(DatabaseError):
        run.save(update_fields=["state", "error", "traceback", "finished_at", "result"])


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _day(as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else timezone.localdate()


@shared_task(
    base=RecordedTask,
    bind=True,
    name="status.recompute_program",
    soft_time_limit=120,
    time_limit=180,
)
def recompute_program(self: Task, program_id: int, as_of: str | None = None) -> dict[str, Any]:
    from status.services import status_recompute_program

    summary = status_recompute_program(program_id=program_id, as_of=_day(as_of))
    return {"as_of": summary.as_of.isoformat(), "written": summary.written}


@shared_task(
    base=RecordedTask, bind=True, name="status.recompute_all", soft_time_limit=1500, time_limit=1800
)
def recompute_all(self: Task, as_of: str | None = None) -> dict[str, Any]:
    from status.services import status_recompute_all

    summary = status_recompute_all(as_of=_day(as_of))
    return {
        "as_of": summary.as_of.isoformat(),
        "kpis": summary.kpis,
        "programs": summary.programs,
        "nodes": summary.nodes,
        "written": summary.written,
    }


@shared_task(
    base=RecordedTask, bind=True, name="status.sweep_stale", soft_time_limit=540, time_limit=600
)
def sweep_stale(self: Task) -> dict[str, Any]:
    from status.services import status_sweep_stale

    return {"recomputed": status_sweep_stale()}


@shared_task(
    base=RecordedTask, bind=True, name="status.send_reminders", soft_time_limit=540, time_limit=600
)
def send_reminders(self: Task) -> dict[str, Any]:
    from status.reminders import reminders_send

    return reminders_send(today=timezone.localdate())
