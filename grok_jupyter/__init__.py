"""Grok in Jupyter: the ``%%grok`` magic, the ``ChatPanel`` widget, one shared client.

``%load_ext grok_jupyter`` registers the magics. Names are imported lazily
(PEP 562), so ``import grok_jupyter`` costs almost nothing until one is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "AsyncGrokClient": "grok_jupyter.client",
    "ChatPanel": "grok_jupyter.panel.widget",
    "Conversation": "grok_jupyter.notebook.conversation",
    "GrokClient": "grok_jupyter.client",
    "GrokError": "grok_jupyter.client",
    "KernelTools": "grok_jupyter.notebook.tools",
    "MapReport": "grok_jupyter.table",
    "amap_rows": "grok_jupyter.table",
    "Message": "grok_jupyter.client",
    "catalog": "grok_jupyter.client",
    "get_async_client": "grok_jupyter.client",
    "get_client": "grok_jupyter.client",
    "get_conversation": "grok_jupyter.notebook.conversation",
    "get_ledger": "grok_jupyter.client",
    "image_part": "grok_jupyter.client",
    "map_rows": "grok_jupyter.table",
    "set_async_client": "grok_jupyter.client",
    "set_client": "grok_jupyter.client",
}

__all__ = sorted([*_LAZY, "__version__", "load_ipython_extension", "unload_ipython_extension"])

if TYPE_CHECKING:  # for type checkers and editors; the names load lazily above
    from .client import (  # noqa: F401
        AsyncGrokClient,
        GrokClient,
        GrokError,
        Message,
        catalog,
        get_async_client,
        get_client,
        get_ledger,
        image_part,
        set_async_client,
        set_client,
    )
    from .notebook.conversation import Conversation, get_conversation  # noqa: F401
    from .notebook.tools import KernelTools  # noqa: F401
    from .panel.widget import ChatPanel  # noqa: F401
    from .table import MapReport, amap_rows, map_rows  # noqa: F401


def _register_pandas_accessor() -> None:
    # df.grok.map: only when the user already imported pandas (never imported from here).
    import sys

    if "pandas" in sys.modules:
        from .table.accessor import register

        register()


_register_pandas_accessor()


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'grok_jupyter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext grok_jupyter``: register ``%%grok`` and ``%grok``."""
    from .magic import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magic import unload_ipython_extension as unload

    unload(ipython)
