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


class EventStream:
    """An SSE response from pre-encoded events, with the stream faults applied."""

    def __init__(self, events: list[bytes], fault: Fault | None, keepalive: bytes) -> None:
        self.events = events
        self.fault = fault if fault is not None and fault.name in STREAM_FAULTS else None
        self.keepalive = keepalive
        self.headers: dict[str, str] = {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events = list(self.events)
        fault = self.fault
        name = fault.name if fault else None
        if name == "keepalive":
            events[:0] = [self.keepalive] * fault.count("count")
        if name == "malformed":
            at = min(fault.count("after_chunks"), len(events))
            events.insert(at, b'data: {"id":"malformed","choices":[{"index":0,"delta":\n\n')
        cut = name == "cut"
        if cut:
            del events[fault.count("after_chunks") :]
        else:
            events.append(DONE_EVENT)
        headers = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        transport = _transport(scope)
        if name == "slow_chunks":
            delay = fault.number("delay")
            for event in events:
                if transport is not None and transport.is_closing():
                    return  # the client hung up (Stop, Ctrl-C)
                await send({"type": "http.response.body", "body": event, "more_body": True})
                await asyncio.sleep(delay)
        else:
            batch: list[bytes] = []
            size = 0
            for event in events:
                batch.append(event)
                size += len(event)
                if size >= _BATCH_BYTES:
                    await send(
                        {"type": "http.response.body", "body": b"".join(batch), "more_body": True}
                    )
                    batch, size = [], 0
                    if transport is not None and transport.is_closing():
                        return
            if batch:
                await send(
                    {"type": "http.response.body", "body": b"".join(batch), "more_body": True}
                )
        if cut and transport is not None:
            # Let what was written reach the client, then drop the connection mid-body.
            deadline = time.monotonic() + 5
            while transport.get_write_buffer_size() and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            await _abort(scope)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})
