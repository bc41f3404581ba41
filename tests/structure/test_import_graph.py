"""The import-graph checker itself, on small packages written to a temporary folder:
it must see the circles issue 19 forbids and none of the patterns it allows."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .import_graph import ImportGraph


def _package(root: Path, files: dict[str, str]) -> ImportGraph:
    """The graph of the package ``pkg`` (its empty ``__init__`` added) made of ``files``."""
    for relative, source in {"pkg/__init__.py": "", **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return ImportGraph(root, ["pkg"])


def test_a_circle_through_a_function_level_import_is_found_with_file_and_line(
    tmp_path: Path,
) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/store.py": "from .conversation import Conversation\n",
            "pkg/conversation.py": (
                "class Conversation:\n"
                "    def save(self):\n"
                "        from . import store  # hides the circle\n"
            ),
        },
    )
    assert graph.cycles() == [["pkg.conversation", "pkg.store"]]
    report = graph.describe_cycles()
    assert "pkg.conversation -> pkg.store  (pkg/conversation.py:3)" in report
    assert "pkg.store -> pkg.conversation  (pkg/store.py:1)" in report


def test_type_checking_imports_do_not_count_but_their_else_branch_does(tmp_path: Path) -> None:
    files = {
        "pkg/a.py": "from .b import B\n",
        "pkg/b.py": (
            "from typing import TYPE_CHECKING\n"
            "import typing\n"
            "if TYPE_CHECKING:\n"
            "    from .a import A\n"
            "if typing.TYPE_CHECKING:\n"
            "    from pkg import a\n"
        ),
    }
    assert _package(tmp_path / "one", files).cycles() == []
    files["pkg/b.py"] += "else:\n    from .a import A\n"
    assert _package(tmp_path / "two", files).cycles() == [["pkg.a", "pkg.b"]]


def test_a_re_exporting_package_init_makes_no_circle_with_its_own_modules(
    tmp_path: Path,
) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/magic/__init__.py": "from .cell import Magics\nfrom . import shell\n",
            "pkg/magic/cell.py": "from .shell import install\nclass Magics: ...\n",
            "pkg/magic/shell.py": "def install():\n    from ..magic import Magics\n",
        },
    )
    # shell -> Magics resolves to magic.cell (where the name comes from): the
    # __init__ is already running when its own submodules import each other.
    assert graph.cycles() == [["pkg.magic.cell", "pkg.magic.shell"]]
    assert not any(e.target == "pkg.magic" for e in graph.edges)


def test_a_package_init_run_from_outside_closes_a_circle(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/app/__init__.py": "from .. import routes\n",
            "pkg/app/wire.py": "class Stream: ...\n",
            "pkg/routes.py": "def stream():\n    from .app.wire import Stream\n",
        },
    )
    assert graph.cycles() == [["pkg.app", "pkg.routes"]]
    assert "importing pkg.app.wire runs pkg.app's __init__ first" in graph.describe_cycles()


# Small packages and the circles they hold: what counts as an edge (import_graph.py).
CIRCLES: dict[str, tuple[dict[str, str], list[list[str]]]] = {
    "relative_imports_resolve_across_levels": (
        {
            "pkg/base.py": "def f():\n    from .sub.deep import g\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/deep.py": "from ..base import f\n",
        },
        [["pkg.base", "pkg.sub.deep"]],
    ),
    "from_package_import_submodule_is_an_edge_to_the_submodule": (
        {
            "pkg/a.py": "from . import b\n",
            "pkg/b.py": "import pkg.a\n",
        },
        [["pkg.a", "pkg.b"]],
    ),
    "a_lazy_package_init_makes_no_circle": (
        {
            "pkg/client/__init__.py": (
                "import importlib\n"
                "_NAMES = {'Client': '_client'}\n"
                "def __getattr__(name):\n"
                "    return getattr(importlib.import_module(f'{__name__}.{_NAMES[name]}'), name)\n"
            ),
            "pkg/client/_client.py": "from . import _types\nclass Client: ...\n",
            "pkg/client/_types.py": "from ..client import Client  # noqa\n",
            "pkg/notebook.py": "from .client import Client\n",
        },
        [],
    ),
    "self_import_and_literal_import_module_are_edges": (
        {
            "pkg/a.py": "import importlib\ndef f():\n    importlib.import_module('pkg.b')\n",
            "pkg/b.py": "def g():\n    from importlib import import_module\n"
            "    import_module('.a', __package__)\n",
            "pkg/c.py": "from . import c\n",
        },
        [["pkg.a", "pkg.b"], ["pkg.c"]],
    ),
}


@pytest.mark.parametrize("case", list(CIRCLES))
def test_the_circles_of_small_packages(tmp_path: Path, case: str) -> None:
    files, circles = CIRCLES[case]
    assert _package(tmp_path, files).cycles() == circles
