"""Test data factories: the one place (append yours; do not rewrite others')."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import cast

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role
from budget.models import BudgetConflict, BudgetNode, FiscalYear, Ministry
from budget.spec import node_path
from kpis.models import KPI, Milestone
from programs.models import Program
from reporting.models import ProgressReport


class MinistryFactory(factory.django.DjangoModelFactory[Ministry]):
    class Meta:
        model = Ministry
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"MIN{n}")
    name = factory.LazyAttribute(lambda o: f"Ministry {o.code}")
    name_ko = factory.LazyAttribute(lambda o: f"{o.code} 부")


class FiscalYearFactory(factory.django.DjangoModelFactory[FiscalYear]):
    class Meta:
        model = FiscalYear
        django_get_or_create = ("year",)

    year = 2026
    title = "Test budget"


class BudgetNodeFactory(factory.django.DjangoModelFactory[BudgetNode]):
    class Meta:
        model = BudgetNode

    fiscal_year = factory.SubFactory(FiscalYearFactory)
    code = factory.Sequence(lambda n: f"NODE{n}")
    name = factory.LazyAttribute(lambda o: f"Node {o.code}")
    amount_won = 1_000_000_000_000
    path = factory.LazyAttribute(lambda o: o.code)


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    """A programme funded by ``node`` (made when not given: ``node__code=...`` etc.), whose code
    and name it takes; ``node=None`` for a programme no year funds."""

    class Meta:
        model = Program

    node = factory.SubFactory(BudgetNodeFactory)
    code = factory.LazyAttributeSequence(lambda o, n: o.node.code if o.node else f"PRG{n}")
    name = factory.LazyAttribute(lambda o: o.node.name if o.node else f"Programme {o.code}")
    name_ko = factory.LazyAttribute(lambda o: o.node.name_ko if o.node else "")
    ministry = factory.SubFactory(MinistryFactory)
    start = date(2026, 1, 1)
    end = date(2026, 12, 31)
    frequency = "quarterly"

    @classmethod
    def _build(cls, model_class: type[Program], *args: object, **kwargs: object) -> Program:
        kwargs.pop("node")
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class: type[Program], *args: object, **kwargs: object) -> Program:
        node = cast(BudgetNode | None, kwargs.pop("node"))
        program = super()._create(model_class, *args, **kwargs)
        if node is not None:
            node.program = program
            node.save(update_fields=["program"])
        return program


class KPIFactory(factory.django.DjangoModelFactory[KPI]):
    class Meta:
        model = KPI

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"KPI{n}")
    name = factory.LazyAttribute(lambda o: f"Indicator {o.code}")
    unit = "people"
    kind = "cumulative"
    direction = "increase"
    baseline = Decimal(0)
    target = Decimal(1000)
    target_date = date(2026, 12, 31)
    position = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory[User]):
    """``UserFactory(role=Role.OFFICER, ministry=m)``; the password is "pw-test-1234"."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    ministry = None
    password = factory.PostGenerationMethodCall("set_password", "pw-test-1234")

    @factory.post_generation
    def role(self, create: bool, extracted: Role | str | None, **kwargs: object) -> None:
        if extracted:
            group, _created = Group.objects.get_or_create(name=str(extracted))
            self.groups.add(group)  # type: ignore[attr-defined]
        if create:
            self.save()  # type: ignore[attr-defined]


# -- budget file interchange (budget/services.py) ----------------------------------------------


class BudgetTreeNodeFactory(BudgetNodeFactory):
    """A node placed in a tree the way budget_load stores it: pass ``parent=`` for a child (same
    fiscal year, depth + 1); ``path`` is the zero-padded positions ("0000/0001")."""

    parent = None
    fiscal_year = factory.Maybe(  # type: ignore[assignment]
        "parent",
        yes_declaration=factory.LazyAttribute(lambda o: o.parent.fiscal_year),
        no_declaration=factory.SubFactory(FiscalYearFactory),
    )
    position = factory.Sequence(lambda n: n % 10_000)
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 0)
    path = factory.LazyAttribute(
        lambda o: node_path(o.parent.path if o.parent else None, o.position)
    )


class BudgetConflictFactory(factory.django.DjangoModelFactory[BudgetConflict]):
    class Meta:
        model = BudgetConflict

    node = factory.SubFactory(BudgetNodeFactory)
    amount_won = 2_000_000_000_000
    source_text = "Another amount stated for the same item"
    position = 0


class MilestoneFactory(factory.django.DjangoModelFactory[Milestone]):
    class Meta:
        model = Milestone

    kpi = factory.SubFactory(KPIFactory)
    date = date(2026, 6, 30)
    value = Decimal(500)


def user_with_role(role: Role, **kwargs: object) -> User:
    """A saved user holding ``role`` (officers and ministry reviewers: pass ``ministry=``)."""
    return cast(User, UserFactory(role=role, **kwargs))


# Reporting (appended by the reporting helper) ---------------------------------------------------


class ProgressReportFactory(factory.django.DjangoModelFactory[ProgressReport]):
    """A report row as stored (no workflow): use reporting.services for transitions.
    ``values={"KPI-CODE": 10}`` adds KPI values of the report's programme."""

    class Meta:
        model = "reporting.ProgressReport"
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    period_start = date(2026, 1, 1)
    period_end = date(2026, 3, 31)
    revision = 1
    status = "draft"
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def values(self, create: bool, extracted: dict[str, object] | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        from reporting.models import KPIValue

        for code, value in extracted.items():
            KPIValue.objects.create(
                report=self, kpi=self.program.kpis.get(code=code), value=Decimal(str(value))
            )


def program_for_node(node: BudgetNode, **kwargs: object) -> Program:
    """A saved programme funded by ``node`` (its code and names), with ``kwargs`` for the rest."""
    program = Program.objects.create(code=node.code, name=node.name, name_ko=node.name_ko, **kwargs)
    node.program = program
    node.save(update_fields=["program"])
    return program
