"""Run the emulator on a real uvicorn server, in a background thread or the foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from ._app import create_app
from ._faults import Fault
from ._state import EmulatorState, RecordedRequest

CHAT_PATH = "/v1/chat/completions"


class EmulatorHandle(str):
    """The running emulator. It *is* its base URL (``"http://127.0.0.1:PORT/v1"``),
    so ``with serve() as base_url:`` works, and it carries the test controls."""

    _state: EmulatorState

    def __new__(cls, base_url: str, state: EmulatorState) -> EmulatorHandle:
        handle = super().__new__(cls, base_url)
        handle._state = state
        return handle

    @property
    def base_url(self) -> str:
        return str.__str__(self)

    @property
    def requests(self) -> list[RecordedRequest]:
        """API requests received so far (admin calls and image downloads excluded)."""
        return self._state.requests

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self._state.requests if r.path == CHAT_PATH]

    def inject(self, fault: str, times: int = 1, **params: Any) -> None:
        """Queue ``fault`` for the next ``times`` API requests.

        ``emu.inject("cut", after_chunks=3)``; parameters as in ``FAULTS``.
        """
        self._state.inject(Fault(fault, params), times)

    def reset(self) -> None:
        """Forget requests and queued faults; restore the limits ``serve()`` was given."""
        self._state.reset()

    def set_limits(self, rpm: int | None = None, tpm: int | None = None) -> None:
        """Enforce requests and tokens per minute (None: no limit)."""
        self._state.set_limits(rpm=rpm, tpm=tpm)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket, so the port (even port 0) is known before the server starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/v1"


def make_server(state: EmulatorState) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(state),
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


@contextmanager
def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    api_keys: Iterable[str] | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    deferred_pending_polls: int = 1,
) -> Iterator[EmulatorHandle]:
    """Run the emulator in a background thread for the ``with`` block.

    ``api_keys``: the keys accepted (default: any key starting with ``xai-``).
    ``rpm``/``tpm``: enforced requests and tokens per minute (default: none).
    ``deferred_pending_polls``: how many polls of a deferred completion answer 202.
    """
    state = EmulatorState(
        api_keys=api_keys, rpm=rpm, tpm=tpm, deferred_pending_polls=deferred_pending_polls
    )
    sock = bind_socket(host, port)
    server = make_server(state)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="grok-emulator", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the grok emulator failed to start")
            time.sleep(0.005)
        yield EmulatorHandle(base_url_of(sock), state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
