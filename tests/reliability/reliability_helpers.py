"""Helpers for the reliability suite (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import os
import time
from typing import Any

from tests.conftest import TEST_API_KEY
from tests.recording import RecordingPublisher  # noqa: F401  (re-exported for the suite)

# The fault client's read timeout, and a first byte comfortably later than it.
READ_TIMEOUT = 1.0
SLOW_DELAY = 2.5


def fault_client_settings(emu: Any) -> dict[str, Any]:
    """What every fault test's client uses: 2 retries, fast backoff, a short timeout."""
    from grok_jupyter.client import UsageLedger

    return {
        "api_key": TEST_API_KEY,
        "base_url": emu.base_url,
        "timeout": READ_TIMEOUT,  # every phase; loopback connects at once
        "max_retries": 2,
        "retry_backoff": 0.01,
        "retry_backoff_max": 0.05,
        "ledger": UsageLedger(),
    }


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


def leaks(text: str, secret: str, min_len: int = 5) -> list[str]:
    """Every substring of ``secret`` of ``min_len`` characters that occurs in ``text``."""
    found = []
    for i in range(len(secret) - min_len + 1):
        part = secret[i : i + min_len]
        if part in text:
            found.append(part)
    return found
