"""The Responses API: ``client.responses`` (``/v1/responses``, xai-api-2026.md §2).

``create`` returns a typed ``Response``; ``stream`` a ``ResponseStream`` of
typed events with an ``accumulator``; ``retrieve`` and ``delete`` reach stored
responses; ``compact`` and ``input_items`` / ``iter_input_items`` manage the
context kept on the server (``_responses_context.py``). Same transport,
retries, typed errors and ledger as chat: a POST is retried only where chat's
would be, and a stream never after its first event reached the caller. One
ledger record per finished call, compaction included (it is billed by usage).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from ._base import now
from ._http import httpx
from ._resource import AsyncResource, SyncResource, path_id
from ._responses_accumulator import ResponseAccumulator
from ._responses_context import (
    COMPACT_PATH,
    Compaction,
    InputItemsPage,
    afollow_input_items,
    compact_body,
    compaction_of,
    follow_input_items,
    input_items_of,
    input_items_path,
    record_compaction,
)
from ._responses_request import build_body, estimate_response_usage, response_record
from ._responses_stream import AsyncResponseStream, ResponseStream
from ._responses_stream import _ResponseStreamState as _State
from ._responses_types import DeletedResponse, Response

PATH = "/responses"
_parse_response_json = Response.__pydantic_validator__.validate_json
_parse_deleted_json = DeletedResponse.__pydantic_validator__.validate_json


def response_of(response: httpx.Response) -> Response:
    return _parse_response_json(response.content)


def deleted_of(response: httpx.Response) -> DeletedResponse:
    return _parse_deleted_json(response.content)


def _item_path(response_id: str) -> str:
    return f"{PATH}/{path_id(response_id, 'response_id')}"


def _fields(
    instructions: str | None,
    tools: list[Any] | None,
    tool_choice: Any,
    previous_response_id: str | None,
    store: bool | None,
    include: list[str] | None,
    max_output_tokens: int | None,
    reasoning: dict[str, Any] | None,
    text: dict[str, Any] | None,
    prompt_cache_key: str | None,
    service_tier: str | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    return {
        "instructions": instructions,
        "tools": tools,
        "tool_choice": tool_choice,
        "previous_response_id": previous_response_id,
        "store": store,
        "include": include,
        "max_output_tokens": max_output_tokens,
        "reasoning": reasoning,
        "text": text,
        "prompt_cache_key": prompt_cache_key,
        "service_tier": service_tier,
        **extra,
    }


def _recorder(client: Any, body: dict[str, Any], source: str) -> Any:
    def on_finish(acc: ResponseAccumulator, latency_s: float, ttft_s: float | None) -> None:
        output = acc.response.output if acc.finished and acc.response is not None else []
        output = output or [*acc.server_tool_calls.values(), *acc.function_calls.values()]
        echoed = acc.response.service_tier if acc.response is not None else None
        # Cut or stopped before its usage arrived: the tokens were still billed, so they
        # are counted locally and marked estimated, as a chat stream's are.
        estimate = estimate_response_usage(body, acc.text, acc.reasoning) if (
            acc.usage is None) else None
        response_record(
            client,
            acc.model or body["model"],
            acc.usage,
            output,
            source=source,
            latency_s=latency_s,
            ttft_s=ttft_s,
            request_id=acc.id,
            service_tier=echoed or body.get("service_tier"),
            estimate=estimate,
        )

    return on_finish


def _recorded(
    client: Any, body: dict[str, Any], result: Response, source: str, started: float
) -> Response:
    """One ledger record for a finished (not streamed) call; returns ``result``."""
    response_record(
        client,
        result.model or body["model"],
        result.usage,
        result.output,
        source=source,
        latency_s=now() - started,
        request_id=result.id,
        service_tier=result.service_tier or body.get("service_tier"),
    )
    return result


def _state(
    client: Any, response: Any, body: dict[str, Any], source: str, started: float, clock: Any
) -> _State:
    """A stream's state, recorded in the ledger once it finishes."""
    return _State(
        response,
        started=started,
        api_key=client.settings.api_key,
        on_finish=_recorder(client, body, source),
        clock=clock,
    )


class Responses(SyncResource):
    """``client.responses`` of a ``GrokClient``."""

    def create(
        self,
        input: Any,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: list[Any] | None = None,
        tool_choice: Any = None,
        previous_response_id: str | None = None,
        store: bool | None = None,
        include: list[str] | None = None,
        max_output_tokens: int | None = None,
        reasoning: dict[str, Any] | None = None,
        reasoning_effort: str | None = None,
        text: dict[str, Any] | None = None,
        prompt_cache_key: str | None = None,
        service_tier: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **extra: Any,
    ) -> Response:
        """One Responses call. ``input``: a string, or items (messages with
        ``input_text`` / ``input_image`` / ``input_file`` parts, ``function_call``,
        ``function_call_output``; typed models or plain dicts). ``reasoning_effort``
        is shorthand for ``reasoning={"effort": ...}``; ``extra`` is sent as given."""
        client = self._client
        clock = client._clock(deadline)
        fields = _fields(
            instructions, tools, tool_choice, previous_response_id, store, include,
            max_output_tokens, reasoning, text, prompt_cache_key, service_tier, extra,
        )  # fmt: skip
        body = build_body(client, input, model, fields, reasoning_effort=reasoning_effort)
        started = now()
        result: Response = self._send(
            "POST", PATH, response_of, body=body, headers=headers, clock=clock
        )
        return _recorded(client, body, result, source, started)

    def stream(
        self,
        input: Any,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: list[Any] | None = None,
        tool_choice: Any = None,
        previous_response_id: str | None = None,
        store: bool | None = None,
        include: list[str] | None = None,
        max_output_tokens: int | None = None,
        reasoning: dict[str, Any] | None = None,
        reasoning_effort: str | None = None,
        text: dict[str, Any] | None = None,
        prompt_cache_key: str | None = None,
        service_tier: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **extra: Any,
    ) -> ResponseStream:
        """A streamed call: iterate the ``ResponseStream`` for typed events;
        ``.accumulator`` adds them up and ``.final()`` returns the ``Response``."""
        client = self._client
        clock = client._clock(deadline)
        fields = _fields(
            instructions, tools, tool_choice, previous_response_id, store, include,
            max_output_tokens, reasoning, text, prompt_cache_key, service_tier, extra,
        )  # fmt: skip
        body = build_body(
            client, input, model, fields, reasoning_effort=reasoning_effort, stream=True
        )
        started = now()
        response = self._send("POST", PATH, body=body, headers=headers, clock=clock)
        return ResponseStream(_state(client, response, body, source, started, clock))

    def retrieve(self, response_id: str, *, deadline: float | None = None) -> Response:
        """A stored response (kept 30 days unless sent with ``store=False``)."""
        clock = self._client._clock(deadline)
        return self._send("GET", _item_path(response_id), response_of, idempotent=True, clock=clock)

    def delete(self, response_id: str, *, deadline: float | None = None) -> DeletedResponse:
        clock = self._client._clock(deadline)
        path = _item_path(response_id)
        return self._send("DELETE", path, deleted_of, idempotent=True, clock=clock)

    def compact(
        self,
        input: Any,
        *,
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **extra: Any,
    ) -> Compaction:
        """Compact a conversation (``input``: as for ``create``) into a ``Compaction``;
        send ``compaction.next_input("...")`` as the next turn's input. Billed by usage:
        recorded in the ledger. Retried and refused as ``create`` is."""
        client = self._client
        clock = client._clock(deadline)
        body = compact_body(client, input, model, extra)
        started = now()
        result: Compaction = self._send(
            "POST", COMPACT_PATH, compaction_of, body=body, headers=headers, clock=clock
        )
        record_compaction(client, body, result, source=source, latency_s=now() - started)
        return result

    def input_items(
        self,
        response_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        after: str | None = None,
        deadline: float | None = None,
    ) -> InputItemsPage:
        """One page of the items a stored response was given (``order``: "asc"/"desc";
        ``after``: the previous page's ``last_id``)."""
        clock = self._client._clock(deadline)
        path = input_items_path(_item_path(response_id), limit, order, after)
        return self._send("GET", path, input_items_of, idempotent=True, clock=clock)

    def iter_input_items(
        self, response_id: str, *, limit: int | None = None, order: str | None = None
    ) -> Iterator[Any]:
        """Every input item of a stored response, over all pages (``limit``: page size)."""
        return follow_input_items(
            lambda after: self.input_items(response_id, limit=limit, order=order, after=after),
            limit,
        )


class AsyncResponses(AsyncResource):
    """``client.responses`` of an ``AsyncGrokClient``, method for method the same."""

    async def create(
        self,
        input: Any,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: list[Any] | None = None,
        tool_choice: Any = None,
        previous_response_id: str | None = None,
        store: bool | None = None,
        include: list[str] | None = None,
        max_output_tokens: int | None = None,
        reasoning: dict[str, Any] | None = None,
        reasoning_effort: str | None = None,
        text: dict[str, Any] | None = None,
        prompt_cache_key: str | None = None,
        service_tier: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **extra: Any,
    ) -> Response:
        client = self._client
        clock = client._clock(deadline)
        fields = _fields(
            instructions, tools, tool_choice, previous_response_id, store, include,
            max_output_tokens, reasoning, text, prompt_cache_key, service_tier, extra,
        )  # fmt: skip
        body = build_body(client, input, model, fields, reasoning_effort=reasoning_effort)
        started = now()
        result: Response = await self._send(
            "POST", PATH, response_of, body=body, headers=headers, clock=clock
        )
        return _recorded(client, body, result, source, started)

    def stream(
        self,
        input: Any,
        *,
        model: str | None = None,
        instructions: str | None = None,
        tools: list[Any] | None = None,
        tool_choice: Any = None,
        previous_response_id: str | None = None,
        store: bool | None = None,
        include: list[str] | None = None,
        max_output_tokens: int | None = None,
        reasoning: dict[str, Any] | None = None,
        reasoning_effort: str | None = None,
        text: dict[str, Any] | None = None,
        prompt_cache_key: str | None = None,
        service_tier: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **extra: Any,
    ) -> AsyncResponseStream:
        """Checked now; the request goes out at ``await``, ``async with`` or ``async for``."""
        client = self._client
        client._clock(deadline)  # a bad deadline fails here, not later
        fields = _fields(
            instructions, tools, tool_choice, previous_response_id, store, include,
            max_output_tokens, reasoning, text, prompt_cache_key, service_tier, extra,
        )  # fmt: skip
        body = build_body(
            client, input, model, fields, reasoning_effort=reasoning_effort, stream=True
        )
        prepared = client._prepare(body, headers)  # a missing key fails here, not later

        async def start() -> _State:
            clock = client._clock(deadline)
            started = now()
            response = await self._send("POST", PATH, prepared=prepared, clock=clock)
            return _state(client, response, body, source, started, clock)

        return AsyncResponseStream(start)

    async def retrieve(self, response_id: str, *, deadline: float | None = None) -> Response:
        clock = self._client._clock(deadline)
        path = _item_path(response_id)
        return await self._send("GET", path, response_of, idempotent=True, clock=clock)

    async def delete(self, response_id: str, *, deadline: float | None = None) -> DeletedResponse:
        clock = self._client._clock(deadline)
        path = _item_path(response_id)
        return await self._send("DELETE", path, deleted_of, idempotent=True, clock=clock)

    async def compact(
        self,
        input: Any,
        *,
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **extra: Any,
    ) -> Compaction:
        client = self._client
        clock = client._clock(deadline)
        body = compact_body(client, input, model, extra)
        started = now()
        result: Compaction = await self._send(
            "POST", COMPACT_PATH, compaction_of, body=body, headers=headers, clock=clock
        )
        record_compaction(client, body, result, source=source, latency_s=now() - started)
        return result

    async def input_items(
        self,
        response_id: str,
        *,
        limit: int | None = None,
        order: str | None = None,
        after: str | None = None,
        deadline: float | None = None,
    ) -> InputItemsPage:
        clock = self._client._clock(deadline)
        path = input_items_path(_item_path(response_id), limit, order, after)
        return await self._send("GET", path, input_items_of, idempotent=True, clock=clock)

    def iter_input_items(
        self, response_id: str, *, limit: int | None = None, order: str | None = None
    ) -> AsyncIterator[Any]:
        """``async for item in client.responses.iter_input_items(id)``."""
        return afollow_input_items(
            lambda after: self.input_items(response_id, limit=limit, order=order, after=after),
            limit,
        )
