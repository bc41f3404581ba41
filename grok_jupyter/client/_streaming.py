"""Server-sent events to typed chunks: ``ChatStream`` and ``AsyncChatStream``.

The SSE framing is parsed by hand on bytes rather than with ``httpx-sse`` or
``iter_lines``: those decode every line to ``str`` in Python first, which
costs more than validating the chunk itself (pydantic-core parses JSON bytes
straight into the typed model). Comments (``: keep-alive``), ``event:``/``id:``
fields and blank events are skipped; ``data: [DONE]`` ends the stream.

No retry happens here: once a chunk has reached the caller, a break becomes a
``StreamInterruptedError`` carrying the partial answer, never a second request.
The call's deadline (``CallClock``) is checked after every read, so a server
trickling keep-alives cannot hold a stream past it: ``DeadlineExceededError``
(an ``APITimeoutError``) with the partial answer in ``.partial``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import ValidationError

from ._accumulator import StreamAccumulator
from ._errors import (
    APITimeoutError,
    DeadlineExceededError,
    GrokError,
    StreamInterruptedError,
    scrub,
    status_error,
)
from ._http import httpx
from ._retry import forget_locals
from ._types import ChatCompletion, ChatCompletionChunk

if TYPE_CHECKING:
    from types import TracebackType

    from ._retry import CallClock

_validate_chunk = ChatCompletionChunk.__pydantic_validator__.validate_json
_DONE = b"[DONE]"
_Acc = TypeVar("_Acc")


class SSEDecoder:
    """Incremental SSE parser: feed it bytes, get back each event's ``data``."""

    __slots__ = ("_buf", "_data")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        buf = self._buf + chunk if self._buf else chunk
        held = b""
        if b"\r" in buf:  # CRLF or CR line ends: rare, so normalise rather than check each line
            if buf.endswith(b"\r"):  # its "\n" may come in the next read
                buf, held = buf[:-1], b"\r"
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        blocks = buf.split(b"\n\n")
        self._buf = blocks.pop() + held  # an incomplete event waits for the next read
        events: list[bytes] = []
        for block in blocks:
            # The common case, one ``data: {...}`` line, without a loop over lines.
            if block.startswith(b"data: ") and b"\n" not in block and not self._data:
                events.append(block[6:])
            else:
                self._lines(block.split(b"\n"), events)
                self._dispatch(events)
        return events

    def _lines(self, lines: list[bytes], events: list[bytes]) -> None:
        data = self._data
        for line in lines:
            if not line:  # extra blank lines between events
                self._dispatch(events)
            elif line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
            # ``:comment``, ``event:``, ``id:``, ``retry:``: nothing to deliver

    def _dispatch(self, events: list[bytes]) -> None:
        data = self._data
        if data:
            events.append(data[0] if len(data) == 1 else b"\n".join(data))
            data.clear()

    def flush(self) -> list[bytes]:
        """At end of body: an event the server did not terminate with a blank line."""
        events = self.feed(b"\n\n") if self._buf or self._data else []
        self._buf = b""
        return events


class StreamStateBase:
    """What every stream's state shares (chat chunks, Responses events): the deadline,
    the transport-error and end-of-body rules, error shaping and the one ledger record.

    A subclass sets ``unit`` (the word its messages count in) and says how far it got
    (``_count``), how much answer it holds (``_answer_chars``), whether anything reached
    the caller (``_has_delivered``) and whether its body ended complete (``_body_complete``).
    """

    unit = "chunk"
    cut_message = "the connection closed before the stream finished"

    def __init__(
        self,
        response: httpx.Response,
        accumulator: Any,
        *,
        started: float,
        api_key: str | None,
        on_finish: Callable[[Any, float, float | None], None] | None,
        clock: CallClock | None = None,
    ) -> None:
        self.response = response
        self.clock = clock
        self.accumulator = accumulator
        self.decoder = SSEDecoder()
        self.started = started
        self.ttft: float | None = None
        self.done = False
        self.closed = False
        self._finished = False
        self._api_key = api_key
        self._on_finish = on_finish

    def _count(self) -> int:
        raise NotImplementedError

    def _answer_chars(self) -> int:
        raise NotImplementedError

    def _has_delivered(self) -> bool:
        raise NotImplementedError

    def _body_complete(self) -> bool:
        raise NotImplementedError

    def _is_error_body(self, body: Any) -> bool:
        return isinstance(body, dict) and "error" in body

    @property
    def request_id(self) -> str | None:
        return self.response.headers.get("x-request-id")

    def _bad_event(self, data: bytes) -> GrokError:
        try:
            body: Any = json.loads(data)
        except ValueError:
            body = None
        if self._is_error_body(body):
            err = status_error(200, body, api_key=self._api_key, request_id=self.request_id)
            if not self._has_delivered():
                return err
            return self.interrupted(f"the server sent an error mid-stream: {err.message}")
        shown = scrub(data[:200].decode("utf-8", "replace"), self._api_key)
        return self.interrupted(f"malformed stream event: {shown!r}")

    def interrupted(self, why: str) -> StreamInterruptedError:
        return StreamInterruptedError(
            f"The stream broke after {self._count()} {self.unit}(s) ({why}); "
            f"the partial answer ({self._answer_chars()} chars) is in .partial",
            partial=self.accumulator,
            request_id=self.request_id,
        )

    def begin(self) -> None:
        """Before the body is read: each read waits no longer than the deadline allows."""
        if self.clock is not None:
            self.clock.cap_reads(self.response.request)

    def check_deadline(self) -> None:
        if self.clock is not None and self.clock.expired():
            raise self.deadline_exceeded()

    def deadline_exceeded(self) -> DeadlineExceededError:
        assert self.clock is not None
        return self.clock.exceeded(
            f"The stream (after {self._count()} {self.unit}(s))",
            partial=self.accumulator,
            request_id=self.request_id,
        )

    def broken(self, exc: Exception) -> GrokError:
        """The error for a transport failure while reading the body."""
        forget_locals(exc)
        if self.clock is not None and self.clock.expired():
            return self.deadline_exceeded()
        why = scrub(str(exc) or type(exc).__name__, self._api_key)
        if isinstance(exc, httpx.TimeoutException) and not self._has_delivered():
            return APITimeoutError(f"Timed out waiting for the first {self.unit}: {why}")
        return self.interrupted(why)

    def end_of_body(self) -> None:
        """The body ended without its end marker: fine only if the answer is complete."""
        if not self.done and not self._body_complete():
            raise self.interrupted(self.cut_message)
        self.done = True

    def finish(self) -> None:
        """Record the call once, with whatever usage arrived."""
        if self._finished:
            return
        self._finished = True
        if self._on_finish is not None:
            self._on_finish(self.accumulator, time.perf_counter() - self.started, self.ttft)


class _StreamState(StreamStateBase):
    """A chat stream's state: chunks into a ``StreamAccumulator``."""

    accumulator: StreamAccumulator

    def __init__(
        self,
        response: httpx.Response,
        *,
        started: float,
        api_key: str | None,
        on_finish: Callable[[StreamAccumulator, float, float | None], None] | None,
        clock: CallClock | None = None,
    ) -> None:
        super().__init__(response, StreamAccumulator(), started=started, api_key=api_key,
                         on_finish=on_finish, clock=clock)
        self.delivered = 0

    def _count(self) -> int:
        return self.accumulator.chunks

    def _answer_chars(self) -> int:
        return len(self.accumulator.content)

    def _has_delivered(self) -> bool:
        return bool(self.delivered)

    def _body_complete(self) -> bool:
        # The body ended without [DONE]: fine only if every choice finished.
        return bool(self.accumulator.chunks and self.accumulator.finished)

    def parse(self, data: bytes) -> ChatCompletionChunk | None:
        """The chunk in ``data``, or None for ``[DONE]``."""
        if data == _DONE:
            self.done = True
            return None
        try:
            chunk = _validate_chunk(data)
        except ValidationError:
            raise self._bad_event(data) from None
        self.accumulator.add(chunk)
        if self.ttft is None and chunk.choices:
            delta = chunk.choices[0].delta
            if delta.content or delta.reasoning_content or delta.tool_calls:
                self.ttft = time.perf_counter() - self.started
        self.delivered += 1
        return chunk


class _StreamBase(Generic[_Acc]):
    """The read-only face of a stream's state, for chat and Responses streams alike."""

    _state: Any  # a StreamStateBase subclass

    @property
    def accumulator(self) -> _Acc:
        return self._state.accumulator

    @property
    def response(self) -> httpx.Response:
        return self._state.response

    @property
    def request_id(self) -> str | None:
        return self._state.request_id

    @property
    def ttft_s(self) -> float | None:
        """Seconds from sending the request to the first token (None before it)."""
        return self._state.ttft

    def __repr__(self) -> str:
        s = getattr(self, "_state", None)
        if s is None:
            return f"<{type(self).__name__} not started>"
        status = "done" if s.done else "closed" if s.closed else "open"
        return f"<{type(self).__name__} {status}, {s._count()} {s.unit}(s)>"


class ChatStream(_StreamBase[StreamAccumulator]):
    """Iterate it for ``ChatCompletionChunk``s; a context manager that closes the connection."""

    def __init__(self, state: _StreamState) -> None:
        self._state = state
        self._iterator: Iterator[ChatCompletionChunk] | None = None

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    def __next__(self) -> ChatCompletionChunk:
        return next(iter(self))

    def _iterate(self) -> Iterator[ChatCompletionChunk]:
        state = self._state
        parse = state.parse
        check_deadline = state.check_deadline
        try:
            state.begin()
            body = state.response.iter_bytes()
            for raw in body:
                check_deadline()
                for data in state.decoder.feed(raw):
                    chunk = parse(data)
                    if chunk is None:
                        # Reading the (empty) rest lets the connection go back to the pool.
                        for _ in body:
                            pass
                        return
                    yield chunk
            for data in state.decoder.flush():
                chunk = parse(data)
                if chunk is None:
                    return
                yield chunk
            state.end_of_body()
        except (httpx.RequestError, httpx.StreamError) as exc:
            if state.closed:  # closed on purpose (Stop, Ctrl-C): end quietly
                return
            raise state.broken(exc) from exc
        finally:
            self.close()

    def final(self) -> ChatCompletion:
        """Read what is left and return the assembled ``ChatCompletion``."""
        for _ in self:
            pass
        return self.accumulator.to_completion()

    def close(self) -> None:
        """Close the connection now; records the call in the ledger once."""
        state = self._state
        if not state.done:
            state.closed = True
        state.response.close()
        state.finish()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncChatStream(_StreamBase[StreamAccumulator]):
    """The async ``ChatStream``. Use as ``async with client.stream(...) as s``,
    ``s = await client.stream(...)`` or directly ``async for chunk in client.stream(...)``;
    the request is sent at the first of these."""

    def __init__(self, start: Callable[[], Awaitable[_StreamState]]) -> None:
        self._start_fn: Callable[[], Awaitable[_StreamState]] | None = start
        self._iterator: AsyncIterator[ChatCompletionChunk] | None = None

    async def start(self) -> AsyncChatStream:
        if self._start_fn is not None:
            start, self._start_fn = self._start_fn, None
            self._state = await start()
        return self

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.start().__await__()

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    async def __anext__(self) -> ChatCompletionChunk:
        return await self.__aiter__().__anext__()

    async def _iterate(self) -> AsyncIterator[ChatCompletionChunk]:
        await self.start()
        state = self._state
        parse = state.parse
        check_deadline = state.check_deadline
        try:
            state.begin()
            body = state.response.aiter_bytes()
            async for raw in body:
                check_deadline()
                for data in state.decoder.feed(raw):
                    chunk = parse(data)
                    if chunk is None:
                        async for _ in body:
                            pass
                        return
                    yield chunk
            for data in state.decoder.flush():
                chunk = parse(data)
                if chunk is None:
                    return
                yield chunk
            state.end_of_body()
        except (httpx.RequestError, httpx.StreamError) as exc:
            if state.closed:
                return
            raise state.broken(exc) from exc
        finally:
            await self.close()

    async def final(self) -> ChatCompletion:
        async for _ in self:
            pass
        return self.accumulator.to_completion()

    async def close(self) -> None:
        """Close the connection now; records the call in the ledger once."""
        self._start_fn = None  # never started: nothing will be sent
        state: _StreamState | None = getattr(self, "_state", None)
        if state is None:
            return
        if not state.done:
            state.closed = True
        await state.response.aclose()
        state.finish()

    aclose = close

    async def __aenter__(self) -> AsyncChatStream:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
