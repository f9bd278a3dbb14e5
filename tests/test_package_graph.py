"""The parts of `asdf` import each other without cycles, so each can be read and tested from the bottom up.

Nodes are the subpackages (asdf.inference, asdf.reports, ...) and the single modules (asdf/cli.py is
asdf.cli). Every import of an asdf module counts, also one inside a function: moving an import into a
function keeps the two parts tied together and only hides the tie from the head of the module.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "asdf"
# the command line, the web demo and the recipe stages sit on top: they may import anything, nothing imports them
TOP_LEVEL_USERS = {"asdf.cli", "asdf.app", "asdf.stages", "asdf.run_command"}
MAX_MODULE_LINES = 500  # a module longer than this is several modules


def module_name(path: Path, package: Path) -> str:
    """The dotted name of the module at `path` (a package's __init__.py names the package)."""
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute_module(statement: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a `from ... import` names, relative imports resolved against `module`."""
    if not statement.level:
        return statement.module
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - statement.level + 1]
    return ".".join(base + ([statement.module] if statement.module else []))


def imported_names(tree: ast.Module, module: str, is_package: bool) -> list[tuple[str, int]]:
    """(dotted name, line) of everything any import in the tree names, at module level or inside functions."""
    names = []
    for statement in ast.walk(tree):
        if isinstance(statement, ast.Import):
            names += [(alias.name, statement.lineno) for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom):
            base = absolute_module(statement, module, is_package)
            # `from asdf import metrics` imports the module asdf.metrics; `from asdf.x import f` stays in asdf.x
            names += [(base, statement.lineno)] + [(f"{base}.{alias.name}", statement.lineno) for alias in statement.names]
    return names


def node_of(name: str, package: Path) -> str | None:
    """The subpackage or single module `name` lies in (asdf.inference.runner -> asdf.inference), or None."""
    parts = name.split(".")
    if parts[0] != package.name or len(parts) < 2:
        return None
    first = package / parts[1]
    return f"{package.name}.{parts[1]}" if first.is_dir() or first.with_suffix(".py").is_file() else None


def import_graph(package: Path) -> dict[str, dict[str, list[str]]]:
    """node -> imported node -> the places ("file:line") that import it."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        source = node_of(module, package)
        if source is None:  # the root package's own __init__.py
            continue
        edges = graph.setdefault(source, {})
        for name, line in imported_names(ast.parse(path.read_text()), module, path.name == "__init__.py"):
            target, place = node_of(name, package), f"{path.relative_to(package.parent)}:{line}"
            if target not in (None, source) and place not in edges.get(target, []):
                edges.setdefault(target, []).append(place)
    return graph


def reachable(graph: dict, start: str) -> set[str]:
    """Every node that `start` imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), {}):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def tangles(graph: dict) -> set[frozenset[str]]:
    """The groups of nodes that import each other in a circle (strongly connected, two or more)."""
    reach = {node: reachable(graph, node) for node in graph}
    return {frozenset({node} | {other for other in reach[node] if node in reach.get(other, ())})
            for node in graph if node in reach[node]}


def describe_cycle(graph: dict, tangle: frozenset[str]) -> str:
    """A shortest cycle through the tangle's first node, each step with the lines that import."""
    start = min(tangle)
    paths, queue = {start: [start]}, deque([start])
    while queue:
        node = queue.popleft()
        for target in graph[node]:
            if target == start:
                cycle = paths[node] + [start]
                steps = [f"{a} -> {b} ({', '.join(graph[a][b])})" for a, b in zip(cycle, cycle[1:])]
                return f"cycle among {sorted(tangle)}:\n  " + "\n  ".join(steps)
            if target in tangle and target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    raise AssertionError(f"{sorted(tangle)} is not a cycle")


def test_subpackages_import_each_other_without_cycles():
    graph = import_graph(PACKAGE)
    cycles = [describe_cycle(graph, tangle) for tangle in tangles(graph)]
    assert not cycles, "import cycles between parts of asdf:\n" + "\n".join(cycles)


def test_nothing_in_the_library_imports_its_top_level_users():
    graph = import_graph(PACKAGE)
    upward = [f"{source} -> {target} ({', '.join(places)})" for source, edges in graph.items()
              if source not in TOP_LEVEL_USERS for target, places in edges.items() if target in TOP_LEVEL_USERS]
    assert not upward, "library modules import the command line, web demo or stages:\n" + "\n".join(upward)


def test_no_library_module_is_longer_than_500_lines():
    lengths = {path.relative_to(PACKAGE.parent): len(path.read_text(encoding="utf-8").splitlines())
               for path in PACKAGE.rglob("*.py")}
    assert not {path: n for path, n in lengths.items() if n > MAX_MODULE_LINES}
    assert len(lengths) > 50  # the walk found the package


def test_an_import_inside_a_function_that_closes_a_cycle_is_found(tmp_path):
    package = tmp_path / "toy"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("def draw():\n    from toy.high import picture\n")
    (package / "high.py").write_text("from toy import low\n")
    graph = import_graph(package)
    assert tangles(graph) == {frozenset({"toy.low", "toy.high"})}
    assert "toy/low/__init__.py:2" in describe_cycle(graph, frozenset({"toy.low", "toy.high"}))
