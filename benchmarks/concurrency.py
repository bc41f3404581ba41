"""Wall time of many small requests at a fixed concurrency, async clients."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from ._clients import CONCURRENT
from ._harness import Config, Row, Series, describe_error, fill, log
from ._sse_server import SSEServer

GROUP = "Concurrency (wall time of N small requests at concurrency C; pre-encoded server)"

_PAIRS = [
    ("grok_vs_asyncopenai", "AsyncGrokClient", "AsyncOpenAI", "<= 1.0"),
    ("chatgrok_vs_chatxai", "ChatGrok.abatch", "ChatXAI.abatch", "<= 1.0"),
    ("grok_vs_httpx", "AsyncGrokClient", "httpx.AsyncClient", ""),
    ("httpx2_vs_httpx", "httpx2.AsyncClient", "httpx.AsyncClient", ""),
    ("asyncopenai_vs_httpx", "AsyncOpenAI", "httpx.AsyncClient", ""),
]
KEYS = [f"concurrency.{p[0]}" for p in _PAIRS]


async def _measure(cfg: Config, base: str) -> dict[str, Series]:
    closers: list[Callable[[], Awaitable[Any]]] = []
    runs: dict[str, Callable[[int], Awaitable[float]]] = {}
    out = {name: Series() for name in CONCURRENT}
    for name, factory in CONCURRENT.items():
        try:
            runs[name] = await factory(base, cfg.conc_requests, cfg.concurrency, closers)
        except Exception as exc:
            out[name].error = describe_error(exc)
    live = list(runs)
    try:
        # round -1 warms up (imports, one request per connection of the pool)
        for r in range(-1, cfg.repeat):
            order = live[r % len(live):] + live[: r % len(live)] if live else []
            for name in order:
                if name not in live:
                    continue
                try:
                    value = await runs[name](cfg.concurrency if r < 0 else cfg.conc_requests)
                except Exception as exc:
                    out[name].error = describe_error(exc)
                    out[name].values.clear()
                    live.remove(name)
                    continue
                if r >= 0:
                    out[name].values.append(value)
    finally:
        for close in closers:
            try:
                await close()
            except Exception:
                pass
    return out


def run(cfg: Config, server: SSEServer) -> list[Row]:
    n, c = cfg.conc_requests, cfg.concurrency
    log(cfg, f"[concurrency] {n} requests at concurrency {c}")
    results = asyncio.run(_measure(cfg, server.url()))
    rows = []
    for suffix, subject, baseline, target in _PAIRS:
        row = Row(key=f"concurrency.{suffix}", group=GROUP,
                  what=f"{n} requests, concurrency {c}", subject=subject, baseline=baseline,
                  unit="s wall", target=target)
        rows.append(fill(row, results, subject, baseline))
    return rows
