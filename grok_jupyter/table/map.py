"""``map_rows`` and ``amap_rows``: one Grok request per row of a table, with progress,
budget, cache and resume.

A map runs in three steps. Preparing (``prepare``) plans the rows (``plan``:
reads them, renders each prompt, finds every bad input before anything is
sent), answers the rows already done from the cache (``cache``), estimates
the rest (``estimate``) and checks them against the budget. Then the rows are
sent (``local``, ``live``) at the account's pace (``rate``, ``grok_jupyter.pacing``)
or as one Batch API job (``batch``), and each answer is committed to the cache
as it arrives, so an interrupted or killed map loses nothing it paid for but
the requests then in flight, and a later call resumes. ``result`` builds the
table returned.

``map_rows`` is synchronous and always sends from a worker thread with its
own event loop (``local.map_local``): it works the same in a script and in a
notebook cell, where ipykernel's loop is already running, and Ctrl-C in the
calling thread stops the map and returns what is done. A Dask DataFrame is
mapped partition by partition on its cluster (``dask``). ``amap_rows`` is the
same for a coroutine.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .dask import map_dask
from .local import amap, map_local
from .options import DEFAULT_CONCURRENCY, split_options
from .prepare import prepare
from .report import MapReport
from .result import finish

__all__ = ["MapReport", "amap_rows", "map_rows"]


def _is_dask(data: Any) -> bool:
    return (type(data).__module__ or "").startswith("dask")


def map_rows(
    data: Any,
    template: str,
    *,
    schema: Any = None,
    model: str | None = None,
    system: str | None = None,
    client: Any = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    budget_usd: float | None = None,
    on_error: str = "raise",
    cache: Any = True,
    mode: str = "live",
    resume: str | None = None,
    progress: bool = True,
    source: str = "map",
    on_row: Callable[[MapReport], None] | None = None,
    poll_interval: float = 5.0,
    **params: Any,
) -> Any:
    """Ask Grok ``template`` once per row of ``data`` and add the answers as columns.

    ``data``: a pandas DataFrame, a Series (its values fill ``{text}`` and
    ``{<its name>}``), or an iterable of dicts (keys fill the fields) or of
    strings (each fills ``{text}``). ``template``: a ``str.format`` string such
    as ``"Sentiment of: {review}"``; a field that is not a column is an error
    before anything is sent.

    ``schema``: a pydantic model class or a JSON-schema dict; each top-level
    field becomes a column (else one ``answer`` column). ``_cost_usd`` is
    always added (what this call spent on the row; 0 for a cached row).
    ``on_error="keep"`` adds ``_error`` and keeps going; ``"raise"`` (default)
    raises ``MapRowError`` (with ``.result``, the rows done) at the first
    failed row. ``_error`` is also added when the map stops early: Ctrl-C
    marks the rest ``"not done: interrupted"``, a spent ``budget_usd``
    ``"not done: budget spent"``; run the same call again to resume.

    ``budget_usd``: refuse a map whose estimate exceeds it (``MapBudgetError``),
    and stop sending once it is spent. Requests start at the account's rate
    limit, learned from the rate headers and 429s, so the number in flight
    grows to rate x answer time; ``concurrency`` caps it (default 1,024).
    A refused key (401) or account (403) stops the map at once
    (``MapAuthError``, naming ``XAI_API_KEY``). ``cache``: True (the user
    cache dir), a SQLite file path, or False; each answer is committed as it
    arrives, and a cache that cannot be opened or written raises
    ``MapCacheError`` naming the file. ``mode="batch"``: send through the
    Batch API (20% cheaper, slower); ``resume="batch_..."`` picks up a batch
    submitted earlier. ``client``: an ``AsyncGrokClient`` or ``GrokClient``
    to send with (its ledger records every request; requests stopped in
    flight by Ctrl-C are booked there as estimates). Other keywords
    (``temperature``, ``max_tokens``, ...) go with every request.
    ``on_row(report)`` is called after each row settles (from the worker
    thread). ``poll_interval``: seconds between batch status polls (0 or more).

    Returns a DataFrame for a DataFrame or Series; else a list of dicts (``MapRows``).
    """
    # Every keyword, by name: the map's own and the request fields (``params``) alike.
    given = dict(locals())
    options = {k: v for k, v in given.items() if k not in ("data", "template", "params")}
    options.update(params)
    if _is_dask(data):
        return map_dask(data, template, **options)
    return map_local(data, template, **options)


async def amap_rows(data: Any, template: str, **options: Any) -> Any:
    """``map_rows`` for a coroutine, on the running loop, with ``map_rows``' keywords.
    Cancelling it (``task.cancel()``) stops the map and returns the partial table, as
    Ctrl-C does for ``map_rows``."""
    run = prepare(data, template, split_options(options))
    await amap(run)
    return finish(run)


# amap_rows takes exactly map_rows' keywords: show them (help(), Jupyter's ``?``, editors).
amap_rows.__signature__ = inspect.signature(map_rows)  # type: ignore[attr-defined]
