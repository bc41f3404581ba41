"""Concurrency that finds the account's rate limit: additive increase, multiplicative decrease.

The map starts at a moderate number of requests in flight and grows it while
answers come back clean: by one per answer until the first sign of a limit
(a slow start, so a fast account is used fully within a few round trips),
then by about one per round trip. Signs of a limit, read from every response
(``client._observe`` hands over retried 429s too):

* a 429: halve the window (at most once per second, since a burst of 429s is
  one event) and send nothing new until its ``Retry-After`` has passed;
* ``x-ratelimit-remaining-requests``: the requests in flight never outnumber
  it (each may still need a slot); at zero, wait for
  ``x-ratelimit-reset-requests``, then probe with one request.

``concurrency=`` caps the window. Only the event loop's thread touches it.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from ..client._errors import parse_retry_after

START = 16
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def parse_duration(value: str | None) -> float | None:
    """``"1.5s"``, ``"250ms"``, ``"1m30s"`` or a bare number of seconds -> seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    parts = _DURATION.findall(value)
    if not parts:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


class AdaptiveLimiter:
    """How many requests may be in flight now; ``acquire`` before a request, ``release`` after."""

    def __init__(self, cap: int, start: int = START) -> None:
        self.cap = max(1, int(cap))
        self.window = float(min(start, self.cap))
        self.in_flight = 0
        self.slow_start = True
        self.paused_until = 0.0
        self.rate_limited = 0  # 429 answers seen
        self.max_in_flight = 0
        self.min_window = self.window
        self.headroom: int | None = None  # x-ratelimit-remaining-requests, latest
        self._last_cut = -1e9
        self._wake: asyncio.Event | None = None

    def __repr__(self) -> str:
        return (
            f"AdaptiveLimiter(window={self.window:.1f}, cap={self.cap}, "
            f"in_flight={self.in_flight}, rate_limited={self.rate_limited})"
        )

    @property
    def allowed(self) -> int:
        # Never more in flight than the limit still admits (each may need a slot); at
        # least one, so a request probes the limit again once a pause is over.
        cap = int(self.window) if self.headroom is None else min(int(self.window), self.headroom)
        return max(1, cap)

    async def acquire(self) -> None:
        """Wait until a request may go out (window not full, no pause), then count it."""
        while True:
            wait = self.paused_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            if self.in_flight < self.allowed:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                return
            if self._wake is None:
                self._wake = asyncio.Event()
            self._wake.clear()
            await self._wake.wait()

    def release(self, ok: bool = True) -> None:
        """A request ended; a clean answer widens the window."""
        self.in_flight -= 1
        if ok:
            step = 1.0 if self.slow_start else 1.0 / max(self.window, 1.0)
            self.window = min(float(self.cap), self.window + step)
        if self._wake is not None:
            self._wake.set()

    def observe(self, status: int, headers: Any) -> None:
        """Read one response's status and rate headers (the transport calls this)."""
        now = time.monotonic()
        if status == 429:
            self.rate_limited += 1
            # The client waits by the same reading (retry-after-ms, seconds or a date).
            retry = parse_retry_after(headers) or 1.0
            self.paused_until = max(self.paused_until, now + retry)
            self._cut(now)
            return
        remaining = _int(headers.get("x-ratelimit-remaining-requests"))
        if remaining is None:
            return
        self.headroom = remaining
        if remaining <= 0:
            reset = parse_duration(headers.get("x-ratelimit-reset-requests"))
            if reset:
                self.paused_until = max(self.paused_until, now + reset)
            self._cut(now)

    def _cut(self, now: float) -> None:
        self.slow_start = False
        if now - self._last_cut >= 1.0:
            self._last_cut = now
            self.window = max(1.0, self.window / 2)
            self.min_window = min(self.min_window, self.window)
