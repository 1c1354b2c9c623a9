"""Who imports whom, app by app: the figures behind the layer contract.

    python scripts/app_imports.py [ROOT] [--json] [--without-tests]

Reads every module under ``ROOT/apps`` (default: this checkout) without importing it
and prints:

- the app pairs (A imports B) and those that go both ways;
- the imports of another app made inside a function body (the usual way to hide a
  cycle from the import machinery);
- the file circles: groups of modules that import each other, directly or round a loop.

`.importlinter` is the rule (``lint-imports`` fails on a wrong arrow); this script
measures the floor plan, before and after a change, and ``test_layers`` asserts its
figures stay at zero.
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from pathlib import Path


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(module: str, is_package: bool, tree: ast.AST):
    """Yield (imported module, inside_function) for each import statement."""

    def visit(node: ast.AST, in_function: bool):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, in_function
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, is_package, child)
                for alias in child.names:
                    # `from apps.orders import services` names a module; keep the longer
                    # name when it is one, so file circles are seen module by module.
                    yield f"{target}.{alias.name}", in_function
            yield from visit(child, nested)

    yield from visit(tree, False)


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "apps" else None


def measure(root: Path, with_tests: bool = True) -> dict:
    apps_dir = root / "apps"
    files = sorted(f for f in apps_dir.rglob("*.py") if with_tests or "tests" not in f.parts)
    modules = {_module_name(f, root): f for f in files}
    graph: dict[str, set[str]] = defaultdict(set)
    pairs: set[tuple[str, str]] = set()
    in_functions: list[str] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        source_app = _app(name)
        for target, in_function in _targets(name, path.name == "__init__.py", tree):
            # The longest prefix of the name that is a module of ours.
            candidate = target
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if not candidate.startswith("apps."):
                continue
            target_app = _app(candidate)
            if candidate != name:
                graph[name].add(candidate)
            if source_app and target_app and source_app != target_app:
                pairs.add((source_app, target_app))
                if in_function:
                    in_functions.append(f"{name} -> {candidate}")
    two_way = sorted({tuple(sorted(p)) for p in pairs if (p[1], p[0]) in pairs})
    return {
        "app_pairs": len(pairs),
        "two_way_pairs": [f"{a}<->{b}" for a, b in two_way],
        "function_level_cross_app_imports": sorted(set(in_functions)),
        "file_circles": _circles(graph),
    }


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--without-tests", action="store_true", help="production modules only")
    args = parser.parse_args()
    figures = measure(Path(args.root).resolve(), with_tests=not args.without_tests)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"app pairs (A imports B): {figures['app_pairs']}")
    print(f"two-way pairs: {len(figures['two_way_pairs'])}  {' '.join(figures['two_way_pairs'])}")
    print(f"cross-app imports inside functions: {len(figures['function_level_cross_app_imports'])}")
    for line in figures["function_level_cross_app_imports"]:
        print(f"  {line}")
    print(f"file circles: {len(figures['file_circles'])}")
    for group in figures["file_circles"]:
        print("  " + " <-> ".join(group))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
