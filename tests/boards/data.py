"""A generated portfolio for the board tests and the board benchmark, in bulk (bulk_create).

Fiscal year 2026: TOTAL -> 2 pillars (P1, P2) -> 2 areas each (P1-A1, P1-A2, P2-A1, P2-A2) ->
``n`` programmes spread over the areas and two ministries (MSIT, MOE), all quarterly over 2026.
Each programme has two KPIs: a cumulative one (target 1000, a milestone of 400 on 2026-06-30) and a
level one (target 100). Approved reports for Q1 and Q2 2026 with values that give every status
(every fifth programme has no report at all: no data and overdue), a submission transition each
(every third late), and executed amounts. Results are computed with the status services for
``AS_OF`` and for ``PAST``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.contrib.auth.models import Group

from accounts.models import User
from budget.models import BudgetNode, FiscalYear, Ministry
from kpis.models import KPI, Milestone
from programs.models import Program
from reporting.models import KPIValue, ProgressReport, ReportStatus, ReportTransition
from status.models import KPIStatus, NodeStatus, ProgramStatus
from status.services import status_recompute_all

AS_OF = date(2026, 9, 1)
PAST = date(2026, 5, 15)

# (Q1 cumulative, Q2 cumulative, Q1 level, Q2 level) per pattern
PATTERNS = [
    (300, 300, 60, 90),  # on track / forecast fine
    (100, 100, 10, 20),  # off track, forecast miss
    (200, 150, 40, 40),  # at risk-ish
    (600, 500, 100, 100),  # achieved/on track
    None,  # no report: no data, overdue
]


@dataclass
class BoardData:
    year: FiscalYear
    msit: Ministry
    moe: Ministry
    total: BudgetNode
    pillars: list[BudgetNode]
    areas: list[BudgetNode]
    programs: list[Program]
    user: User
    # The programmes' nodes in the year, in the same order.
    nodes: list[BudgetNode]


def _user(username: str, role: str | None, ministry: Ministry | None = None) -> User:
    user = User.objects.create_user(username=username, password="pw-test-1234")
    if ministry is not None:
        user.ministry = ministry
        user.save(update_fields=["ministry"])
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


def stored_on_the_day(day: date) -> None:
    """Date the results of ``day`` as computed on that day, as the nightly recompute stores them:
    the boards then count the approvals made by that day (boards.selectors.approvals_known_by)."""
    noon = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)  # 12:00 in Seoul
    for model in (KPIStatus, ProgramStatus, NodeStatus):
        model.objects.filter(as_of=day).update(computed_at=noon)


def build_board_data(n: int, *, recompute: bool = True, prefix: str = "PG") -> BoardData:
    year, _ = FiscalYear.objects.get_or_create(year=2026, defaults={"title": "Test budget"})
    msit, _ = Ministry.objects.get_or_create(
        code="MSIT",
        defaults={"name": "Ministry of Science and ICT", "name_ko": "과학기술정보통신부"},
    )
    moe, _ = Ministry.objects.get_or_create(
        code="MOE", defaults={"name": "Ministry of Education", "name_ko": "교육부"}
    )
    amount = 1_000_000_000
    total = BudgetNode.objects.create(
        fiscal_year=year,
        code="TOTAL",
        name="Total",
        name_ko="총계",
        amount_won=amount * max(n, 1),
        depth=0,
        path="0000",
    )
    pillars, areas = [], []
    for i in range(2):
        pillar = BudgetNode.objects.create(
            fiscal_year=year,
            parent=total,
            code=f"P{i + 1}",
            name=f"Pillar {i + 1}",
            name_ko=f"축 {i + 1}",
            amount_won=amount * max(n, 1) // 2,
            depth=1,
            position=i,
            path=f"0000/{i:04d}",
            cofog="04" if i == 0 else "09",
        )
        pillars.append(pillar)
        for j in range(2):
            areas.append(
                BudgetNode.objects.create(
                    fiscal_year=year,
                    parent=pillar,
                    code=f"P{i + 1}-A{j + 1}",
                    name=f"Area {i + 1}.{j + 1}",
                    name_ko=f"분야 {i + 1}.{j + 1}",
                    amount_won=amount * max(n, 1) // 4,
                    depth=2,
                    position=j,
                    path=f"{pillar.path}/{j:04d}",
                    ai_component="models" if j == 0 else "",
                )
            )
    programs = [
        Program(
            code=f"{prefix}{k:05d}",
            name=f"Programme {k:05d}",
            name_ko=f"사업 {k:05d}",
            ministry=msit if k % 2 == 0 else moe,
            start=date(2026, 1, 1),
            end=date(2026, 12, 31),
            frequency="quarterly",
        )
        for k in range(n)
    ]
    Program.objects.bulk_create(programs, batch_size=2000)
    nodes = []
    for k, program in enumerate(programs):
        area = areas[k % 4]
        nodes.append(
            BudgetNode(
                fiscal_year=year,
                parent=area,
                program=program,
                code=program.code,
                name=program.name,
                name_ko=program.name_ko,
                amount_won=amount + k * 1000,
                depth=3,
                position=k,
                path=f"{area.path}/{k:05d}",
            )
        )
    BudgetNode.objects.bulk_create(nodes, batch_size=2000)
    kpis = []
    for program in programs:
        kpis.append(
            KPI(
                program=program,
                code="CUM",
                name="People trained",
                name_ko="교육 인원",
                unit="people",
                kind="cumulative",
                target=Decimal(1000),
                target_text="1,000+",
                target_date=date(2026, 12, 31),
                position=0,
            )
        )
        kpis.append(
            KPI(
                program=program,
                code="LVL",
                name="GPUs installed",
                name_ko="GPU 설치",
                unit="GPUs",
                kind="level",
                target=Decimal(100),
                target_date=date(2026, 12, 31),
                position=1,
            )
        )
    KPI.objects.bulk_create(kpis, batch_size=2000)
    Milestone.objects.bulk_create(
        [Milestone(kpi=k, date=date(2026, 6, 30), value=Decimal(400)) for k in kpis[0::2]],
        batch_size=2000,
    )
    user = _user(f"{prefix.lower()}-data-officer", None, msit)
    reports, values, transitions = [], [], []
    periods = [(date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 6, 30))]
    for k, program in enumerate(programs):
        pattern = PATTERNS[k % len(PATTERNS)]
        if pattern is None:
            continue
        for q, (start, end) in enumerate(periods):
            late = k % 3 == 0
            if late:
                submitted = datetime(end.year, end.month + 2, 20, 3, tzinfo=UTC)
            else:
                submitted = datetime(end.year, end.month + 1, 10, 3, tzinfo=UTC)
            reports.append(
                ProgressReport(
                    program=program,
                    period_start=start,
                    period_end=end,
                    status=ReportStatus.APPROVED,
                    is_current=True,
                    executed_won=(amount + k * 1000) // 5 * (q + 1) // (2 if k % 2 else 1),
                    created_by=user,
                    submitted_by=user,
                    submitted_at=submitted,
                    approved_at=submitted,
                )
            )
    ProgressReport.objects.bulk_create(reports, batch_size=2000)
    kpi_by_program: dict[int, list[KPI]] = {}
    for kpi in kpis:
        kpi_by_program.setdefault(kpi.program_id, []).append(kpi)
    index = {p.pk: k for k, p in enumerate(programs)}
    for report in reports:
        k = index[report.program_id]
        pattern = PATTERNS[k % len(PATTERNS)]
        assert pattern is not None
        q = 0 if report.period_end.month == 3 else 1
        cum, lvl = kpi_by_program[report.program_id]
        values.append(KPIValue(report=report, kpi=cum, value=Decimal(pattern[q])))
        values.append(KPIValue(report=report, kpi=lvl, value=Decimal(pattern[2 + q])))
        transitions.append(
            ReportTransition(
                report=report,
                action="submitted",
                from_status="draft",
                to_status="submitted",
                actor=user,
            )
        )
    KPIValue.objects.bulk_create(values, batch_size=2000)
    ReportTransition.objects.bulk_create(transitions, batch_size=2000)
    # auto_now_add stamps now: put each submission at its report's submission time.
    from django.db.models import OuterRef, Subquery

    ReportTransition.objects.filter(report__in=reports).update(
        at=Subquery(ProgressReport.objects.filter(pk=OuterRef("report_id")).values("submitted_at"))
    )
    if recompute:
        status_recompute_all(as_of=PAST)
        status_recompute_all(as_of=AS_OF)
        for day in (PAST, AS_OF):
            stored_on_the_day(day)
    return BoardData(year, msit, moe, total, pillars, areas, programs, user, nodes)


YEAR_TWO = 2027


@dataclass
class TwoYearData:
    """``build_two_years``: the portfolio of :func:`build_board_data` in 2026 and a second year."""

    first: BoardData
    year: FiscalYear
    total: BudgetNode
    # Funded in 2026 only, with a KPI in force in 2027 (target date 2027-12-31).
    unfunded: Program
    # Funded in 2027 only.
    new: Program


def build_two_years(n: int, *, prefix: str = "PG") -> TwoYearData:
    """The 2026 portfolio of :func:`build_board_data` and a 2027 tree of the same shape that
    funds every programme but the first again (each with twice its 2026 amount) and one new
    programme ``NEW27``; the first programme's cumulative KPI runs to 2027-12-31, so the 2027
    board lists it apart. Stored results for ``AS_OF`` and ``PAST`` (of 2026)."""
    first = build_board_data(n, recompute=False, prefix=prefix)
    unfunded = first.programs[0]
    KPI.objects.filter(program=unfunded, code="CUM").update(target_date=date(2027, 12, 31))
    year = FiscalYear.objects.create(
        year=YEAR_TWO, title="Test budget 2027", title_ko="시험 예산 2027"
    )
    by_path: dict[str, BudgetNode] = {}
    total = None
    for node in [first.total, *first.pillars, *first.areas]:
        parent = by_path.get(node.path.rsplit("/", 1)[0]) if node.depth else None
        copy = BudgetNode.objects.create(
            fiscal_year=year,
            parent=parent,
            code=node.code,
            name=node.name,
            name_ko=node.name_ko,
            amount_won=node.amount_won * 2,
            depth=node.depth,
            position=node.position,
            path=node.path,
            cofog=node.cofog,
            ai_component=node.ai_component,
        )
        by_path[node.path] = copy
        total = total or copy
    assert total is not None
    new = Program.objects.create(
        code="NEW27",
        name="New in 2027",
        name_ko="2027 신규 사업",
        ministry=first.msit,
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        frequency="quarterly",
    )
    KPI.objects.create(
        program=new,
        code="CUM",
        name="People trained",
        name_ko="교육 인원",
        unit="people",
        kind="cumulative",
        target=Decimal(500),
        target_date=date(2027, 12, 31),
    )
    nodes = [
        BudgetNode(
            fiscal_year=year,
            parent=by_path[node.path.rsplit("/", 1)[0]],
            program=node.program,
            code=node.code,
            name=node.name,
            name_ko=node.name_ko,
            amount_won=node.amount_won * 2,
            depth=node.depth,
            position=node.position,
            path=node.path,
        )
        for node in first.nodes[1:]
    ]
    area = first.areas[0]
    nodes.append(
        BudgetNode(
            fiscal_year=year,
            parent=by_path[area.path],
            program=new,
            code=new.code,
            name=new.name,
            name_ko=new.name_ko,
            amount_won=5_000_000_000,
            depth=3,
            position=n,
            path=f"{area.path}/{n:05d}",
        )
    )
    BudgetNode.objects.bulk_create(nodes, batch_size=2000)
    status_recompute_all(as_of=PAST)
    status_recompute_all(as_of=AS_OF)
    return TwoYearData(first, year, total, unfunded, new)
