"""The import graph of a set of Python packages, read with ``ast`` (nothing is imported).

Used by ``test_rules.py`` to keep the project free of import circles. What counts
as an edge (issue 19):

- every ``import`` and ``from ... import`` statement, at module level and inside
  functions and classes (a lazy import inside a function still runs, and can still
  close a circle); relative imports are resolved against the importing module;
- ``importlib.import_module("literal")`` with a literal name (a lazy import by
  string that names its module);
- not what sits under ``if TYPE_CHECKING:`` (type checkers only; its ``else:``
  branch does count).

Where an edge goes:

- ``import a.b.c`` -> ``a.b.c``;
- ``from P import name`` -> ``P.name`` when that is a submodule (``from . import
  chat_store``); else, when ``P/__init__`` re-exports ``name`` with a static import
  (``from .cell import GrokMagics``), the module it comes from; else ``P`` itself
  (its ``__init__``). A lazy ``__init__`` (PEP 562, modules named by strings) has
  no static edges to its submodules, so importing a name from it closes no circle;
- and to every package ``__init__`` the import runs first: importing
  ``a.b.c`` from outside ``a.b`` runs ``a/b/__init__.py``. From inside the
  package it is already running, so a package whose ``__init__`` re-exports its
  own submodules is no circle; an ``__init__`` that imports a module which, even
  lazily, imports a module of that package back from outside is one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` at ``path:line``."""

    source: str
    target: str
    path: Path
    line: int
    note: str = ""

    def __str__(self) -> str:
        note = f"  [{self.note}]" if self.note else ""
        return f"{self.source} -> {self.target}  ({self.path}:{self.line}){note}"


@dataclass
class _Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module


def _modules(root: Path, packages: Iterable[str]) -> dict[str, _Module]:
    out: dict[str, _Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            name = ".".join(parts)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            out[name] = _Module(name, path, is_package, tree)
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST) -> Iterator[ast.stmt | ast.Call]:
    """Every import statement (and literal ``import_module`` call) under ``node``,
    leaving out the body of ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports_of(other)
            continue
        yield from _imports_of(child)


def _imports_of(node: ast.AST) -> Iterator[ast.stmt | ast.Call]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    elif isinstance(node, ast.Call) and _import_module_name(node) is not None:
        yield node
    yield from _imports(node)


def _import_module_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name != "import_module" or not call.args:
        return None
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def _package_of(module: _Module) -> str:
    return module.name if module.is_package else module.name.rpartition(".")[0]


def _resolve_relative(module: _Module, level: int, name: str | None) -> str:
    base = _package_of(module).split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _from_source(module: _Module, node: ast.ImportFrom) -> str:
    """The module a ``from X import ...`` in ``module`` reads from, relative ones resolved."""
    return _resolve_relative(module, node.level, node.module) if node.level else node.module or ""


class ImportGraph:
    """The modules of ``packages`` (folders under ``root``) and the imports between them."""

    def __init__(self, root: Path, packages: Iterable[str]) -> None:
        self.root = root
        self._modules = _modules(root, packages)
        self._reexports = {
            name: self._static_reexports(module)
            for name, module in self._modules.items()
            if module.is_package
        }
        self.edges: list[Edge] = [
            edge for module in self._modules.values() for edge in self._edges_of(module)
        ]

    @property
    def modules(self) -> list[str]:
        return sorted(self._modules)

    def _static_reexports(self, package: _Module) -> dict[str, str]:
        """Names the package's ``__init__`` binds at module level with ``from X import
        name`` where X is one of ours: name -> X (resolved)."""
        out: dict[str, str] = {}
        for node in package.tree.body:
            if isinstance(node, ast.ImportFrom):
                source = _from_source(package, node)
                if source in self._modules:
                    for alias in node.names:
                        out[alias.asname or alias.name] = source
        return out

    def _edges_of(self, module: _Module) -> Iterator[Edge]:
        rel = module.path.relative_to(self.root)
        seen: set[tuple[str, int]] = set()
        for node in _imports(module.tree):
            for target in self._targets(module, node):
                for package in self._packages_run_first(module.name, target):
                    if (package, node.lineno) not in seen:
                        seen.add((package, node.lineno))
                        note = f"importing {target} runs {package}'s __init__ first"
                        yield Edge(module.name, package, rel, node.lineno, note)
                if target in self._modules and (target, node.lineno) not in seen:
                    seen.add((target, node.lineno))
                    yield Edge(module.name, target, rel, node.lineno)

    def _packages_run_first(self, source: str, target: str) -> list[str]:
        """The packages whose ``__init__`` importing ``target`` from ``source`` runs:
        the target's enclosing packages that are not ``source`` or its own packages."""
        parts = target.split(".")
        enclosing = [".".join(parts[:i]) for i in range(1, len(parts))]
        return [
            p
            for p in enclosing
            if p in self._modules and source != p and not source.startswith(p + ".")
        ]

    def _targets(self, module: _Module, node: ast.stmt | ast.Call) -> Iterator[str]:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _from_source(module, node)
            for alias in node.names:
                yield self._from_target(source, alias.name)
        elif isinstance(node, ast.Call):
            name = _import_module_name(node)
            assert name is not None
            if name.startswith("."):
                level = len(name) - len(name.lstrip("."))
                yield _resolve_relative(module, level, name.lstrip(".") or None)
            else:
                yield name

    def _from_target(self, source: str, name: str) -> str:
        submodule = f"{source}.{name}"
        if submodule in self._modules:
            return submodule
        return self._reexports.get(source, {}).get(name, source)

    def cycles(self) -> list[list[str]]:
        """Every strongly connected component of more than one module, and every
        module that imports itself; each sorted, the list sorted."""
        graph: dict[str, set[str]] = {name: set() for name in self._modules}
        for edge in self.edges:
            graph[edge.source].add(edge.target)
        found = [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]
        found += [[name] for name, targets in graph.items() if name in targets]
        return sorted(found)

    def edges_within(self, component: Iterable[str]) -> list[Edge]:
        members = set(component)
        return [e for e in self.edges if e.source in members and e.target in members]

    def describe_cycles(self) -> str:
        """Each circle with the file and line of every edge in it: what to cut."""
        blocks = []
        for component in self.cycles():
            lines = [f"circle of {len(component)} module(s): {', '.join(component)}"]
            lines += [f"    {edge}" for edge in self.edges_within(component)]
            blocks.append("\n".join(lines))
        return "\n".join(blocks)


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on long import chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(component)
    return out
