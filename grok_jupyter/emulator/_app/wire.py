"""Responses Starlette cannot express: a dropped connection, an SSE stream with faults."""

from __future__ import annotations

import asyncio
import time

from starlette.types import Receive, Scope, Send

from .._encode import DONE_EVENT
from .._faults import STREAM_FAULTS, Fault

RAW_SEND = "grok_emulator.raw_send"
_BATCH_BYTES = 32 * 1024  # events that are ready go out together, up to this much per write


def _transport(scope: Scope) -> asyncio.Transport | None:
    # uvicorn's ``send`` is a bound method of the request cycle, which holds the transport.
    owner = getattr(scope.get(RAW_SEND), "__self__", None)
    return getattr(owner, "transport", None)


async def _abort(scope: Scope) -> None:
    transport = _transport(scope)
    if transport is None:
        raise RuntimeError("the emulator can drop connections only when served by uvicorn")
    transport.abort()
    # Let connection_lost run, so uvicorn marks the cycle disconnected and sends no 500.
    for _ in range(3):
        await asyncio.sleep(0)


class DropConnection:
    """Close the connection without any response (the ``disconnect`` fault)."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _abort(scope)


class BrokenEncoding:
    """A 200 whose body claims gzip but is not (the ``bad_encoding`` fault)."""

    def __init__(self, *, stream: bool) -> None:
        kind = "text/event-stream" if stream else "application/json"
        self.headers: dict[str, str] = {"content-type": kind, "content-encoding": "gzip"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b"\x1f\x8b\x08\x00 this is not a gzip stream at all"
        headers = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class EventStream:
    """An SSE response from pre-encoded events, with the stream faults applied.

    ``times``: when to send each event, in seconds after ``started`` (``time.monotonic()``
    when the request arrived), for the speed profiles (``_pacing``); None sends at once.
    """

    def __init__(
        self,
        events: list[bytes],
        fault: Fault | None,
        keepalive: bytes,
        *,
        times: list[float] | None = None,
        started: float | None = None,
    ) -> None:
        self.events = events
        self.fault = fault if fault is not None and fault.name in STREAM_FAULTS else None
        self.keepalive = keepalive
        self.times = times if times is not None else [0.0] * len(events)
        self.started = started if started is not None else time.monotonic()
        self.headers: dict[str, str] = {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
        }

    def _timed_events(self) -> tuple[list[tuple[bytes, float]], bool]:
        """The events to send with their times, faults applied; and whether to cut after."""
        timed = list(zip(self.events, self.times, strict=True))
        fault = self.fault
        name = fault.name if fault else None
        if name == "keepalive":
            timed[:0] = [(self.keepalive, 0.0)] * fault.count("count")
        if name == "malformed":
            at = min(fault.count("after_chunks"), len(timed))
            when = timed[at - 1][1] if at else 0.0
            timed.insert(at, (b'data: {"id":"malformed","choices":[{"index":0,"delta":\n\n', when))
        if name == "cut":
            del timed[fault.count("after_chunks") :]
            return timed, True
        if name == "no_completed" and not fault.count("done"):
            return timed, False  # the body ends cleanly, with no [DONE]
        timed.append((DONE_EVENT, timed[-1][1] if timed else 0.0))
        return timed, False

    @staticmethod
    async def _send_body(send: Send, events: list[bytes]) -> None:
        """Events that are ready, in one write."""
        await send({"type": "http.response.body", "body": b"".join(events), "more_body": True})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        timed, cut = self._timed_events()
        headers = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        transport = _transport(scope)
        if self.fault is not None and self.fault.name == "slow_chunks":
            delay = self.fault.number("delay")
            for event, _ in timed:
                if transport is not None and transport.is_closing():
                    return  # the client hung up (Stop, Ctrl-C)
                await send({"type": "http.response.body", "body": event, "more_body": True})
                await asyncio.sleep(delay)
        else:
            batch: list[bytes] = []
            size = 0
            for event, when in timed:
                wait = self.started + when - time.monotonic()
                if wait > 0:
                    # A paced event (speed profiles): what is ready goes out first.
                    if batch:
                        await self._send_body(send, batch)
                        batch, size = [], 0
                    await asyncio.sleep(wait)
                    if transport is not None and transport.is_closing():
                        return
                batch.append(event)
                size += len(event)
                if size >= _BATCH_BYTES or wait > 0:
                    await self._send_body(send, batch)
                    batch, size = [], 0
                    if transport is not None and transport.is_closing():
                        return
            if batch:
                await self._send_body(send, batch)
        if cut and transport is not None:
            # Let what was written reach the client, then drop the connection mid-body.
            deadline = time.monotonic() + 5
            while transport.get_write_buffer_size() and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            await _abort(scope)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})
