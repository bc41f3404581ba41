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
from ._batch_runner import DEFAULT_DELAY as DEFAULT_BATCH_DELAY
from ._faults import Fault
from ._file_store import MAX_FILE_BYTES
from ._pacing import SpeedSpec
from ._state import (
    MAX_BODY_BYTES,
    MAX_RECORDED,
    MAX_RECORDED_BYTES,
    EmulatorState,
    RecordedRequest,
)

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

    @property
    def billed(self) -> dict[str, int]:
        """Ticks and calls billed since start or ``reset()`` (GET /_emulator/billing)."""
        return self._state.billed

    def inject(self, fault: str, times: int = 1, **params: Any) -> None:
        """Queue ``fault`` for the next ``times`` API requests.

        ``emu.inject("cut", after_chunks=3)``; parameters as in ``FAULTS``.
        """
        self._state.inject(Fault(fault, params), times)

    def reset(self) -> None:
        """Forget requests, queued faults, the pages and posts added with ``add_page`` /
        ``add_post``, uploaded files and batches; restore the limits ``serve()`` was given."""
        self._state.reset()

    def script(self, items: list[Any]) -> int:
        """Queue exact model turns: each chat or Responses request takes the next item
        instead of the deterministic answer. An item is text (``"Done."``) or tool calls
        (``{"tool": "run_code", "arguments": {"code": "1 + 1"}}``, or
        ``{"tool_calls": [{"name": ..., "arguments": {...}}]}``); a bad one raises
        ``ValueError`` and nothing is queued. Returns how many are queued; ``reset()``
        clears them."""
        return self._state.queue_script(items)

    def set_limits(self, rpm: int | None = None, tpm: int | None = None) -> None:
        """Enforce requests and tokens per minute (None: no limit)."""
        self._state.set_limits(rpm=rpm, tpm=tpm)

    def set_speed(self, speed: SpeedSpec) -> None:
        """Pace answers from now on: ``"instant"``, ``"realistic"`` or a mapping with
        ``ttft_s`` / ``tokens_per_s`` / ``answer_s`` (see ``serve``); reset() restores
        the speed ``serve()`` was given."""
        self._state.set_speed(speed)

    def add_page(self, url: str, title: str, text: str, date: str | None = None) -> None:
        """Add a web page to the corpus ``web_search`` searches (``date``: ISO, optional)."""
        self._state.responses.corpus.add_page(url, title, text, date)

    def add_post(self, handle: str, text: str, date: str) -> str:
        """Add an X post to the corpus ``x_search`` searches; returns the post's URL."""
        return self._state.responses.corpus.add_post(handle, text, date).url


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


def make_server(
    state: EmulatorState, *, quiet: bool = False, allowed_hosts: Iterable[str] = ()
) -> uvicorn.Server:
    # quiet: no server log at all (the in-kernel emulator: its thread's stderr would land
    # in whatever cell runs next, e.g. "ERROR: ASGI callable returned ..." after a fault).
    app = create_app(state)
    # Host values served besides the bound address, localhost, 127.0.0.1 and [::1] with
    # the port; any other Host gets 421 (a DNS-rebinding page cannot reach the emulator).
    app.allowed_hosts = tuple(allowed_hosts)  # type: ignore[attr-defined]
    config = uvicorn.Config(
        app,
        log_level="critical" if quiet else "warning",
        log_config=None if quiet else uvicorn.config.LOGGING_CONFIG,
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


def build_state(
    *,
    corpus: str | None = None,
    code_execution: str = "on",
    retired: str = "redirect",
    max_file_bytes: int = MAX_FILE_BYTES,
    batch_delay: float = DEFAULT_BATCH_DELAY,
    speed: SpeedSpec = "instant",
    **limits: Any,
) -> EmulatorState:
    """The emulator's state as ``serve()`` documents its options (shared with the CLI);
    ``limits``: ``EmulatorState``'s own keywords (keys, rpm/tpm, body and record caps)."""
    if code_execution not in ("on", "off"):
        raise ValueError(f"code_execution must be 'on' or 'off', got {code_execution!r}")
    if retired not in ("redirect", "error"):
        raise ValueError(f"retired must be 'redirect' or 'error', got {retired!r}")
    state = EmulatorState(speed=speed, **limits)
    state.files.max_file_bytes = max_file_bytes
    state.batches.delay = batch_delay
    if corpus is not None:
        state.responses.corpus.load_folder(corpus)
        state.responses.corpus.keep_as_baseline()
    state.responses.code_execution = code_execution == "on"
    state.retired = retired
    return state


@contextmanager
def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    api_keys: Iterable[str] | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    rate_window: str = "sliding",
    deferred_pending_polls: int = 1,
    corpus: str | None = None,
    code_execution: str = "on",
    retired: str = "redirect",
    quiet: bool = False,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_recorded: int = MAX_RECORDED,
    max_recorded_bytes: int = MAX_RECORDED_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    batch_delay: float = DEFAULT_BATCH_DELAY,
    speed: SpeedSpec = "instant",
    allowed_hosts: Iterable[str] = (),
) -> Iterator[EmulatorHandle]:
    """Run the emulator in a background thread for the ``with`` block.

    ``api_keys``: the keys accepted (default: any key starting with ``xai-``).
    ``rpm``/``tpm``: enforced requests and tokens per minute (default: none).
    ``rate_window``: how ``rpm`` is enforced: ``"sliding"`` (any minute holds at most
    ``rpm``; a fresh minute admits them all at once) or ``"smooth"`` (a token bucket
    refilled at ``rpm/60`` a second, burst of about one second's worth).
    ``deferred_pending_polls``: how many polls of a deferred completion answer 202.
    ``corpus``: a folder with ``pages.json``/``posts.json`` added to the search corpus.
    ``code_execution``: ``"off"`` refuses the code_interpreter tool; ``"on"`` runs the
    prompt's fenced Python block on this machine (limited, as a cell would run it).
    ``retired``: ``"redirect"`` answers a retired id with its target (200, the target's
    prices and ``model``, as the API does since 2026-05-15); ``"error"`` answers 404.
    ``max_body_bytes``: larger request bodies get 413 (default 50 MB, the OAS files limit).
    ``max_recorded``/``max_recorded_bytes``: how many requests, and how many body bytes,
    ``emu.requests`` keeps (the newest).
    ``max_file_bytes``: an uploaded file over this gets 413 (default 50 MB, section 5).
    ``batch_delay``: seconds before a queued batch request is answered (default 0.5).
    ``allowed_hosts``: ``Host`` values (``"name:port"``) served besides the bound address,
    ``localhost``, ``127.0.0.1`` and ``[::1]`` with its port; any other gets 421.
    ``speed``: how fast answers come. ``"instant"`` (default); ``"realistic"``: each model's
    measured time to first token and tokens per second (``_pacing.MEASURED``); or a mapping
    for every model: ``{"ttft_s": 0.5, "tokens_per_s": 80}``, or ``{"answer_s": 2.0}`` for
    answers that take exactly 2 s from request to last token. Chat and Responses answers,
    streamed or not, are paced; batch results and deferred completions are not.
    """
    state = build_state(
        api_keys=api_keys,
        rpm=rpm,
        tpm=tpm,
        rate_window=rate_window,
        deferred_pending_polls=deferred_pending_polls,
        corpus=corpus,
        code_execution=code_execution,
        retired=retired,
        max_body_bytes=max_body_bytes,
        max_recorded=max_recorded,
        max_recorded_bytes=max_recorded_bytes,
        max_file_bytes=max_file_bytes,
        batch_delay=batch_delay,
        speed=speed,
    )
    sock = bind_socket(host, port)
    server = make_server(state, quiet=quiet, allowed_hosts=allowed_hosts)
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
