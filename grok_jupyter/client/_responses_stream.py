"""A streamed Responses call: typed events in, and what they add up to (``ResponseAccumulator``).

The SSE framing is ``_streaming.SSEDecoder`` (``event:`` lines skipped, a
``[DONE]`` tolerated after the final event: both are [U] for ``/v1/responses``,
§2.5; a ``[DONE]`` or the end of the body before ``response.completed`` /
``incomplete`` / ``failed`` is an interrupted stream, estimated in the ledger). As with chat
streams, nothing here retries: once an event reached the caller, a break is a
``StreamInterruptedError`` with the accumulator in ``.partial``; past the
call's deadline it is ``DeadlineExceededError``. The stream ends at
``response.completed`` / ``incomplete`` / ``failed``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ._errors import (
    GrokError,
    scrub,
    status_error,
)
from ._http import httpx
from ._responses_accumulator import ResponseAccumulator
from ._responses_events import DeltaEvent, ResponseEvent, event_adapter
from ._responses_types import Response
from ._streaming import StreamStateBase, _StreamBase

if TYPE_CHECKING:
    from types import TracebackType

    from ._retry import CallClock

_validate_event = event_adapter.validate_json
_validate_delta = DeltaEvent.__pydantic_validator__.validate_json
_TEXT_DELTA = "response.output_text.delta"
_TEXT_DELTA_KEY = b'"response.output_text.delta"'
_DONE = b"[DONE]"


class _ResponseStreamState(StreamStateBase):
    """A Responses stream's state: typed events into a ``ResponseAccumulator``."""

    accumulator: ResponseAccumulator
    unit = "event"
    cut_message = "the connection closed before response.completed"

    def __init__(
        self,
        response: httpx.Response,
        *,
        started: float,
        api_key: str | None,
        on_finish: Callable[[ResponseAccumulator, float, float | None], None] | None,
        clock: CallClock | None = None,
    ) -> None:
        super().__init__(
            response,
            ResponseAccumulator(),
            started=started,
            api_key=api_key,
            on_finish=on_finish,
            clock=clock,
        )

    def _count(self) -> int:
        return self.accumulator.events

    def _answer_chars(self) -> int:
        return len(self.accumulator.text)

    def _has_delivered(self) -> bool:
        return bool(self.accumulator.events)

    def _body_complete(self) -> bool:
        return self.accumulator.finished

    def _is_error_body(self, body: Any) -> bool:
        # A bare {code, error} body; an ``error`` *event* has a "type" and is parsed.
        return isinstance(body, dict) and "error" in body and "type" not in body

    def parse(self, data: bytes) -> ResponseEvent | None:
        """The event in ``data``; None for ``[DONE]``. Raises on a mid-stream failure,
        and at a ``[DONE]`` before ``response.completed``: the answer is not whole."""
        if data == _DONE:
            if not self.accumulator.finished:
                raise self.interrupted("the stream ended with [DONE] before response.completed")
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

    def failure(self) -> GrokError | None:
        """The error for an ``error`` event or ``response.failed`` (None otherwise)."""
        acc = self.accumulator
        if acc.error is None or (acc.finished and acc.status != "failed"):
            return None
        message = str(acc.error.get("message") or "the response failed")
        if not (acc.text or acc.reasoning or acc.server_tool_calls or acc.function_calls):
            # Nothing of an answer yet: the typed error, classified by xAI's code.
            body = {"code": acc.error.get("code"), "error": message}
            return status_error(200, body, api_key=self._api_key, request_id=self.request_id)
        return self.interrupted(f"the server reported a failure: {scrub(message, self._api_key)}")


_Base = _StreamBase[ResponseAccumulator]


def _events(state: _ResponseStreamState, datas: list[bytes]) -> Iterator[ResponseEvent | None]:
    acc = state.accumulator
    parse = state.parse
    for data in datas:
        event = parse(data)
        # Only an ``error`` event or response.failed sets acc.error: the check stays off
        # the per-delta path (it is most of the events; see benchmarks/responses.py).
        if event is not None and acc.error is not None:
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
        except (httpx.RequestError, httpx.StreamError) as exc:
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
        except (httpx.RequestError, httpx.StreamError) as exc:
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
