"""Opt-in pacing of a client's requests at the account's rate (``pace_requests=True``).

Without it, every caller of a shared client (``ChatGrok.abatch`` over 500 prompts,
tasks gathered on one ``AsyncGrokClient``) sends at once; the server answers the
excess with 429s, and the retries send those again after the same ``Retry-After``,
together. With it, each attempt first takes a start time from the account's
``PaceBook`` (``grok_jupyter.pacing``, the book the table map uses: the same
account name, so a map and a paced client in one process share one limit), and
every response tells the book what the server said (rate headers, 429s).

The async client keeps one ``RequestPacer`` per event loop (its primitives belong
to a loop). The sync client, called from many threads by ``ChatGrok.batch``, runs
one pacer on a small daemon loop of its own and waits for each start from the
calling thread. A pacer is only ever used on its own loop's thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import weakref
from typing import Any

from ..pacing import RequestPacer, local_source
from ._errors import parse_retry_after

MAX_IN_FLIGHT = 128  # the transports' connection limit (``_transport._LIMITS``)


def account_name(settings: Any) -> str:
    """The name of the account's pace: the base URL and a hash of the key, never the key."""
    key = str.__str__(settings.api_key) if settings.api_key else ""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16] if key else "no-key"
    return f"{settings.base_url}#{digest}"


def observe(pacer: RequestPacer, status: int, headers: Any) -> None:
    """Tell the pacer what one response said (429s with their ``Retry-After``)."""
    pacer.on_response(status, headers, parse_retry_after(headers) if status == 429 else None)


class AsyncPace:
    """The pacers of an ``AsyncGrokClient``, one per event loop."""

    def __init__(self, settings: Any) -> None:
        self._account = account_name(settings)
        self._pacers: weakref.WeakKeyDictionary[Any, RequestPacer] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # loops in several threads may share one client

    def pacer(self) -> RequestPacer:
        loop = asyncio.get_running_loop()
        with self._lock:
            pacer = self._pacers.get(loop)
            if pacer is None:
                pacer = self._pacers[loop] = RequestPacer(
                    local_source(self._account), MAX_IN_FLIGHT
                )
        return pacer

    async def start(self) -> RequestPacer:
        """Wait for this attempt's start time; ``release()`` the pacer when it ends."""
        pacer = self.pacer()
        await pacer.acquire()  # False only when a job halts it: a client's pacer never is
        return pacer


class SyncPace:
    """The pacer of a ``GrokClient``, on a daemon loop of its own, started on first use."""

    def __init__(self, settings: Any) -> None:
        self._account = account_name(settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pacer: RequestPacer | None = None
        self._lock = threading.Lock()

    def _running(self) -> tuple[asyncio.AbstractEventLoop, RequestPacer]:
        with self._lock:
            if self._loop is None or self._pacer is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="grok-pace", daemon=True).start()
                self._loop = loop
                self._pacer = RequestPacer(local_source(self._account), MAX_IN_FLIGHT)
            return self._loop, self._pacer

    def start(self) -> None:
        """Block until this attempt may start; call ``end()`` when it ends."""
        loop, pacer = self._running()
        asyncio.run_coroutine_threadsafe(pacer.acquire(), loop).result()

    def end(self) -> None:
        loop, pacer = self._running()
        loop.call_soon_threadsafe(pacer.release)

    def observe(self, status: int, headers: Any) -> None:
        loop, pacer = self._running()
        loop.call_soon_threadsafe(observe, pacer, status, headers)

    def close(self) -> None:
        with self._lock:
            loop, self._loop, self._pacer = self._loop, None, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
