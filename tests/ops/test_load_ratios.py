"""``make load``'s ratio column (loadtest/ratios.py): every request kind's p95 over the p95 of the
minimal signed-in page, and the worst page held to 3 x (writes shown, not held)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def r() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_ratios", ROOT / "loadtest" / "ratios.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_kind_is_divided_by_the_minimal_page(r):
    kinds = [
        r.Kind("director: board", "GET", 150.0),
        r.Kind(r.MINIMAL, "GET", 50.0),
        r.Kind("officer: submit", "POST", 400.0),
    ]
    rows = r.ratios(kinds)
    assert [(x.name, x.ratio, x.page) for x in rows] == [
        ("director: board", 3.0, True),
        (r.MINIMAL, 1.0, True),
        ("officer: submit", 8.0, False),
    ]
    # A write slower than 3 x does not count against the pages; exactly 3 x holds.
    assert r.worst_page(rows).name == "director: board"
    assert r.verdict(rows).endswith("target at most 3 x: held")


def test_a_page_over_three_times_is_not_held(r):
    rows = r.ratios([r.Kind("director: board", "GET", 151.0), r.Kind(r.MINIMAL, "GET", 50.0)])
    assert r.verdict(rows) == (
        "worst page p95 ratio: 3.02 x (director: board); target at most 3 x: NOT held"
    )


def test_without_the_minimal_page_nothing_is_compared(r):
    rows = r.ratios([r.Kind("director: board", "GET", 150.0)])
    assert rows[0].ratio is None and r.worst_page(rows) is None
    assert "not measured" in r.verdict(rows)


def test_the_locustfile_requests_the_minimal_page_as_a_signed_in_director():
    source = (ROOT / "loadtest" / "locustfile.py").read_text()
    assert 'self.client.get("/accounts/me/", name=MINIMAL' in source
