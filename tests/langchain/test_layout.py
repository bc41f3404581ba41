"""langchain_grok's layout: no import circle (issue 10), no module over 450 lines, and only
public grok_jupyter names imported (issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

import langchain_grok
from tests.structure.import_graph import ImportGraph

PACKAGE = Path(langchain_grok.__file__).parent


def test_no_import_circle():
    graph = ImportGraph(PACKAGE.parent, ["langchain_grok"])
    assert "langchain_grok.chat_models" in graph.modules  # not vacuous
    assert graph.cycles() == [], graph.describe_cycles()


def test_no_module_over_450_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert max(sizes.values()) <= 450, sizes


def private_grok_jupyter_imports(path: Path) -> list[str]:
    """Imports in ``path`` that reach into grok_jupyter's private parts.

    A module path under ``grok_jupyter`` with a component starting with ``_``
    (``grok_jupyter.client._types``), or a ``_``-prefixed name imported from
    grok_jupyter (``from grok_jupyter.client import _helper``), at any depth,
    ``TYPE_CHECKING`` and function-local imports included.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
            names = []
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] != "grok_jupyter":
                continue
            if any(p.startswith("_") for p in parts[1:]):
                found.append(f"line {node.lineno}: {module}")
            found.extend(f"line {node.lineno}: {module}.{n}" for n in names if n.startswith("_"))
    return found


def test_imports_only_public_grok_jupyter_names():
    # An adapter on the client uses what any user of it could: public names,
    # so a refactor inside grok_jupyter.client cannot break ChatGrok silently.
    private = {
        p.name: hits
        for p in sorted(PACKAGE.glob("*.py"))
        if (hits := private_grok_jupyter_imports(p))
    }
    assert private == {}
