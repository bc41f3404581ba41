"""Async connection pools, one per event loop, each closed when its loop ends.

An ``httpx2.AsyncClient``'s connections belong to the loop that opened them.
Reused from another loop (a second ``asyncio.run(...)``), a kept-alive
connection still accepts the request bytes, and only reading the answer
fails, with an untyped ``RuntimeError: Event loop is closed``: the request was
sent and billed but could not be read back. So ``AsyncGrokClient`` keeps one
pool per running loop and never hands a pool to another loop.

A pool is closed on its own loop when that loop shuts down: an async
generator parked on the loop is finalised by ``loop.shutdown_asyncgens()``
(which ``asyncio.run`` and ``asyncio.Runner`` call before closing the loop)
and closes the pool in its ``finally``. A pool whose loop was closed without
that step is dropped at the next use; its sockets close when collected.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import AsyncGenerator, Callable
from typing import Any

from ._http import httpx


class _Entry:
    __slots__ = ("http", "quiet", "watcher")

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.watcher: AsyncGenerator[None, None] | None = None
        self.quiet = False  # set when the pool is closed elsewhere: the watcher only ends


async def _close_at_shutdown(
    pools: weakref.ref[LoopPools], loop: Any, entry: _Entry
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        owner = pools()
        if owner is not None:
            owner._forget(loop, entry)
        if not entry.quiet:
            await entry.http.aclose()


class LoopPools:
    """The ``AsyncClient`` for the running loop, made by ``factory`` on first use there."""

    def __init__(self, factory: Callable[[], httpx.AsyncClient]) -> None:
        self._factory = factory
        self._pools: dict[Any, _Entry] = {}
        self._lock = threading.Lock()  # loops in several threads may share one client

    async def get(self) -> httpx.AsyncClient:
        import asyncio

        try:
            loop: Any = asyncio.get_running_loop()
        except RuntimeError:  # not asyncio (trio): one pool, the library's own business
            loop = None
        entry = self._pools.get(loop)
        if entry is not None:
            return entry.http
        self._sweep()
        entry = _Entry(self._factory())
        with self._lock:
            self._pools[loop] = entry
        if loop is None:
            return entry.http
        watcher = _close_at_shutdown(weakref.ref(self), loop, entry)
        entry.watcher = watcher
        # The first step registers the generator with this loop's asyncgen hooks.
        await watcher.__anext__()
        return entry.http

    def peek(self) -> httpx.AsyncClient | None:
        """The running loop's pool, else the newest one (for inspection; never builds)."""
        try:
            import asyncio

            entry = self._pools.get(asyncio.get_running_loop())
        except RuntimeError:
            entry = None
        if entry is None and self._pools:
            entry = list(self._pools.values())[-1]
        return entry.http if entry is not None else None

    def __len__(self) -> int:
        return len(self._pools)

    def _forget(self, loop: Any, entry: _Entry) -> None:
        with self._lock:
            if self._pools.get(loop) is entry:
                del self._pools[loop]

    def _sweep(self) -> None:
        """Drop the pools of loops that were closed without shutting down their generators."""
        with self._lock:
            dead = [(lp, e) for lp, e in self._pools.items() if lp is not None and lp.is_closed()]
        for loop, entry in dead:
            self._forget(loop, entry)
            _end_quietly(entry)

    async def aclose(self) -> None:
        """Close every pool: on this loop now, on other running loops there."""
        import asyncio

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        with self._lock:
            entries = list(self._pools.items())
            self._pools.clear()
        for loop, entry in entries:
            if loop is running or loop is None:
                entry.quiet = True
                await entry.http.aclose()
                _end_quietly(entry)
            elif loop.is_closed():
                _end_quietly(entry)
            else:  # another thread's loop: its watcher closes the pool on that loop
                watcher = entry.watcher
                if watcher is not None:
                    asyncio.run_coroutine_threadsafe(_finish(watcher), loop)


async def _finish(watcher: AsyncGenerator[None, None]) -> None:
    await watcher.aclose()


def _end_quietly(entry: _Entry) -> None:
    """Finish the watcher without a loop, so its finaliser never needs the dead loop."""
    entry.quiet = True
    watcher, entry.watcher = entry.watcher, None
    if watcher is None:
        return
    step = watcher.aclose()
    try:
        step.send(None)  # the ``finally`` has nothing to await when quiet
    except StopIteration:
        pass
    except RuntimeError:  # already running or finished
        step.close()
