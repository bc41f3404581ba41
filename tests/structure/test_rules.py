"""Issue 19's structural rules, checked on the real source tree:

- no import circles between the modules of ``grok_jupyter`` and ``langchain_grok``
  (imports inside functions count; ``TYPE_CHECKING`` imports do not; see
  ``import_graph.py`` for what an edge is);
- no module over 450 lines.

A failure names every offender: for a circle, each import in it with its file and
line, so the next engineer sees what to cut (move the shared part down a layer:
into a base module, a types module or a registry).
"""

from __future__ import annotations

from pathlib import Path

from .import_graph import ImportGraph

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("grok_jupyter", "langchain_grok")
MAX_LINES = 450


def test_there_are_modules_to_check() -> None:
    graph = ImportGraph(ROOT, PACKAGES)
    # The checks below would pass vacuously on an empty or misplaced tree.
    assert "grok_jupyter.client._client" in graph.modules
    assert "langchain_grok.chat_models" in graph.modules
    assert len(graph.edges) > 100


def test_no_import_circles() -> None:
    graph = ImportGraph(ROOT, PACKAGES)
    cycles = graph.cycles()
    assert not cycles, (
        f"{len(cycles)} import circle(s); break each by moving what both sides need "
        "down a layer (a base, types or registry module):\n" + graph.describe_cycles()
    )


def test_no_module_over_450_lines() -> None:
    sizes = {
        path.relative_to(ROOT): len(path.read_text(encoding="utf-8").splitlines())
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert len(sizes) > 50
    too_long = sorted(((n, p) for p, n in sizes.items() if n > MAX_LINES), reverse=True)
    assert not too_long, (
        f"{len(too_long)} module(s) over {MAX_LINES} lines; split each by concern:\n"
        + "\n".join(f"    {path}: {n} lines" for n, path in too_long)
    )
