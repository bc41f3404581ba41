"""The table map: one Grok request per row of a table (``map_rows``, ``df.grok.map``,
Dask, Ray), with a cost estimate, a budget, a cache and resume.

One module a concern, from the bottom up: ``errors`` (the typed errors),
``plan`` (rows -> rendered requests and cache keys), ``cache`` (the SQLite
store: answers, requests in flight, batches), ``estimate`` (tokens and dollars
before sending), ``report`` (``MapReport``), ``options`` (``map_rows``' keywords, their defaults
and checks, as one ``MapOptions``), ``retry`` (the client's retry
policy, applied through the pace), ``clients`` (the clients a map sends with),
``run`` (one map's state while it runs; how a row settles), ``inflight``
(requests in flight: written down, booked when lost), ``rate`` (where the
map's pace comes from: ``grok_jupyter.pacing``), ``live`` (live sending),
``batch`` (the Batch API mode), ``prepare`` (every check and refusal),
``result`` (the table returned), ``local`` (the map in this process),
``cluster_pace`` (one pace for a Dask or Ray cluster), ``dask`` (a Dask
DataFrame on its cluster), ``map`` (``map_rows``, ``amap_rows``), and on top
``accessor`` (``df.grok``) and ``ray`` (``GrokMapper``; public as
``grok_jupyter.ray``). ``%grok map`` is in ``grok_jupyter.magic``.

Names load lazily (PEP 562): importing a submodule, such as ``errors`` for the
panel, imports nothing else. Taking ``map_rows`` or ``amap_rows`` from here
(or from ``grok_jupyter``) also registers ``df.grok``, importing pandas if it
is installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> submodule that defines it
_LAZY = {
    "GrokMapper": "ray",
    "MapAuthError": "errors",
    "MapBudgetError": "errors",
    "MapCacheError": "errors",
    "MapInputError": "errors",
    "MapReport": "report",
    "MapRowError": "errors",
    "amap_rows": "map",
    "map_rows": "map",
}
_REGISTER_ACCESSOR = {"map_rows", "amap_rows"}  # importing these adds df.grok

__all__ = sorted(_LAZY)

if TYPE_CHECKING:  # for type checkers and editors; the names load lazily above
    from .errors import (  # noqa: F401
        MapAuthError,
        MapBudgetError,
        MapCacheError,
        MapInputError,
        MapRowError,
    )
    from .map import amap_rows, map_rows  # noqa: F401
    from .ray import GrokMapper  # noqa: F401
    from .report import MapReport  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'grok_jupyter.table' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    if name in _REGISTER_ACCESSOR:
        from .accessor import register

        register(import_pandas=True)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
