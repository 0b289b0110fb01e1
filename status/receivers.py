"""What the status engine does when a lower layer announces a change it must act on (the lower
layers never import the engine): a revised KPI target recomputes its programme."""

from __future__ import annotations

from typing import Any

from kpis.models import KPI


def on_target_revised(sender: Any, *, kpi: KPI, **kwargs: Any) -> None:
    from status.services import status_enqueue_recompute

    status_enqueue_recompute(program_id=kpi.program_id, reason="target_revised")


def connect() -> None:
    from kpis.signals import target_revised

    target_revised.connect(on_target_revised, dispatch_uid="status.on_target_revised")
