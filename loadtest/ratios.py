"""Each request kind's p95 against the p95 of the minimal signed-in page requested in the same
mix (``make load``): the page costs what it renders, not what the stack costs every request (the
session, the user, the base template, the queue behind other requests). Target: at most
``TARGET`` x for every page (every GET); writes and the sign-in (password hashing, on purpose
slow) are shown with their ratio but not held to it."""

from __future__ import annotations

from dataclasses import dataclass

MINIMAL = "director: my account"  # GET /accounts/me/: who is signed in, the base template
TARGET = 3.0


@dataclass(frozen=True)
class Kind:
    name: str
    method: str
    p95_ms: float


@dataclass(frozen=True)
class Ratio:
    name: str
    ratio: float | None  # None when the minimal page has no p95 (not requested)
    page: bool  # held to TARGET (a GET)


def ratios(kinds: list[Kind], minimal: str = MINIMAL) -> list[Ratio]:
    """Every kind's p95 divided by the minimal page's, in the order given."""
    base = next((k.p95_ms for k in kinds if k.name == minimal), 0.0)
    return [
        Ratio(k.name, k.p95_ms / base if base > 0 else None, k.method.upper() == "GET")
        for k in kinds
    ]


def worst_page(rows: list[Ratio]) -> Ratio | None:
    """The GET kind with the highest ratio (None when there is none to compare)."""
    pages = [r for r in rows if r.page and r.ratio is not None]
    return max(pages, key=lambda r: r.ratio or 0.0, default=None)


def verdict(rows: list[Ratio]) -> str:
    worst = worst_page(rows)
    if worst is None or worst.ratio is None:
        return f"worst page p95 ratio: not measured ({MINIMAL!r} has no p95)"
    held = "held" if worst.ratio <= TARGET else "NOT held"
    return (
        f"worst page p95 ratio: {worst.ratio:.2f} x ({worst.name}); "
        f"target at most {TARGET:g} x: {held}"
    )
