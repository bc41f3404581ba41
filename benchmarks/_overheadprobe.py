"""Child process for the turn-overhead figures: ``python benchmarks/_overheadprobe.py``.

Run as a script, never with ``-m`` from the repository root: ``PYTHONPATH`` alone
decides which ``grok_jupyter`` is imported (the current tree, or an older commit
extracted to a folder), and this file imports nothing from ``benchmarks``.

It starts the emulator in this process (instant answers), an IPython
``InteractiveShell`` with the extension loaded and output forced to the display
path (as in a kernel; every other setting is that version's default), and then
reads commands on stdin: a line ``N [PACE]`` runs N plain ``%%grok`` cells (PACE:
the emulator waits that many seconds after each SSE event, its ``slow_chunks``
fault, so the client keeps up with the stream as with a real one) and prints one
JSON line: per cell, in seconds, ``before``, ``after``, ``before_cpu``,
``after_cpu``, the same four with ``_wire`` after the span's name
(``before_wire``...), ``wall``, and the ``paths`` and request counts seen; an
empty line or EOF ends it. The first line printed is ``{"ready": true, "file": ...}``, the
``grok_jupyter.__file__`` imported.

How the overhead is timed, on ``time.monotonic()`` (one clock for every thread), in
the issue's words ("time from cell start to the request's first byte, and from the
last event to the footer"):

- ``before``: from the cell's start (the call of the cell magic) to the request's first
  byte written to the socket (``httpcore2``'s ``SyncStream.write``, under both versions).
- ``after``: from the client handing the stream's last event to the magic (the last
  item either version's ``ChatStream``/``ResponseStream`` iteration yields) to the
  display publisher receiving the bundle that holds the footer.

and, as the row measured before (``*_wire``), from the server's side:

- ``before_wire``: cell start to the emulator receiving the turn's first API request
  (the ASGI app is called as soon as the request's head has arrived): adds the
  emulator's reading of the request head.
- ``after_wire``: from the emulator writing the response's last byte (the end of the
  chunked body: both versions read to it) to the footer: adds the client parsing the
  whole stream, which arrived at once (a Responses stream is about 3x the events and
  bytes of a chat stream for the same answer: the wire's size, not the magic's work).

- ``*_cpu``: the same spans on the main thread's CPU clock (the thread running
  the cell), read from whichever thread stamps: the magic's own work, whatever
  else the machine is doing.

The emulator is wrapped in a tiny ASGI middleware that stamps those moments.
Between them lies the emulator's own work and the stream, which are not the magic's.
The middleware also sets ``TCP_NODELAY`` on the emulator's side of the connection
(``emulator._server.bind_socket`` makes its socket with proto 0, so asyncio skips
its own ``TCP_NODELAY``): otherwise the stream's final HTTP chunk waits ~40 ms
for the client's delayed ACK, a transport stall that would swamp the figure.
Before each cell (untimed) the default conversation is emptied, so every cell is
a first turn with the same request, and garbage is collected.
"""

from __future__ import annotations

import gc
import json
import math
import os
import socket
import sys
import threading
import time
from typing import Any

PROMPT = "Answer in 12 words."  # the emulator answers exactly 12 words: a short answer
API_KEY = "xai-bench-not-a-real-key-0000"
FOOTER_MARK = " in · "  # in every footer with usage: "grok-4.3 · 8 in · 13 out · ... tokens"
TIMES = ("before", "after", "before_cpu", "after_cpu", "before_wire", "after_wire",
         "before_wire_cpu", "after_wire_cpu", "wall")  # seconds, per cell


try:  # the main thread's CPU clock, readable from the server's thread too
    MAIN_CPU: int | None = time.pthread_getcpuclockid(threading.main_thread().ident or 0)
except (AttributeError, OSError):  # not on every platform
    MAIN_CPU = None


def stamp() -> tuple[float, float]:
    """(wall time, CPU time the main thread, which runs the cell, has used: NaN if unknown)."""
    return time.monotonic(), time.clock_gettime(MAIN_CPU) if MAIN_CPU is not None else math.nan


class Stamps:
    """What the server saw (each API request's stamp and path, the last body write's
    stamp), what the client did (its first socket write, the last stream event it
    yielded) and what the display publisher got (stamp, serialised bundle)."""

    def __init__(self) -> None:
        self.requests: list[tuple[tuple[float, float], str]] = []
        self.last_body = (0.0, 0.0)
        self.first_write: tuple[float, float] | None = None
        self.last_event: tuple[float, float] | None = None
        self.published: list[tuple[tuple[float, float], str]] = []


STAMPS = Stamps()


class _TimedSend:
    """The server's ``send``, stamping each body write. A bound method of an object with
    ``transport``, as uvicorn's own ``send`` is (the emulator finds the connection so)."""

    def __init__(self, send: Any) -> None:
        self._send = send
        self.transport = getattr(getattr(send, "__self__", None), "transport", None)
        sock = self.transport.get_extra_info("socket") if self.transport is not None else None
        if sock is not None:
            # Without it the stream's last HTTP chunk waits for the client's delayed ACK
            # (Nagle: ~40 ms on loopback), the same in both versions and not the magic's.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def send(self, message: dict) -> None:
        await self._send(message)
        if message["type"] == "http.response.body":
            STAMPS.last_body = stamp()  # the last one ends the response


def timed_app(app: Any) -> Any:
    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await app(scope, receive, send)
            return
        STAMPS.requests.append((stamp(), scope["path"]))
        await app(scope, receive, _TimedSend(send).send)

    return wrapped


def stamp_client() -> None:
    """Stamp the client's first socket write and each stream event handed to the magic,
    by wrapping classes both versions share (httpcore2's sync stream; the client's
    ``ChatStream`` and ``ResponseStream``)."""
    import functools

    from httpcore2._backends.sync import SyncStream

    write = SyncStream.write

    def timed_write(self: Any, buffer: bytes, timeout: float | None = None) -> None:
        if STAMPS.first_write is None and buffer:
            STAMPS.first_write = stamp()
        write(self, buffer, timeout)

    SyncStream.write = timed_write  # type: ignore[method-assign]
    from grok_jupyter.client import _responses_stream, _streaming

    for cls in (_streaming.ChatStream, _responses_stream.ResponseStream):
        iterate = cls._iterate

        @functools.wraps(iterate)
        def timed_iterate(self: Any, _iterate: Any = iterate) -> Any:
            for item in _iterate(self):
                STAMPS.last_event = stamp()
                yield item

        cls._iterate = timed_iterate  # type: ignore[method-assign]


def start_emulator() -> Any:
    from grok_jupyter.emulator import _server

    plain = _server.create_app
    _server.create_app = lambda state: timed_app(plain(state))  # what serve() runs
    return _server.serve(quiet=True)


def build_shell(base_url: str) -> Any:
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class StampingPublisher(DisplayPublisher):
        def publish(self, data: Any, metadata: Any = None, source: Any = None, *,
                    transient: Any = None, update: bool = False, **kw: Any) -> None:
            # What a kernel does with each bundle before sending it: serialise it.
            text = json.dumps({"data": data, "metadata": metadata, "transient": transient},
                              default=str, ensure_ascii=False)
            STAMPS.published.append((stamp(), text))

    os.environ["XAI_BASE_URL"] = base_url
    os.environ["XAI_API_KEY"] = API_KEY
    shell = InteractiveShell.instance()
    shell.display_pub = StampingPublisher(shell=shell)
    shell.run_line_magic("load_ext", "grok_jupyter")
    shell.run_line_magic("config", "GrokMagics.output = 'display'")  # as in a kernel
    return shell


def one_cell(shell: Any, emu: Any, pace: float) -> dict[str, Any]:
    from grok_jupyter.notebook.conversation import get_conversation

    get_conversation().reset()  # every cell is a first turn (untimed)
    if pace:
        emu.inject("slow_chunks", delay=pace)
    del STAMPS.requests[:], STAMPS.published[:]
    STAMPS.first_write = STAMPS.last_event = None
    gc.collect()
    start = stamp()
    shell.run_cell_magic("grok", "", PROMPT)
    end = stamp()
    if not STAMPS.requests:
        raise RuntimeError("the cell sent no request (see stderr)")
    footers = [t for t, text in STAMPS.published if FOOTER_MARK in text]
    if not footers:
        shown = STAMPS.published[-1][1][:300] if STAMPS.published else "nothing"
        raise RuntimeError(f"no footer was displayed; last display: {shown}")
    if STAMPS.first_write is None or STAMPS.last_event is None:
        raise RuntimeError("the client's first write or last stream event was not seen")
    request, last, footer = STAMPS.requests[0][0], STAMPS.last_body, footers[-1]
    wrote, event = STAMPS.first_write, STAMPS.last_event
    return {"before": wrote[0] - start[0], "after": footer[0] - event[0],
            "before_cpu": wrote[1] - start[1], "after_cpu": footer[1] - event[1],
            "before_wire": request[0] - start[0], "after_wire": footer[0] - last[0],
            "before_wire_cpu": request[1] - start[1], "after_wire_cpu": footer[1] - last[1],
            "wall": end[0] - start[0], "path": STAMPS.requests[0][1],
            "requests": len(STAMPS.requests)}


def main() -> None:
    import grok_jupyter

    stamp_client()
    with start_emulator() as emu:
        shell = build_shell(str(emu))
        for pace in (0, 0, 0, 0.001, 0.001):  # warm-up: imports, the connection, caches
            one_cell(shell, emu, pace)
        gc.collect()
        gc.freeze()  # what is loaded now is never garbage: each cell's collection stays short
        print(json.dumps({"ready": True, "file": grok_jupyter.__file__}), flush=True)
        for line in sys.stdin:
            if not line.strip():
                break
            count, _, pace = line.partition(" ")
            cells = [one_cell(shell, emu, float(pace or 0)) for _ in range(int(count))]
            reply = {k: [c[k] for c in cells] for k in TIMES}
            reply["paths"] = sorted({c["path"] for c in cells})
            reply["requests"] = sorted({c["requests"] for c in cells})
            print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
