"""``RequestPacer``: start requests at an account's pace, with a cap on how many are in flight.

One pacer per sender (a table map, one Dask partition, one batch of calls). It
takes start times from a ``PaceSource``, the account's shared ``PaceBook``:
in this process (``local_source``), or one a whole cluster shares
(``grok_jupyter.table.cluster_pace``: a Ray actor, a Dask scheduler's
metadata). Start times come in small chunks (about ``CHUNK_S`` of the rate), so
a remote book is asked a few times a second, not once a request; what the
sender's responses said goes back with the next ask.

Using it::

    pacer = RequestPacer(local_source(account), max_in_flight=256)
    with observe_responses(lambda s, h: pacer.on_response(s, h, parse_retry_after(h))):
        if await pacer.acquire():          # False: the job was halted
            try:
                ...                        # one request
            finally:
                pacer.release(tokens=usage.total_tokens)

Only the event loop's thread calls a pacer. The client's opt-in pacing
(``pace_requests=True``, ``client/_pace.py``) takes one the same way: ``acquire``
before each attempt, ``release`` after it, ``on_response`` with every response.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .book import START_RATE, PaceBook, limits_from_headers

CHUNK_S = 0.2  # start times asked for at once: this much of the rate
MAX_CHUNK = 64
# A sender's first requests: at most FIRST_WINDOW go out until a response comes back or
# FIRST_GRACE_S passes. A refused key is answered at once, so a job with a bad key sends a
# handful of requests, not a burst at the account's full rate; a good one loses little.
FIRST_WINDOW = 4
FIRST_GRACE_S = 0.5


class PaceSource(Protocol):
    """Where a pacer's start times come from: the account's book, wherever it lives."""

    async def reserve(
        self, n: int, observations: list[dict[str, Any]], run: str | None
    ) -> dict[str, Any]:
        """Fold ``observations`` in and give ``n`` start times:
        ``{"slots": [...], "rate": r, "halted": reason | None, "rate_limited": k}``."""
        ...


def grant(book: PaceBook, n: int, observations: list[dict[str, Any]], run: str | None,
          now: float) -> dict[str, Any]:  # fmt: skip
    """What every source does with its book: fold, then reserve (callers hold its lock)."""
    for obs in observations:
        book.fold(obs, now)
    halted = book.halted_reason(run)
    slots = [] if halted else book.reserve(n, now, run)
    return {"slots": slots, "rate": book.rate, "halted": halted, "rate_limited": book.rate_limited}


class LocalPaceSource:
    """A book in this process, shared by every sender here that uses the same account."""

    def __init__(self, book: PaceBook | None = None) -> None:
        self.book = book or PaceBook()
        self._lock = threading.Lock()  # maps in several threads may share it

    def __repr__(self) -> str:
        return f"LocalPaceSource(rate={self.book.rate:.2f}/s, ceiling={self.book.ceiling})"

    async def reserve(
        self, n: int, observations: list[dict[str, Any]], run: str | None
    ) -> dict[str, Any]:
        with self._lock:
            return grant(self.book, n, observations, run, time.time())


_LOCAL: dict[str, LocalPaceSource] = {}
_LOCAL_LOCK = threading.Lock()


def local_source(account: str) -> LocalPaceSource:
    """The process-wide source for ``account`` (a name for one API key on one base URL)."""
    with _LOCAL_LOCK:
        source = _LOCAL.get(account)
        if source is None:
            source = _LOCAL[account] = LocalPaceSource()
        return source


class RequestPacer:
    """Paces one sender's request starts; ``max_in_flight`` caps the requests in flight."""

    def __init__(
        self,
        source: PaceSource,
        max_in_flight: int,
        *,
        run: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self.max_in_flight = max(1, int(max_in_flight))
        self.run = run
        self.clock = clock
        self.in_flight = 0
        self.max_seen_in_flight = 0
        self.rate_limited = 0  # 429s this sender saw (retried ones included)
        self.halted: str | None = None
        self.rate = START_RATE
        self.demand: int | None = None  # requests still to start, when the sender knows
        self._slots: deque[float] = deque()
        self._paused_until = 0.0
        self._pending: list[dict[str, Any]] = []
        self._limits: dict[str, Any] | None = None  # the newest headers, sent once
        self._tokens = [0, 0]  # answers, tokens since the last ask
        self._lock: asyncio.Lock | None = None
        self._freed: asyncio.Event | None = None
        self._heard: asyncio.Event | None = None  # a response came back
        self._started = 0
        self._first_at: float | None = None

    def __repr__(self) -> str:
        return (
            f"RequestPacer(rate={self.rate:.2f}/s, in_flight={self.in_flight}/"
            f"{self.max_in_flight}, rate_limited={self.rate_limited})"
        )

    # --- starting and ending requests ---------------------------------------------

    async def acquire(self) -> bool:
        """Wait for a start time and a place in flight, then count the request.

        False once the job is halted (``halt``, here or by another sender): send nothing.
        """
        if self._lock is None:
            self._lock, self._freed, self._heard = asyncio.Lock(), asyncio.Event(), asyncio.Event()
        assert self._freed is not None and self._heard is not None
        async with self._lock:  # starts go out in the order of their times
            await self._first_answers()
            while self.in_flight >= self.max_in_flight and self.halted is None:
                self._freed.clear()
                await self._freed.wait()
            while self.halted is None:
                if not self._slots:
                    await self._ask()
                    continue
                start = max(self._slots[0], self._paused_until)
                wait = start - self.clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue  # a 429 seen meanwhile may have moved the pause
                self._slots.popleft()
                self.in_flight += 1
                self._started += 1
                self.max_seen_in_flight = max(self.max_seen_in_flight, self.in_flight)
                return True
            return False

    async def _first_answers(self) -> None:
        """Hold back all but the first few requests until one is answered (or a moment)."""
        assert self._heard is not None
        if self._first_at is None:
            self._first_at = self.clock()
        if self._heard.is_set() or self._started < FIRST_WINDOW:
            return
        left = self._first_at + FIRST_GRACE_S - self.clock()
        if left > 0:
            try:
                await asyncio.wait_for(self._heard.wait(), left)
            except asyncio.TimeoutError:
                pass
        self._heard.set()

    def release(self, *, tokens: int | None = None) -> None:
        """A request ended (answered or not); ``tokens``: what its answer used."""
        self.in_flight = max(0, self.in_flight - 1)
        if tokens:
            self._tokens[0] += 1
            self._tokens[1] += int(tokens)
        if self._freed is not None:
            self._freed.set()
        if self._heard is not None:
            self._heard.set()  # an answer or an error: either way the key was heard

    def halt(self, reason: str) -> None:
        """Stop this job's senders: this one now, the others at their next ask."""
        self.halted = self.halted or reason
        self._pending.append({"kind": "halt", "run": self.run, "reason": reason})
        if self._freed is not None:
            self._freed.set()

    async def flush(self) -> None:
        """Hand what this sender saw to the source now (at the end, or after a halt)."""
        if self._pending or self._limits or self._tokens[0]:
            await self._exchange(0)

    # --- what the responses say ------------------------------------------------------

    def on_response(
        self, status: int, headers: Mapping[str, str] | Any, retry_after: float | None = None
    ) -> None:
        """Read one response (the transport's observer calls this, 429s included)."""
        now = self.clock()
        if self._heard is not None:
            self._heard.set()
        limits = limits_from_headers(headers)
        if status == 429:
            self.rate_limited += 1
            # Start times given before the limit showed are void; the next ask brings this
            # 429 to the book, which says how long to pause.
            self._slots.clear()
            self._pending.append({"kind": "429", "at": now, "retry_after": retry_after, **limits})
            if limits["limit_requests"] is None:  # no headers: wait as the server said
                pause = 1.0 if retry_after is None else retry_after
                self._paused_until = max(self._paused_until, now + min(pause, 60.0))
            return
        if limits["limit_requests"] is not None or limits["remaining_requests"] is not None:
            if limits["remaining_requests"] is not None and limits["remaining_requests"] <= 0:
                reset = limits["reset_requests"] or 0.0
                self._paused_until = max(self._paused_until, now + reset)
            self._limits = {"kind": "limits", "at": now, **limits}

    # --- asking the source -----------------------------------------------------------

    async def _ask(self) -> None:
        n = max(1, min(MAX_CHUNK, math.ceil(self.rate * CHUNK_S)))
        room = self.max_in_flight - self.in_flight
        n = min(n, max(1, room))
        if self.demand is not None:
            n = min(n, max(1, self.demand))
        await self._exchange(n)

    async def _exchange(self, n: int) -> None:
        observations = self._pending
        if self._limits is not None:
            observations.append(self._limits)
        if self._tokens[0]:
            observations.append(
                {"kind": "tokens", "requests": self._tokens[0], "tokens": self._tokens[1]}
            )
        self._pending, self._limits, self._tokens = [], None, [0, 0]
        answer = await self.source.reserve(n, observations, self.run)
        self.rate = float(answer.get("rate") or self.rate)
        if answer.get("halted"):
            self.halted = self.halted or str(answer["halted"])
        self._slots.extend(answer.get("slots") or [])
