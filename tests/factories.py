"""Test data factories: the one place (append yours; do not rewrite others')."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role
from budget.models import BudgetNode, FiscalYear, Ministry
from kpis.models import KPI
from programs.models import Program


class MinistryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ministry
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"MIN{n}")
    name = factory.LazyAttribute(lambda o: f"Ministry {o.code}")
    name_ko = factory.LazyAttribute(lambda o: f"{o.code} 부")


class FiscalYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FiscalYear
        django_get_or_create = ("year",)

    year = 2026
    title = "Test budget"


class BudgetNodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetNode

    fiscal_year = factory.SubFactory(FiscalYearFactory)
    code = factory.Sequence(lambda n: f"NODE{n}")
    name = factory.LazyAttribute(lambda o: f"Node {o.code}")
    amount_won = 1_000_000_000_000
    path = factory.LazyAttribute(lambda o: o.code)


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    node = factory.SubFactory(BudgetNodeFactory)
    ministry = factory.SubFactory(MinistryFactory)
    start = date(2026, 1, 1)
    end = date(2026, 12, 31)
    frequency = "quarterly"


class KPIFactory(factory.django.DjangoModelFactory):
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


class UserFactory(factory.django.DjangoModelFactory):
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
            self.groups.add(group)
        if create:
            self.save()
