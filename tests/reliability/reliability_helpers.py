"""Helpers for the reliability suite (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import os
import time
from typing import Any

from IPython.core.displaypub import DisplayPublisher

TEST_API_KEY = "xai-emulator-test-key-7Qk9"  # tests/conftest.py's key, which the emu fixture sets

# The fault client's read timeout, and a first byte comfortably later than it.
READ_TIMEOUT = 1.0
SLOW_DELAY = 2.5


def pool_of(client: Any) -> Any:
    """The connection pool under a GrokClient / AsyncGrokClient (httpx2 -> httpcore2)."""
    return client._http._transport._pool


def assert_pool_settled(client: Any) -> None:
    """No request in flight and every pooled connection idle or closed: nothing leaked."""
    pool = pool_of(client)
    assert list(pool._requests) == [], f"requests still in flight: {pool._requests}"
    busy = [c for c in pool.connections if not (c.is_idle() or c.is_closed())]
    assert busy == [], f"connections still busy after the call: {busy}"


def open_sockets() -> int:
    """Sockets this process holds open (client and in-process emulator alike)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:  # closed while we looked
            pass
    return count


def wait_for(predicate: Any, what: str, timeout: float = 20.0) -> None:
    """Wait for something that happens on another thread; the timeout only guards a hang."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


class RecordingPublisher(DisplayPublisher):
    """Keeps every display the magic publishes (first shows and in-place updates)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.events: list[dict[str, Any]] = []

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        self.events.append({"data": data, "transient": transient or {}, "update": update})

    def clear_output(self, wait: bool = False) -> None:
        self.events.clear()

    def outputs(self) -> list[dict[str, Any]]:
        """What a saved notebook would hold: one entry per display, its final data."""
        final: dict[Any, dict[str, Any]] = {}
        order: list[Any] = []
        for i, event in enumerate(self.events):
            key = event["transient"].get("display_id", f"anonymous-{i}")
            if key not in final:
                order.append(key)
            final[key] = event["data"]
        return [final[k] for k in order]

    def text(self) -> str:
        """Every mime bundle ever published, as one string (for content and secret scans)."""
        parts = []
        for event in self.events:
            for value in event["data"].values():
                parts.append(value if isinstance(value, str) else repr(value))
        return "\n".join(parts)


def leaks(text: str, secret: str, min_len: int = 5) -> list[str]:
    """Every substring of ``secret`` of ``min_len`` characters that occurs in ``text``."""
    found = []
    for i in range(len(secret) - min_len + 1):
        part = secret[i : i + min_len]
        if part in text:
            found.append(part)
    return found
