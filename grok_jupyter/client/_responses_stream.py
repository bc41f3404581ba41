"""A streamed Responses call: typed events in, and what they add up to (``ResponseAccumulator``).

The SSE framing is ``_streaming.SSEDecoder`` (``event:`` lines skipped, a
``[DONE]`` tolerated: both are [U] for ``/v1/responses``, §2.5). As with chat
streams, nothing here retries: once an event reached the caller, a break is a
``StreamInterruptedError`` with the accumulator in ``.partial``; past the
call's deadline it is ``DeadlineExceededError``. The stream ends at
``response.completed`` / ``incomplete`` / ``failed``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ._errors import (
    APITimeoutError,
    DeadlineExceededError,
    GrokError,
    StreamInterruptedError,
    scrub,
    status_error,
)
from ._http import httpx
from ._responses_accumulator import ResponseAccumulator
from ._responses_events import DeltaEvent, ResponseEvent, event_adapter
from ._responses_types import Response
from ._retry import forget_locals
from ._streaming import SSEDecoder

if TYPE_CHECKING:
    from types import TracebackType

    from ._retry import CallClock

_validate_event = event_adapter.validate_json
_validate_delta = DeltaEvent.__pydantic_validator__.validate_json
_TEXT_DELTA = "response.output_text.delta"
_TEXT_DELTA_KEY = b'"response.output_text.delta"'
_DONE = b"[DONE]"


class _ResponseStreamState:
    """Parsing, accounting and error shaping shared by the sync and async streams."""

    def __init__(
        self,
        response: httpx.Response,
        *,
        started: float,
        api_key: str | None,
        on_finish: Callable[[ResponseAccumulator, float, float | None], None] | None,
        clock: CallClock | None = None,
    ) -> None:
        self.response = response
        self.clock = clock
        self.accumulator = ResponseAccumulator()
        self.decoder = SSEDecoder()
        self.started = started
        self.ttft: float | None = None
        self.done = False
        self.closed = False
        self._finished = False
        self._api_key = api_key
        self._on_finish = on_finish

    @property
    def request_id(self) -> str | None:
        return self.response.headers.get("x-request-id")

    def parse(self, data: bytes) -> ResponseEvent | None:
        """The event in ``data``; None for ``[DONE]``. Raises on a mid-stream failure."""
        if data == _DONE:
            self.done = True
            return None
        acc = self.accumulator
        try:
            # Nearly every event is a text delta: validated straight into DeltaEvent,
            # without the union's dispatch (the type is checked after, so a delta
            # whose text merely contains that key still takes the general path).
            if _TEXT_DELTA_KEY in data:
                event: ResponseEvent = _validate_delta(data)
                if event.type == _TEXT_DELTA:
                    acc.add_text(event)  # type: ignore[arg-type]
                    if self.ttft is None:
                        self.ttft = time.perf_counter() - self.started
                    return event
            event = _validate_event(data)
        except ValidationError:
            raise self._bad_event(data) from None
        acc.add(event)
        if self.ttft is None and isinstance(event, DeltaEvent):
            self.ttft = time.perf_counter() - self.started
        if acc.finished:
            self.done = True
        return event

    def _bad_event(self, data: bytes) -> GrokError:
        try:
            body: Any = json.loads(data)
        except ValueError:
            body = None
        if isinstance(body, dict) and "error" in body and "type" not in body:
            err = status_error(200, body, api_key=self._api_key, request_id=self.request_id)
            if not self.accumulator.events:
                return err
            return self.interrupted(f"the server sent an error mid-stream: {err.message}")
        shown = scrub(data[:200].decode("utf-8", "replace"), self._api_key)
        return self.interrupted(f"malformed stream event: {shown!r}")

    def failure(self) -> GrokError | None:
        """The error for an ``error`` event or ``response.failed`` (None otherwise)."""
        acc = self.accumulator
        if acc.error is None or (acc.finished and acc.status != "failed"):
            return None
        message = str(acc.error.get("message") or "the response failed")
        if not (acc.text or acc.server_tool_calls or acc.function_calls):
            # Nothing of an answer yet: the typed error, classified by xAI's code.
            body = {"code": acc.error.get("code"), "error": message}
            return status_error(200, body, api_key=self._api_key, request_id=self.request_id)
        return self.interrupted(f"the server reported a failure: {scrub(message, self._api_key)}")

    def interrupted(self, why: str) -> StreamInterruptedError:
        acc = self.accumulator
        return StreamInterruptedError(
            f"The stream broke after {acc.events} event(s) ({why}); "
            f"the partial answer ({len(acc.text)} chars) is in .partial",
            partial=acc,  # type: ignore[arg-type]
            request_id=self.request_id,
        )

    def begin(self) -> None:
        if self.clock is not None:
            self.clock.cap_reads(self.response.request)

    def check_deadline(self) -> None:
        if self.clock is not None and self.clock.expired():
            raise self.deadline_exceeded()

    def deadline_exceeded(self) -> DeadlineExceededError:
        assert self.clock is not None
        return self.clock.exceeded(
            f"The stream (after {self.accumulator.events} event(s))",
            partial=self.accumulator,  # type: ignore[arg-type]
            request_id=self.request_id,
        )

    def broken(self, exc: Exception) -> GrokError:
        forget_locals(exc)
        if self.clock is not None and self.clock.expired():
            return self.deadline_exceeded()
        why = scrub(str(exc) or type(exc).__name__, self._api_key)
        if isinstance(exc, httpx.TimeoutException) and not self.accumulator.events:
            return APITimeoutError(f"Timed out waiting for the first event: {why}")
        return self.interrupted(why)

    def end_of_body(self) -> None:
        if not self.done and not self.accumulator.finished:
            raise self.interrupted("the connection closed before response.completed")
        self.done = True

    def finish(self) -> None:
        """Record the call in the ledger once, with whatever usage arrived."""
        if self._finished:
            return
        self._finished = True
        if self._on_finish is not None:
            self._on_finish(self.accumulator, time.perf_counter() - self.started, self.ttft)


class _Base:
    _state: _ResponseStreamState

    @property
    def accumulator(self) -> ResponseAccumulator:
        return self._state.accumulator

    @property
    def response(self) -> httpx.Response:
        return self._state.response

    @property
    def request_id(self) -> str | None:
        return self._state.request_id

    @property
    def ttft_s(self) -> float | None:
        return self._state.ttft

    def __repr__(self) -> str:
        s = getattr(self, "_state", None)
        if s is None:
            return f"<{type(self).__name__} not started>"
        status = "done" if s.done else "closed" if s.closed else "open"
        return f"<{type(self).__name__} {status}, {s.accumulator.events} event(s)>"


def _events(state: _ResponseStreamState, datas: list[bytes]) -> Iterator[ResponseEvent | None]:
    for data in datas:
        event = state.parse(data)
        if event is not None:
            failure = state.failure()
            if failure is not None:
                raise failure
        yield event


class ResponseStream(_Base):
    """Iterate it for typed events; ``.accumulator`` adds them up, ``.final()`` is the
    ``Response``. A context manager that closes the connection."""

    def __init__(self, state: _ResponseStreamState) -> None:
        self._state = state
        self._iterator: Iterator[ResponseEvent] | None = None

    def __iter__(self) -> Iterator[ResponseEvent]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    def __next__(self) -> ResponseEvent:
        return next(iter(self))

    def _iterate(self) -> Iterator[ResponseEvent]:
        state = self._state
        try:
            state.begin()
            body = state.response.iter_bytes()
            for raw in body:
                state.check_deadline()
                for event in _events(state, state.decoder.feed(raw)):
                    if event is None:  # [DONE]
                        for _ in body:
                            pass
                        return
                    yield event
            for event in _events(state, state.decoder.flush()):
                if event is not None:
                    yield event
            state.end_of_body()
        except (httpx.TransportError, httpx.StreamError) as exc:
            if state.closed:
                return
            raise state.broken(exc) from exc
        finally:
            self.close()

    def final(self) -> Response:
        """Read what is left and return the final ``Response``."""
        for _ in self:
            pass
        return self.accumulator.to_response()

    def close(self) -> None:
        """Close the connection now; records the call in the ledger once."""
        state = self._state
        if not state.done:
            state.closed = True
        state.response.close()
        state.finish()

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncResponseStream(_Base):
    """The async ``ResponseStream``: ``async with``, ``await`` or ``async for`` sends it."""

    def __init__(self, start: Callable[[], Awaitable[_ResponseStreamState]]) -> None:
        self._start_fn: Callable[[], Awaitable[_ResponseStreamState]] | None = start
        self._iterator: AsyncIterator[ResponseEvent] | None = None

    async def start(self) -> AsyncResponseStream:
        if self._start_fn is not None:
            start, self._start_fn = self._start_fn, None
            self._state = await start()
        return self

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.start().__await__()

    def __aiter__(self) -> AsyncIterator[ResponseEvent]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    async def __anext__(self) -> ResponseEvent:
        return await self.__aiter__().__anext__()

    async def _iterate(self) -> AsyncIterator[ResponseEvent]:
        await self.start()
        state = self._state
        try:
            state.begin()
            body = state.response.aiter_bytes()
            async for raw in body:
                state.check_deadline()
                for event in _events(state, state.decoder.feed(raw)):
                    if event is None:
                        async for _ in body:
                            pass
                        return
                    yield event
            for event in _events(state, state.decoder.flush()):
                if event is not None:
                    yield event
            state.end_of_body()
        except (httpx.TransportError, httpx.StreamError) as exc:
            if state.closed:
                return
            raise state.broken(exc) from exc
        finally:
            await self.close()

    async def final(self) -> Response:
        async for _ in self:
            pass
        return self.accumulator.to_response()

    async def close(self) -> None:
        self._start_fn = None
        state: _ResponseStreamState | None = getattr(self, "_state", None)
        if state is None:
            return
        if not state.done:
            state.closed = True
        await state.response.aclose()
        state.finish()

    aclose = close

    async def __aenter__(self) -> AsyncResponseStream:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
