"""Imports only go down the pipeline (docs/architecture.md): a module may import from its own
layer or a lower one, never from a higher one, and no modules import each other in a circle.

Every import counts: at the top of a module, inside a function, or under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "src" / "ccbkg"
# The subpackages of ccbkg, lowest first: the order of docs/architecture.md.
LAYERS = ("core", "project", "checks", "rdf", "stores", "query", "site", "release", "curate", "cli")


def layer_of(module: str, layers: tuple[str, ...] = LAYERS) -> int:
    """The rank of a module's layer: `ccbkg` itself lowest, `ccbkg.__main__` highest."""
    parts = module.split(".")
    if parts == ["ccbkg"]:
        return -1
    if parts == ["ccbkg", "__main__"]:
        return len(layers)
    if parts[1] not in layers:
        raise AssertionError(f"{module} is in no layer: put it in one of {', '.join(layers)} "
                             "(tests/test_architecture.py, docs/architecture.md)")
    return layers.index(parts[1])


def modules_of(package: Path) -> dict[str, str]:
    """Every module under the package folder, by dotted name, with its source text."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path.read_text("utf-8")
    return out


def imports(name: str, text: str, known: set[str]) -> list[tuple[str, int]]:
    """The ccbkg modules a module imports, with the line of each import."""
    is_package = f"{name}.__init__" in known or any(k.startswith(name + ".") for k in known)
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names
                      if alias.name.split(".")[0] == "ccbkg"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "ccbkg":
                continue
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.append((target if target in known else base, node.lineno))
    return [(target, line) for target, line in found if target != name]


def violations(modules: dict[str, str], layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Every import that goes up the pipeline and every circle of imports, in words."""
    known = set(modules)
    edges = {name: imports(name, text, known) for name, text in modules.items()}
    problems = []
    for name, targets in sorted(edges.items()):
        for target, line in targets:
            if target in known and layer_of(target, layers) > layer_of(name, layers):
                problems.append(f"{name} (line {line}) imports {target}: up the pipeline, "
                                f"from {_layer_name(name, layers)} to "
                                f"{_layer_name(target, layers)}")
    graph = {name: sorted({t for t, _ in targets if t in known}) for name, targets in edges.items()}
    problems += [f"import cycle: {' -> '.join([*cycle, cycle[0]])}" for cycle in _cycles(graph)]
    return problems


def _layer_name(module: str, layers: tuple[str, ...]) -> str:
    rank = layer_of(module, layers)
    return "ccbkg" if rank < 0 else "__main__" if rank == len(layers) else layers[rank]


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as one
    circle through its first module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(_circle(graph, sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def _circle(graph: dict[str, list[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in graph[node]:
                if nxt == start:
                    return paths[node]
                if nxt in members and nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return component


def test_every_import_goes_down_the_pipeline() -> None:
    modules = modules_of(PACKAGE)
    assert len(modules) > 60 and "ccbkg.checks.fastshacl.engine" in modules
    assert {m.split(".")[1] for m in modules if m.count(".") >= 1} - {"__main__"} == set(LAYERS)
    assert violations(modules) == []


def test_the_layers_are_those_of_the_architecture_page() -> None:
    page = (REPO / "docs" / "architecture.md").read_text("utf-8")
    listed = [line.split("`ccbkg/")[1].split("/")[0] for line in page.splitlines()
              if line.startswith("| `ccbkg/")]
    assert tuple(listed) == LAYERS


@pytest.mark.parametrize(("modules", "expected"), [
    ({"ccbkg.core.a": "from ccbkg.checks.b import f\n", "ccbkg.checks.b": "def f(): ...\n"},
     "ccbkg.core.a (line 1) imports ccbkg.checks.b: up the pipeline, from core to checks"),
    ({"ccbkg.project.a": "def g():\n    import ccbkg.cli\n", "ccbkg.cli": ""},
     "ccbkg.project.a (line 2) imports ccbkg.cli: up the pipeline, from project to cli"),
    ({"ccbkg.core": "", "ccbkg.core.a": "from ccbkg.core import b\n",
      "ccbkg.core.b": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                      "    from ccbkg.core.a import X\n"},
     "import cycle: ccbkg.core.a -> ccbkg.core.b -> ccbkg.core.a"),
    ({"ccbkg.checks": "", "ccbkg.checks.x": "from . import y\n",
      "ccbkg.checks.y": "from .z import q\n", "ccbkg.checks.z": "from ccbkg.checks import x\n"},
     "import cycle: ccbkg.checks.x -> ccbkg.checks.y -> ccbkg.checks.z -> ccbkg.checks.x"),
])
def test_an_import_up_the_pipeline_or_in_a_circle_is_named(modules, expected) -> None:
    assert violations(modules) == [expected]


def test_a_module_outside_every_layer_fails() -> None:
    with pytest.raises(AssertionError, match=r"ccbkg\.extra\.m is in no layer"):
        violations({"ccbkg.extra.m": "", "ccbkg.core.a": "import ccbkg.extra.m\n"})


def prefix_shorteners(modules: dict[str, str]) -> list[str]:
    """Modules with a loop over the namespace prefixes that tests IRIs with startswith: a
    second way to write a term as text (ccbkg.core.termtext.curie is the one)."""
    found = []
    for module, text in modules.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.For | ast.comprehension) \
                    and "PREFIXES" in ast.dump(node.iter) and "startswith" in ast.dump(node):
                found.append(module)
    return found


def test_one_term_formatter_shortens_iris() -> None:
    modules = modules_of(PACKAGE)
    assert prefix_shorteners({"m": "for p, ns in PREFIXES.items():\n    if i.startswith(ns): x\n"})
    assert prefix_shorteners(modules) == [], "use ccbkg.core.termtext.curie"
