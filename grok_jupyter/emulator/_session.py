"""One emulator for the life of this process, with the environment pointed at it.

``start()`` is what ``%grok emulator`` and a notebook's first cell use: it
serves the emulator in a background thread, sets ``XAI_BASE_URL`` (and a fake
``XAI_API_KEY`` if none is set) and drops the shared default clients, so the
magic, the panel and ``ChatGrok`` all rebuild theirs against it.
"""

from __future__ import annotations

import os
import threading
from contextlib import AbstractContextManager
from typing import Any

FAKE_KEY = "xai-emulator-local-key"

_lock = threading.Lock()
_running: tuple[AbstractContextManager[Any], Any] | None = None


def running_url() -> str | None:
    """The base URL of the emulator ``start()`` runs, or None."""
    return None if _running is None else str(_running[1].base_url)


def start(*, if_no_key: bool = False) -> str | None:
    """Serve the emulator (once per process) and point every default client at it.

    With ``if_no_key=True`` nothing happens when ``XAI_API_KEY`` is already set
    (the real API is meant); the return value is then None.
    """
    global _running
    if if_no_key and os.environ.get("XAI_API_KEY") and _running is None:
        return None
    with _lock:
        if _running is None:
            from ._server import serve

            server = serve(quiet=True)  # no server log leaking into later cells
            _running = (server, server.__enter__())
        url = str(_running[1].base_url)
    os.environ["XAI_BASE_URL"] = url
    os.environ.setdefault("XAI_API_KEY", FAKE_KEY)
    _reset_default_clients()
    return url


def stop() -> None:
    """Stop the emulator ``start()`` began and undo what it set in the environment."""
    global _running
    with _lock:
        if _running is None:
            return
        server, handle = _running
        _running = None
    server.__exit__(None, None, None)
    if os.environ.get("XAI_BASE_URL") == str(handle.base_url):
        del os.environ["XAI_BASE_URL"]
    if os.environ.get("XAI_API_KEY") == FAKE_KEY:
        del os.environ["XAI_API_KEY"]
    _reset_default_clients()


def _reset_default_clients() -> None:
    from grok_jupyter import client

    client.set_client(None)
    client.set_async_client(None)
