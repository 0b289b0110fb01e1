"""The table of KPI kinds: the model's choices and every row agree with it."""

from __future__ import annotations

import pytest

from kpis import kinds
from kpis.models import KPIKind


def test_model_choices_are_the_table():
    assert tuple(KPIKind.values) == kinds.KINDS
    for value, label in KPIKind.choices:
        assert str(label) == str(kinds.KIND_TABLE[value].label)


def test_every_row_is_complete_and_named_by_its_key():
    for code, row in kinds.KIND_TABLE.items():
        assert row.code == code
        assert row.actual in {
            kinds.Actual.RUNNING_TOTAL,
            kinds.Actual.LATEST,
            kinds.Actual.YEAR_TOTAL,
        }
        assert row.chart in {kinds.Chart.TRAJECTORY, kinds.Chart.YEARLY}
        for text in (row.label, row.form_label, row.sheet_help, row.expected_note):
            assert str(text)


def test_the_rows_say_what_each_kind_means():
    cumulative, level, annual = (kinds.KIND_TABLE[k] for k in ("cumulative", "level", "annual"))
    assert cumulative.period_amounts and annual.period_amounts and not level.period_amounts
    assert annual.yearly and not annual.forecast and not annual.takes_milestones
    assert annual.directions == ("increase",)
    assert level.directions == ("increase", "decrease")
    assert annual.chart == kinds.Chart.YEARLY and level.chart == kinds.Chart.TRAJECTORY


def test_an_unknown_kind_is_named():
    with pytest.raises(ValueError, match="'weekly' is not one of cumulative, level, annual"):
        kinds.kind_of("weekly")
