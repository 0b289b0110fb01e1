"""The programmes table (django-tables2): columns, sorting in the database, pagination. The cells
are written by boards/templates/boards/_table.html from the page's records (see
``decorate_rows`` and the ``program_table_rows`` tag): per-cell template rendering would cost
more than the rest of the page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import django_tables2 as tables
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from boards.selectors import Tree, effective_classification, flag_in, kpi_flags
from status.models import ProgramStatus


class CountedPaginator(Paginator):
    """A paginator given its count (``boards.selectors.program_count``) instead of
    counting the rows itself (``RequestConfig(paginate={"paginator_class": ..., "count": n})``)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count


class ExpressionColumn(tables.Column):
    """A column sorted by an expression built when the table sorts by it (so the joins or
    subqueries it needs are not in the count or in unsorted pages)."""

    def __init__(self, *args: Any, expression: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expression = expression
        self.as_of: date | None = None

    def order(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        expr = self.expression(self.as_of)
        key = expr.desc() if is_descending else expr.asc()
        return queryset.order_by(key, "node__path"), True


class ProgramTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"), accessor="program__code")
    name = tables.Column(verbose_name=_("Programme"), accessor="program__name")
    pillar = tables.Column(
        verbose_name=_("Pillar"), accessor="node__path", order_by=("node__path",)
    )
    area = tables.Column(verbose_name=_("Area"), accessor="node__path", order_by=("node__path",))
    ministry = tables.Column(verbose_name=_("Ministry"), accessor="program__ministry__code")
    status = tables.Column(verbose_name=_("Status"), order_by=("severity", "node__path"))
    allocated_won = tables.Column(verbose_name=_("Budget"))
    execution_rate = tables.Column(verbose_name=_("Executed"))
    budget_status = tables.Column(verbose_name=_("Budget status"))
    overdue = ExpressionColumn(
        verbose_name=_("Overdue"),
        accessor="pk",
        expression=lambda as_of: flag_in(as_of, "overdue"),
    )
    forecast_miss = ExpressionColumn(
        verbose_name=_("Forecast to miss"),
        accessor="pk",
        expression=lambda as_of: flag_in(as_of, "forecast_miss"),
    )
    cofog = ExpressionColumn(
        verbose_name=_("COFOG"),
        accessor="node__cofog",
        expression=lambda as_of: effective_classification("cofog", "node__"),
    )
    component = ExpressionColumn(
        verbose_name=_("AI component"),
        accessor="node__ai_component",
        expression=lambda as_of: effective_classification("ai_component", "node__"),
    )

    class Meta:
        model = ProgramStatus
        fields: tuple[str, ...] = ()
        sequence = (
            "code",
            "name",
            "pillar",
            "area",
            "ministry",
            "status",
            "allocated_won",
            "execution_rate",
            "budget_status",
            "overdue",
            "forecast_miss",
            "cofog",
            "component",
        )
        template_name = "boards/_table.html"
        attrs = {"class": "data-table", "id": "programs-table"}
        empty_text = _("No programme matches these filters.")
        orderable = True

    def __init__(self, *args: Any, as_of: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("overdue", "forecast_miss"):
            self.columns[name].column.as_of = as_of


def decorate_rows(
    records: Iterable[ProgramStatus], tree: Tree, *, as_of: date
) -> list[ProgramStatus]:
    """Attach what the cells show and the row does not hold: pillar, area and the effective
    classification (from the tree already loaded) and the KPI flags (one query)."""
    records = list(records)
    tree.add_ancestors(r.node for r in records if r.node is not None)
    flags = kpi_flags(as_of, [r.program_id for r in records])
    out = []
    for r in records:
        node = r.node
        assert node is not None  # the table lists the programmes the year funds
        extra: Any = r
        extra.pillar_node = tree.pillar_of(node.path)
        extra.area_node = tree.area_of(node.path)
        extra.cofog_value = tree.classification(node, "cofog")
        extra.component_value = tree.classification(node, "ai_component")
        extra.any_overdue = "overdue" in flags.get(r.program_id, ())
        extra.any_forecast_miss = "forecast_miss" in flags.get(r.program_id, ())
        out.append(r)
    return out
