"""reporting/validation.py: the one place report input is checked. Each bad-input case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reporting.validation import (
    NOT_GIVEN,
    ReportInputError,
    kpi_may_be_negative,
    parse_value,
    validate_report_input,
)
from tests.factories import KPIFactory
from tests.reporting.conftest import FULL_VALUES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1200, Decimal(1200)),
        ("1200", Decimal(1200)),
        ("1,200", Decimal(1200)),
        (" 1,234,567.5 ", Decimal("1234567.5")),
        (1.5, Decimal("1.5")),
        (Decimal("0.4500"), Decimal("0.45")),
        ("-3", Decimal(-3)),
        ("0", Decimal(0)),
        (999_999_999_999_999, Decimal(999_999_999_999_999)),
        ("1.2e3", Decimal(1200)),
    ],
)
def test_parse_value_accepts_numbers(raw, expected):
    assert parse_value(raw, field="values.X") == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", '"abc" is not a number'),
        ("12abc", '"12abc" is not a number'),
        ("1,2,3", '"1,2,3" is not a number'),
        ("NaN", '"NaN" is not a number'),
        ("nan", '"nan" is not a number'),
        (float("nan"), "is not a number"),
        ("Infinity", '"Infinity" is not a number'),
        ("-inf", '"-inf" is not a number'),
        (float("inf"), "is not a number"),
        (Decimal("NaN"), "is not a number"),
        (Decimal("Infinity"), "is not a number"),
        (True, "yes/no value"),
        (False, "yes/no value"),
        (10**15, "implausibly large"),
        (-(10**15), "implausibly large"),
        ("1e15", "implausibly large"),
        (1e300, "implausibly large"),
        ("=SUM(A1:A3)", "spreadsheet formula"),
        ("=1+1", "spreadsheet formula"),
        ("@SUM(A1)", "spreadsheet formula"),
        ("1.23456", "more than 4 decimal places"),
        ("", "a number is required"),
        ([1], "is not a number"),
        ({"a": 1}, "is not a number"),
    ],
)
def test_parse_value_refuses(raw, message):
    with pytest.raises(ReportInputError) as info:
        parse_value(raw, field="values.NACC-GPU")
    (error,) = info.value.errors
    assert error.field == "values.NACC-GPU"
    assert message in error.message


def test_parse_money():
    assert parse_value("120,000,000,000", field="executed_won") == Decimal(120_000_000_000)
    assert parse_value(10**16 - 1, field="executed_won") == Decimal(10**16 - 1)
    # 1e15 is a plausible sum of won (1,000 trillion won is not; but the limit for money is 1e16).
    assert parse_value(10**15, field="executed_won") == Decimal(10**15)
    with pytest.raises(ReportInputError, match="implausibly large"):
        parse_value(10**16, field="executed_won")
    with pytest.raises(ReportInputError, match="whole number of won"):
        parse_value("1.5", field="executed_won")


def _validate(world, **kwargs):
    params = {
        "program": world.program,
        "period_end": "2026-03-31",
        "values": FULL_VALUES,
        "executed_won": 1000,
    }
    params.update(kwargs)
    return validate_report_input(**params)


def _errors(world, **kwargs):
    with pytest.raises(ReportInputError) as info:
        _validate(world, **kwargs)
    return {e.field: e.message for e in info.value.errors}


def test_clean_input(world):
    clean = _validate(world)
    assert clean.period.start == date(2026, 1, 1)
    assert clean.period_end == date(2026, 3, 31)
    assert clean.values == {k: Decimal(v) for k, v in FULL_VALUES.items()}
    assert clean.executed_won == 1000
    assert not clean.over_execution


def test_executed_not_given_and_cleared(world):
    assert _validate(world, executed_won=None).executed_won is NOT_GIVEN
    assert _validate(world, executed_won="").executed_won is None


def test_text_for_a_number(world):
    errors = _errors(world, values={"NACC-GPU": "abc"})
    assert errors == {"values.NACC-GPU": '"abc" is not a number'}


def test_formula_string(world):
    errors = _errors(world, values={"NACC-PHD": "=A1*2"}, executed_won="=B2")
    assert "spreadsheet formula" in errors["values.NACC-PHD"]
    assert "spreadsheet formula" in errors["executed_won"]


def test_kpi_outside_the_programme(world):
    errors = _errors(world, values={"EDU-X": 5, "NOPE": 1})
    assert "EDU-X is not a KPI of programme NACC" in errors["values.EDU-X"]
    assert "NACC-GPU" in errors["values.EDU-X"]  # lists the right codes
    assert "values.NOPE" in errors


@pytest.mark.parametrize("code", ["NACC-PHD", "NACC-DEG", "NACC-GPU"])
def test_negative_values_refused(world, code):
    errors = _errors(world, values={code: -1})
    assert "negative" in errors[f"values.{code}"]


def test_negative_allowed_for_a_decreasing_level_kpi(world):
    KPIFactory(program=world.program, code="NACC-DELTA", kind="level", direction="decrease")
    clean = _validate(world, values={"NACC-DELTA": "-4.5"})
    assert clean.values["NACC-DELTA"] == Decimal("-4.5")


def test_kpi_may_be_negative_rules(world):
    assert not kpi_may_be_negative(KPIFactory.build(kind="cumulative", direction="decrease"))
    assert not kpi_may_be_negative(KPIFactory.build(kind="annual"))
    assert not kpi_may_be_negative(KPIFactory.build(kind="level", baseline=Decimal(0)))
    assert kpi_may_be_negative(KPIFactory.build(kind="level", baseline=Decimal(-5)))
    assert kpi_may_be_negative(KPIFactory.build(kind="level", direction="decrease"))


def test_absurd_magnitudes(world):
    errors = _errors(world, values={"NACC-GPU": 10**15}, executed_won=10**16)
    assert "implausibly large" in errors["values.NACC-GPU"]
    assert "implausibly large" in errors["executed_won"]


def test_nan_and_infinity(world):
    errors = _errors(world, values={"NACC-GPU": "NaN", "NACC-PHD": float("inf")})
    assert set(errors) == {"values.NACC-GPU", "values.NACC-PHD"}


def test_negative_executed(world):
    assert "cannot be negative" in _errors(world, executed_won=-5)["executed_won"]


@pytest.mark.parametrize(
    ("period_end", "message"),
    [
        ("2026-03-30", "is not the last day of a quarterly reporting period"),
        ("2026-02-28", "is not the last day"),
        ("2025-12-31", "outside the programme's reporting periods"),
        ("2029-03-31", "outside the programme's reporting periods"),
        ("31/03/2026", "not a date"),
        ("", "not a date"),
        (None, "not a date"),
    ],
)
def test_period_not_on_a_boundary_or_outside(world, period_end, message):
    assert message in _errors(world, period_end=period_end)["period_end"]


def test_periods_run_to_the_latest_target_date(world):
    # The programme ends in 2026 but a KPI's target date is 2028-12-31.
    assert _validate(world, period_end=date(2028, 12, 31)).period.start == date(2028, 10, 1)


def test_values_must_be_an_object(world):
    assert "values" in _errors(world, values=[1, 2])


def test_over_execution_needs_confirmation(world):
    errors = _errors(world, executed_won=1_000_001)
    assert "above the programme's allocation" in errors["executed_won"]
    assert "confirm" in errors["executed_won"]
    clean = _validate(world, executed_won=1_000_001, confirm_over_execution=True)
    assert clean.over_execution and clean.over_execution_confirmed


def test_every_error_is_reported_at_once(world):
    errors = _errors(
        world,
        period_end="2026-02-15",
        values={"NACC-GPU": "x", "NACC-PHD": -2, "ZZZ": 1},
        executed_won="lots",
    )
    assert set(errors) == {
        "period_end",
        "values.NACC-GPU",
        "values.NACC-PHD",
        "values.ZZZ",
        "executed_won",
    }


def test_require_complete(world):
    errors = _errors(world, values={"NACC-GPU": 1}, executed_won=None, require_complete=True)
    assert errors == {
        "values.NACC-PHD": "a value is required to submit",
        "values.NACC-DEG": "a value is required to submit",
        "executed_won": "the budget executed is required to submit",
    }
