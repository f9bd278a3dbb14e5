"""The parts of `asdf` import each other without cycles and only as their docstrings allow, so each can be read
and tested from the bottom up.

Nodes are the subpackages (asdf.inference, asdf.reports, ...) and any single module at the root. Every import
of an asdf module counts, also one inside a function: moving an import into a function keeps the two parts tied
together and only hides the tie from the head of the module. Each subpackage's `__init__` docstring is one
paragraph that ends with its rule, `May import: `asdf.base`, `asdf.data`.` (or `nothing from asdf`, or `any part
of asdf`), and the tests below hold every module inside it to that rule.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "asdf"
# the command line, the web demo and the recipe stages sit on top: they may import anything, nothing imports them
TOP_LEVEL_USERS = {"asdf.cli", "asdf.stages"}
MAX_MODULE_LINES = 500  # a module longer than this is several modules
MAX_ROOT_MODULES = 8  # more, and `ls asdf/` stops reading as the code map
ANY_PART = None  # the rule of a package that may import every other part


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


def package_rule(init: Path, root: str = "asdf") -> set[str] | None:
    """The asdf parts a package's `__init__` docstring says it may import (ANY_PART: all of them)."""
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    found = re.search(r"May import: (.*?)(\.\s|\.$|;)", " ".join(docstring.split()))
    if found is None:
        raise AssertionError(f"{init}: the docstring ends with no `May import: ...` rule")
    rule = found.group(1)
    if rule.startswith("any part of asdf"):
        return ANY_PART
    if rule.startswith("nothing from asdf"):
        return set()
    names = set(re.findall(rf"`({root}\.[\w.]+)`", rule))
    if not names:
        raise AssertionError(f"{init}: cannot read the rule {rule!r} (name parts as `asdf.base`)")
    return names


def forbidden_imports(package: Path) -> list[str]:
    """Imports of asdf parts that the rule of a package around the importing module does not allow."""
    rules = {module_name(init, package): package_rule(init, package.name) for init in package.rglob("__init__.py")
             if init.parent != package}
    found = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        owners = [owner for owner in rules if module == owner or module.startswith(owner + ".")]
        for name, line in imported_names(ast.parse(path.read_text()), module, path.name == "__init__.py"):
            if node_of(name, package) is None:  # the root package's own names (asdf.__version__)
                continue
            for owner in owners:
                inside = name == owner or name.startswith(owner + ".")
                allowed = rules[owner] is ANY_PART or any(name == a or name.startswith(a + ".") for a in rules[owner])
                if not inside and not allowed:
                    found.append(f"{path.relative_to(package.parent)}:{line} imports {name}, "
                                 f"which {owner}'s rule does not allow")
    return sorted(set(found))


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


def test_every_subpackage_says_in_one_paragraph_what_it_holds_and_what_it_may_import():
    unclear = []
    for init in sorted(PACKAGE.rglob("__init__.py")):
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        if init.parent != PACKAGE and (not docstring or "\n\n" in docstring):
            unclear.append(f"{init.relative_to(PACKAGE.parent)}: {'two or more paragraphs' if docstring else 'no docstring'}")
    assert not unclear, "subpackage docstrings:\n" + "\n".join(unclear)
    assert len(list(PACKAGE.rglob("__init__.py"))) > 15  # the walk found the subpackages


def test_every_module_imports_only_what_its_packages_allow():
    found = forbidden_imports(PACKAGE)
    assert not found, "imports that a package's `May import:` rule does not allow:\n" + "\n".join(found)


def test_the_root_of_asdf_is_a_few_modules_and_the_parts():
    modules = sorted(path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py")
    assert len(modules) <= MAX_ROOT_MODULES, f"{len(modules)} modules at the root of asdf/: {modules}"
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert not {name for name in folders if not (PACKAGE / name / "__init__.py").is_file()}, "folders without __init__.py"


def test_an_import_that_a_rule_does_not_allow_is_found(tmp_path):
    package = tmp_path / "toy"
    for part, rule in (("low", "nothing from asdf"), ("mid", "`toy.low`"), ("top", "any part of asdf")):
        (package / part).mkdir(parents=True)
        (package / part / "__init__.py").write_text(f'"""The {part} part. May import: {rule}."""\n')
    (package / "__init__.py").write_text("")
    (package / "mid" / "reader.py").write_text("from toy.low import a\n\ndef f():\n    from toy.top import b\n")
    (package / "top" / "main.py").write_text("from toy.mid.reader import f\nfrom toy.low import a\n")
    assert forbidden_imports(package) == ["toy/mid/reader.py:4 imports toy.top, which toy.mid's rule does not allow",
                                          "toy/mid/reader.py:4 imports toy.top.b, which toy.mid's rule does not allow"]
