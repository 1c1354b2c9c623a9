"""The layers of `.importlinter` hold on the real tree, and a wrong arrow fails.

`lint-imports` reads the imports without importing anything (grimp), functions' bodies
included, so an import hidden inside a function breaks the contract as surely as one at
the top of a module. `scripts/app_imports.py` measures what the contract does not say in
so many words: no two apps import each other, no cross-app import inside a function, and
the only circle of files is Celery's usual services <-> tasks one.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.app_imports import measure

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", ".importlinter"],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    """The real apps and the real contract, copied where a test may spoil them."""
    shutil.copytree(ROOT / "apps", tmp_path / "apps", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_real_tree_keeps_the_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


@pytest.mark.slow  # copies the tree, runs lint-imports twice each
@pytest.mark.parametrize(("module", "line"), [
    # a lower app reaching up, at the top of the module
    ("apps/orders/models.py", "from apps.folios import selectors as _up\n"),
    # the same hidden in a function, as cycles used to be dodged
    ("apps/rooms/selectors.py", "def _later():\n    from apps.orders import selectors\n    return selectors\n"),
    # two apps on one line are independent of each other
    ("apps/reports/selectors.py", "from apps.notifications import models as _sibling\n"),
])
def test_a_forbidden_import_breaks_the_contract(tree_copy, module, line):
    assert lint_imports(tree_copy).returncode == 0  # the copy is as good as the tree
    with open(tree_copy / module, "a", encoding="utf-8") as source:
        source.write("\n\n" + line)
    result = lint_imports(tree_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 0 kept, 1 broken." in result.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout


def test_no_two_apps_import_each_other_and_no_import_hides_in_a_function():
    figures = measure(ROOT)
    assert figures["two_way_pairs"] == []
    # Django imports models only after every app's module is loaded: a signal wired in
    # AppConfig.ready() is the one place an import inside a function is the rule.
    assert figures["function_level_cross_app_imports"] == [
        "apps.notifications.apps -> apps.orders.services", "apps.webhooks.apps -> apps.orders.services",
    ]
    assert figures["file_circles"] == [["apps.notifications.services", "apps.notifications.tasks"]]


@pytest.mark.slow
def test_the_measure_sees_a_two_way_pair_and_a_hidden_import(tree_copy):
    with open(tree_copy / "apps/rooms/selectors.py", "a", encoding="utf-8") as source:
        source.write("\n\ndef _later():\n    from apps.orders import selectors\n    return selectors\n")
    figures = measure(tree_copy)
    assert figures["two_way_pairs"] == ["orders<->rooms"]
    assert "apps.rooms.selectors -> apps.orders.selectors" in figures["function_level_cross_app_imports"]
    # (through apps.rooms.quote, which orders' selectors read: the circle may pass by it)
    assert any({"apps.orders.selectors", "apps.rooms.selectors"} <= set(circle) for circle in figures["file_circles"])
