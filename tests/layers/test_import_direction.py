"""Layers point one way: an app imports only apps in its own layer or below.

Every Python file of every app is parsed (``ast``, so imports inside functions and under
``TYPE_CHECKING`` count too) and each import of another app is checked against the layers below.
``audit`` (the audit trail every write goes through) and ``ops`` (logging, health) are cross-cutting
and may be imported from any layer; ``config`` wires everything together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. An app may import apps of its own layer and of the layers before it.
LAYERS: list[set[str]] = [
    {"accounts"},  # users and roles
    {"budget", "programs", "kpis"},  # what is planned: the budget tree, programmes, KPIs
    {"reporting", "status"},  # what happens: progress reports and the statuses computed from them
    # who reads and fills it: pages, the REST API, the results of a year, the public page, the demo
    {"boards", "api", "results", "public", "demo"},
]
CROSS_CUTTING = {"audit", "ops", "config"}
LAYER_OF = {app: index for index, layer in enumerate(LAYERS) for app in layer}


def imported_apps(path: Path) -> list[tuple[int, str]]:
    """``(line, app)`` for every import of a project app in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYER_OF or top in CROSS_CUTTING:
                found.append((node.lineno, top))
    return found


def violations(root: Path) -> list[str]:
    found = []
    for app, layer in sorted(LAYER_OF.items()):
        for path in sorted((root / app).rglob("*.py")):
            for line, other in imported_apps(path):
                if other in LAYER_OF and LAYER_OF[other] > layer:
                    where = path.relative_to(root)
                    found.append(
                        f"{where}:{line}: {app} (layer {layer}) imports {other} "
                        f"(layer {LAYER_OF[other]})"
                    )
    return found


def test_every_app_is_in_a_layer() -> None:
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps - LAYER_OF.keys() - CROSS_CUTTING == set()


def test_no_app_imports_a_layer_above_it() -> None:
    assert violations(ROOT) == []


@pytest.mark.parametrize(
    ("app", "statement", "target"),
    [
        ("kpis", "from status.services import status_enqueue_recompute", "status"),
        ("budget", "import reporting.models", "reporting"),
        ("accounts", "from reporting import services", "reporting"),
        ("reporting", "from boards.selectors import board_page", "boards"),
    ],
)
def test_an_upward_import_is_caught(tmp_path: Path, app: str, statement: str, target: str) -> None:
    """The check can fail: an upward import, even inside a function, is reported."""
    (tmp_path / app).mkdir()
    (tmp_path / app / "module.py").write_text(f"def f():\n    {statement}\n", encoding="utf-8")
    assert violations(tmp_path) == [
        f"{app}/module.py:2: {app} (layer {LAYER_OF[app]}) imports {target} "
        f"(layer {LAYER_OF[target]})"
    ]
