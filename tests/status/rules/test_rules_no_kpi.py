"""Status rules version 2: a programme without KPIs reads "No KPI", not "Not started"; a node
that is itself a programme rolls up its own programme; not_started and no_kpi stay out of the
worst-of; counts and money per status include no_kpi."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.utils.translation import get_language

from status import rules
from status.rules import (
    MESSAGES,
    STATUS_LABELS,
    Explanation,
    NodeInput,
    Status,
    combine_statuses,
    program_status,
    render_explanation,
    rollup_nodes,
)

NK, NS, ND, AC, ON, AR, OF = (
    Status.NO_KPI,
    Status.NOT_STARTED,
    Status.NO_DATA,
    Status.ACHIEVED,
    Status.ON_TRACK,
    Status.AT_RISK,
    Status.OFF_TRACK,
)

KO = {
    MESSAGES["program_no_kpis"]: "성과지표 없음: 사업에 성과지표가 없습니다.",
    MESSAGES["node_no_kpi"]: "성과지표 없음: 하위 사업 %(total)s개 모두 성과지표가 없습니다.",
}


@pytest.fixture
def korean_catalog(monkeypatch):
    def fake_gettext(message):
        return KO.get(message, message) if get_language() == "ko" else message

    monkeypatch.setattr(rules.explanations, "gettext", fake_gettext)


def test_no_kpi_is_a_status_with_its_label():
    assert Status("no_kpi") is NK
    assert NK in rules.STATUSES
    assert str(STATUS_LABELS[NK]) == "No KPI"


def test_a_programme_without_kpis_has_no_kpi(korean_catalog):
    result = program_status([])
    assert result.status == NK
    assert result.explanation == Explanation("program_no_kpis", {})
    assert render_explanation(result.explanation, "en") == "No KPI: the programme has no KPI."
    assert render_explanation(result.explanation, "ko") == (
        "성과지표 없음: 사업에 성과지표가 없습니다."
    )
    # with KPIs, none started: still not started
    assert program_status([NS, NS]).status == NS


def test_not_started_and_no_kpi_stay_out_of_the_worst_of():
    assert combine_statuses([NK, ON]) == ON
    assert combine_statuses([NK, AC, NS]) == AC
    assert combine_statuses([NK, OF]) == OF
    assert combine_statuses([NK, NK]) == NK
    assert combine_statuses([NK, NS]) == NS
    assert combine_statuses([]) == NS


# TOTAL
# |- P1 (pillar, not a programme)
# |  |- A 300 on_track
# |  `- K 200 no_kpi
# `- P3 1000, itself a programme, at_risk
#    |- C 400 achieved
#    `- N 100 no_kpi
TREE = [
    NodeInput("TOTAL", None, 1500),
    NodeInput("P1", "TOTAL", 500),
    NodeInput("A", "P1", 300, ON),
    NodeInput("K", "P1", 200, NK),
    NodeInput("P3", "TOTAL", 1000, AR),
    NodeInput("C", "P3", 400, AC),
    NodeInput("N", "P3", 100, NK),
]


def test_a_node_that_is_a_programme_rolls_up_its_own_programme():
    result = rollup_nodes(TREE)
    pillar = result["P3"]
    # P3's own programme (1000 - 400 - 100 = 500 at risk) is the worst of its subtree
    assert pillar.status == AR
    assert pillar.program_count == 3
    assert pillar.status_counts["at_risk"] == 1
    assert pillar.amount_by_status["at_risk"] == 500
    assert pillar.amount_by_status["achieved"] == 400
    assert pillar.amount_by_status["no_kpi"] == 100
    assert pillar.program_amount_won == 1000


def test_money_and_counts_per_status_include_no_kpi(korean_catalog):
    result = rollup_nodes(TREE)
    total = result["TOTAL"]
    assert total.status == AR
    assert total.status_counts["no_kpi"] == 2
    assert total.amount_by_status["no_kpi"] == 300
    assert total.program_amount_won == 1500
    assert total.share_by_status["no_kpi"] == D("0.2")
    assert sum(v for v in total.share_by_status.values() if v is not None) == 1
    assert render_explanation(total.explanation, "en") == (
        "3 of 5 programmes under way: 1 achieved, 1 on track, 1 at risk, 0 off track, "
        "0 without data; 2 without KPIs."
    )
    p1 = result["P1"]
    assert p1.status == ON
    assert p1.share_by_status["no_kpi"] == D("0.4")


def test_a_node_whose_programmes_have_no_kpi_has_no_kpi(korean_catalog):
    result = rollup_nodes([NodeInput("T", None, 300), NodeInput("X", "T", 300, NK)])
    assert result["T"].status == NK
    assert result["T"].explanation == Explanation("node_no_kpi", {"total": 1})
    assert render_explanation(result["T"].explanation, "ko") == (
        "성과지표 없음: 하위 사업 1개 모두 성과지표가 없습니다."
    )
    # no programme beneath at all: not started, as before
    assert rollup_nodes([NodeInput("E", None, 0)])["E"].status == NS
