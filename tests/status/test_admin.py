"""The task runs and stored statuses in the admin: listed, read-only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from status.models import TaskRun


@pytest.mark.django_db
def test_task_runs_are_listed_read_only(admin_client, django_assert_num_queries):
    now = timezone.now()
    for i in range(3):
        TaskRun.objects.create(
            task_name="status.recompute_all",
            task_id=f"id-{i}",
            started_at=now,
            finished_at=now,
            state="failure",
            error="ValueError: bad input",
            traceback="Traceback ...",
        )
    admin_client.get("/admin/status/taskrun/")  # warm the session and permission caches
    with django_assert_num_queries(9):  # session, user, permissions, count, page: not per row
        response = admin_client.get("/admin/status/taskrun/")
    assert response.status_code == 200
    assert b"status.recompute_all" in response.content
    run = TaskRun.objects.first()
    assert run is not None
    detail = admin_client.get(f"/admin/status/taskrun/{run.pk}/change/")
    assert detail.status_code == 200
    assert b"ValueError: bad input" in detail.content
    assert b'name="_save"' not in detail.content
    assert admin_client.get("/admin/status/taskrun/add/").status_code == 403
    assert admin_client.post(f"/admin/status/taskrun/{run.pk}/delete/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["kpistatus", "programstatus", "nodestatus", "programstate"])
def test_status_tables_open_in_the_admin(admin_client, model, portfolio):
    from datetime import date

    from status.services import status_recompute_all

    status_recompute_all(as_of=date(2026, 4, 15))
    assert admin_client.get(f"/admin/status/{model}/").status_code == 200
