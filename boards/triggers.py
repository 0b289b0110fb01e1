"""The triggers that keep the boards' change log (boards.models.Change), declared with
django-pgtrigger: after every write statement (insert, update, delete, truncate) to a table the
boards cache something from, whatever makes it (services, queryset updates, COPY, the admin, raw
SQL), a row is added to ``boards_change``. The cache (boards.cache) keys its entries by the log's
``(sum(n), max(id))``. ``CACHED_TABLES`` must name every table a cached read reads: a test
(tests/boards/test_cache.py) runs every cached read and checks the tables of its SQL.

Installed by ``migrate`` (PGTRIGGER_INSTALL_ON_MIGRATE; PGTRIGGER_MIGRATIONS is off, so the
triggers are not written into the other apps' migrations).
"""

from __future__ import annotations

import pgtrigger
from django.db import models

from budget.models import BudgetNode, FiscalYear, Ministry
from kpis.models import KPI
from programs.models import Program
from reporting.models import KPIValue, ProgressReport
from status.models import KPIStatus, NodeStatus, ProgramStatus

CACHED_MODELS: tuple[type[models.Model], ...] = (
    ProgressReport,
    KPIValue,
    Program,
    KPI,
    FiscalYear,
    Ministry,
    BudgetNode,
    ProgramStatus,
    KPIStatus,
    NodeStatus,
)
CACHED_TABLES = frozenset(model._meta.db_table for model in CACHED_MODELS)

CHANGE_TRIGGER = pgtrigger.Trigger(
    name="boards_change",
    level=pgtrigger.Statement,
    when=pgtrigger.After,
    operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete | pgtrigger.Truncate,
    func="INSERT INTO boards_change (n) VALUES (1); RETURN NULL;",
)


def register() -> None:
    for model in CACHED_MODELS:
        pgtrigger.register(CHANGE_TRIGGER)(model)
