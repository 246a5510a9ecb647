"""The package's import graph: the pins depend on nothing but the vocabulary (which depends
on nothing), and no module imports itself back.

The graph is read from the source with ``ast`` (nothing is imported): an edge for every
``import`` and ``from ... import`` of a ``descriptor_study`` module, at module level or
inside a function (a lazy import closes a cycle as much as an eager one, it only fails
later).  ``from package import name`` is an edge to the submodule ``name`` where there
is one, else to the package.  An edge from a module to a package containing it is left
out: Python initialises a package before any of its modules, so such an import (the
registry reading ``representations.__path__``) cannot start a cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import descriptor_study

PACKAGE = Path(descriptor_study.__file__).resolve().parent
#: the top-level modules whose imports must stay one-way
LAYERS = ("datasets", "published", "pins", "vocabulary", "reproduction", "runlog", "storage", "config", "plan")


def _modules() -> dict[str, Path]:
    out = {}
    for file in PACKAGE.rglob("*.py"):
        parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = file
    return out


def _imports(name: str, file: Path, modules: dict[str, Path]) -> set[str]:
    """The ``descriptor_study`` modules that ``file`` (module ``name``) imports anywhere."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}
    return {m for m in found if m in modules and m != name and not name.startswith(m + ".")}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, file, modules) for name, file in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(found)


def _top(name: str) -> str:
    """``descriptor_study.datasets.remote`` → ``datasets``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_the_graph_sees_the_imports_it_should():
    """The reading of the source finds relative, absolute and function-level imports."""
    graph = _graph()
    assert "descriptor_study.pins" in graph["descriptor_study.datasets.remote"]  # from ..pins import
    assert "descriptor_study.datasets.remote" in graph["descriptor_study.published.fetch"]  # inside fetch_published
    assert "descriptor_study.representations.base" in graph["descriptor_study.representations.registry"]
    # a module's import of its own package is no edge
    assert "descriptor_study.representations" not in graph["descriptor_study.representations.registry"]


def test_no_module_imports_itself_back():
    assert _cycles(_graph()) == []


def test_the_top_level_modules_import_one_way():
    """Collapsed to top-level modules and subpackages (``datasets``, ``representations``),
    the graph has no cycle, in particular none among ``LAYERS``."""
    top: dict[str, set[str]] = {}
    for name, targets in _graph().items():
        top.setdefault(_top(name), set()).update(_top(t) for t in targets if _top(t) != _top(name))
    assert not [c for c in _cycles(top)], _cycles(top)
    assert set(LAYERS) <= set(top)


@pytest.mark.parametrize("module, allowed", [("pins", {"vocabulary"}), ("vocabulary", set())])
def test_the_pins_import_nothing_but_the_standard_library_and_the_vocabulary(module, allowed):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # of this package: only the allowed modules
                assert node.level == 1 and node.module in allowed, f"{module}.py: from {'.' * node.level}{node.module}"
                continue
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported - set(sys.stdlib_module_names)
