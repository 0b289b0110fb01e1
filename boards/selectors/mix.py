"""The status mix: how many programmes, and how much of their money, per status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from boards.selectors.common import GOOD_STATUSES, STATUS_ORDER
from status.models import NodeStatus, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


@dataclass
class MixRow:
    status: str
    count: int
    amount_won: int
    count_share: Decimal | None
    amount_share: Decimal | None


@dataclass
class StatusMix:
    counts: dict[str, int]
    amounts: dict[str, int]

    @property
    def total_count(self) -> int:
        return sum(self.counts.values())

    @property
    def total_won(self) -> int:
        return sum(self.amounts.values())

    @property
    def good_won(self) -> int:
        return sum(self.amounts.get(s, 0) for s in GOOD_STATUSES)

    @property
    def good_share(self) -> Decimal | None:
        total = self.total_won
        return Decimal(self.good_won) / total if total else None

    @property
    def no_kpi_won(self) -> int:
        """The money of the programmes without any KPI (the headline says how much)."""
        return self.amounts.get(Status.NO_KPI, 0)

    @property
    def no_kpi_count(self) -> int:
        return self.counts.get(Status.NO_KPI, 0)

    @property
    def no_kpi_share(self) -> Decimal | None:
        total = self.total_won
        return Decimal(self.no_kpi_won) / total if total else None

    def rows(self) -> list[MixRow]:
        total_count, total_won = self.total_count, self.total_won
        return [
            MixRow(
                status=s,
                count=self.counts.get(s, 0),
                amount_won=self.amounts.get(s, 0),
                count_share=Decimal(self.counts.get(s, 0)) / total_count if total_count else None,
                amount_share=Decimal(self.amounts.get(s, 0)) / total_won if total_won else None,
            )
            for s in STATUS_ORDER
        ]


def mix_from_node(row: NodeStatus | None) -> StatusMix:
    if row is None:
        return StatusMix({}, {})
    return StatusMix(
        {k: int(v or 0) for k, v in row.status_counts.items()},
        {k: int(v or 0) for k, v in row.amount_by_status.items()},
    )


def mix_from_rows(rows: Iterable[tuple[int, str]], own: dict[int, int]) -> StatusMix:
    """The mix of ``(programme id, status)`` rows, each programme's money being its own
    (``common.own_amounts``: a programme within another is not counted twice), as the node
    rollups count it."""
    counts: dict[str, int] = {}
    amounts: dict[str, int] = {}
    for program_id, status in rows:
        counts[status] = counts.get(status, 0) + 1
        amounts[status] = amounts.get(status, 0) + own.get(program_id, 0)
    return StatusMix(counts, amounts)
