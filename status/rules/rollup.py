"""Programme status over its KPIs and the budget node rollup over the programmes beneath a
node, with counts and money per status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from status.rules.arithmetic import _dec
from status.rules.explanations import Explanation, _AsDict, _explain
from status.rules.inputs import STATUSES, Status

_STATUS_BY_VALUE: dict[str, Status] = {s.value: s for s in Status}


def _status(value: Status | str) -> Status:
    """``Status(value)`` by a dict lookup (a ValueError still names a bad status)."""
    try:
        return _STATUS_BY_VALUE[value]
    except (KeyError, TypeError):
        return Status(value)


_WORDS = tuple(str(s) for s in STATUSES)


def _status_counts(statuses: Iterable[Status | str]) -> dict[str, int]:
    """The number of each status, by its word, every status present (a ValueError names a bad
    status)."""
    counts = dict.fromkeys(_WORDS, 0)
    for status in statuses:
        try:
            counts[status] += 1  # a Status finds its word: they are equal strings
        except (KeyError, TypeError):
            counts[_status(status)] += 1
    return counts


# Left out of the worst-of: nothing is measured yet (not_started) or nothing is measured at all
# (no_kpi).
_UNMEASURED = frozenset({Status.NOT_STARTED, Status.NO_KPI})
_MEASURED_WORDS = tuple(str(s) for s in STATUSES if s not in _UNMEASURED)


def combine_statuses(statuses: Iterable[Status | str]) -> Status:
    """Over the statuses other than not_started and no_kpi: off_track if any; else at_risk if
    any; else no_data if any; else achieved if all; else on_track. With none of those: no_kpi
    when every status is no_kpi, else (not_started among them, or no status at all)
    not_started."""
    return _combined(_status_counts(statuses))


def _combined(counts: dict[str, int]) -> Status:
    """:func:`combine_statuses` from the counts of the statuses."""
    total = sum(counts.values())
    without_kpi = counts[Status.NO_KPI]
    measured = total - counts[Status.NOT_STARTED] - without_kpi
    if not measured:
        if total and without_kpi == total:
            return Status.NO_KPI
        return Status.NOT_STARTED
    for status in (Status.OFF_TRACK, Status.AT_RISK, Status.NO_DATA):
        if counts[status]:
            return status
    if counts[Status.ACHIEVED] == measured:
        return Status.ACHIEVED
    return Status.ON_TRACK


def _summary_explanation(prefix: str, counts: dict[str, int], status: Status) -> Explanation:
    total = sum(counts.values())
    if total == 0:
        return _explain("program_no_kpis" if prefix == "program" else "node_no_programs")
    if status == Status.NO_KPI:
        return _explain(f"{prefix}_no_kpi", total=total)
    if status == Status.NOT_STARTED:
        return _explain(f"{prefix}_not_started", total=total)
    without_kpi = counts[Status.NO_KPI]
    params: dict[str, int] = {word: counts[word] for word in _MEASURED_WORDS}
    if without_kpi:
        params[Status.NO_KPI] = without_kpi
    return _explain(
        f"{prefix}_summary_no_kpi" if without_kpi else f"{prefix}_summary",
        total=total,
        assessed=total - counts[Status.NOT_STARTED] - without_kpi,
        **params,
    )


@dataclass(frozen=True)
class ProgramAssessment(_AsDict):
    """A programme's status over its KPIs, with the number of KPIs per status."""

    status: Status
    status_counts: dict[str, int]
    explanation: Explanation


def program_status(kpi_statuses: Iterable[Status | str]) -> ProgramAssessment:
    """The programme status over its KPIs' statuses: :func:`combine_statuses`; with no KPI at
    all, no_kpi (its budget status is assessed all the same, by :func:`assess_budget`)."""
    counts = _status_counts(kpi_statuses)
    status = _combined(counts) if any(counts.values()) else Status.NO_KPI
    return ProgramAssessment(
        status=status,
        status_counts=counts,
        explanation=_summary_explanation("program", counts, status),
    )


@dataclass(frozen=True)
class NodeInput:
    """One budget node; ``program_status`` is the programme's status, ``None`` for a node that is
    not a programme."""

    code: str
    parent_code: str | None
    amount_won: int
    program_status: Status | str | None = None


@dataclass(frozen=True)
class NodeRollup(_AsDict):
    """A node's status over the programmes at or beneath it, with their number and money per
    status (``amount_by_status`` in won, ``share_by_status`` of ``program_amount_won``)."""

    code: str
    status: Status
    program_count: int
    status_counts: dict[str, int]
    amount_by_status: dict[str, int]
    share_by_status: dict[str, Decimal | None]
    program_amount_won: int
    explanation: Explanation


NodeLike = NodeInput | tuple[str, str | None, int, Status | str | None]


def _tree(rows: Sequence[NodeLike]) -> tuple[dict[str, NodeInput], dict[str, list[str]]]:
    nodes = [row if isinstance(row, NodeInput) else NodeInput(*row) for row in rows]
    by_code: dict[str, NodeInput] = {}
    for node in nodes:
        if node.code in by_code:
            raise ValueError(f"node {node.code}: the code appears twice")
        if node.program_status is not None:
            Status(node.program_status)  # a ValueError names a bad status
        by_code[node.code] = node
    children: dict[str, list[str]] = {code: [] for code in by_code}
    for node in nodes:
        if node.parent_code is not None:
            if node.parent_code not in by_code:
                raise ValueError(f"node {node.code}: parent {node.parent_code!r} is not a node")
            children[node.parent_code].append(node.code)
    # Every node must hang from a root: a node that does not is in a cycle.
    reached: set[str] = set()
    stack = [n.code for n in nodes if n.parent_code is None]
    while stack:
        code = stack.pop()
        reached.add(code)
        stack.extend(children[code])
    if len(reached) != len(by_code):
        looped = sorted(set(by_code) - reached)
        raise ValueError(f"nodes {', '.join(looped)}: their parents form a cycle")
    return by_code, children


def _own_amounts(by_code: dict[str, NodeInput], children: dict[str, list[str]]) -> dict[str, int]:
    own: dict[str, int] = {}
    for code, node in by_code.items():
        if node.program_status is None:
            continue
        nested = 0
        stack = list(children[code])
        while stack:
            child = by_code[stack.pop()]
            if child.program_status is not None:
                nested += child.amount_won
            else:
                stack.extend(children[child.code])
        own[code] = max(0, node.amount_won - nested)
    return own


def program_own_amounts(nodes: Sequence[NodeLike]) -> dict[str, int]:
    """Each programme's money for the rollup: its amount minus the amounts of the programmes
    beneath it with no programme in between, floored at 0."""
    return _own_amounts(*_tree(nodes))


def rollup_nodes(
    nodes: Sequence[NodeLike], only: Iterable[str] | None = None
) -> dict[str, NodeRollup]:
    """The rollup of every node, by code (docs/status-rules.md, budget node rollup): the
    programme rule over every programme at or beneath the node (its own, where the node is one),
    with counts, money and shares per status. ``nodes`` is a flat list of :class:`NodeInput` or
    of ``(code, parent_code, amount_won, program_status)`` tuples. With ``only``, the rollups of
    those nodes alone (the whole tree is still checked and used)."""
    by_code, children = _tree(nodes)
    own = _own_amounts(by_code, children)
    result: dict[str, NodeRollup] = {}
    wanted = None if only is None else set(only)
    for code in by_code:
        if wanted is not None and code not in wanted:
            continue
        programmes: list[str] = []
        stack = [code]
        while stack:
            current = stack.pop()
            if by_code[current].program_status is not None:
                programmes.append(current)
            stack.extend(children[current])
        statuses = [_status(by_code[p].program_status) for p in programmes]  # type: ignore[arg-type]
        counts = _status_counts(statuses)
        amounts = {str(s): 0 for s in STATUSES}
        for programme, status in zip(programmes, statuses, strict=True):
            amounts[status] += own[programme]
        total = sum(amounts.values())
        shares: dict[str, Decimal | None] = {
            key: (_dec(Fraction(amount, total)) if total else None)
            for key, amount in amounts.items()
        }
        status = _combined(counts)
        result[code] = NodeRollup(
            code=code,
            status=status,
            program_count=len(programmes),
            status_counts=counts,
            amount_by_status=amounts,
            share_by_status=shares,
            program_amount_won=total,
            explanation=_summary_explanation("node", counts, status),
        )
    return result
