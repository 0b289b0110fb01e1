"""Events of the KPI layer that higher layers act on, so that this layer never imports them.

``target_revised`` is sent once per target revision, inside its transaction, with ``kpi``: the
status engine listens (``status/receivers.py``) and recomputes that programme."""

from django.dispatch import Signal

target_revised = Signal()
