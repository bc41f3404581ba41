"""Chat completions, whole and streamed: ``POST /v1/chat/completions``."""

from __future__ import annotations

from typing import Any

from ._base import Messages, now
from ._http import httpx
from ._resource import AsyncResource, SyncResource
from ._streaming import AsyncChatStream, ChatStream, _StreamState
from ._types import ChatCompletion

PATH = "/chat/completions"
_parse_completion_json = ChatCompletion.__pydantic_validator__.validate_json


def completion_of(response: httpx.Response) -> ChatCompletion:
    return _parse_completion_json(response.content)


class Chat(SyncResource):
    def create(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        conv_id: str | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> ChatCompletion:
        client = self._client
        clock = client._clock(deadline)
        body = client._chat_body(messages, model, params)
        started = now()
        completion = self._send(
            "POST",
            PATH,
            completion_of,
            body=body,
            headers=client._call_headers(headers, conv_id),
            clock=clock,
        )
        client._record_completion(completion, body, source=source, started=started)
        return completion

    def stream(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        include_usage: bool = True,
        source: str = "client",
        headers: dict[str, str] | None = None,
        conv_id: str | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> ChatStream:
        client = self._client
        clock = client._clock(deadline)
        body = client._chat_body(messages, model, params, stream=True, include_usage=include_usage)
        started = now()
        response = self._send(
            "POST", PATH, body=body, headers=client._call_headers(headers, conv_id), clock=clock
        )
        return ChatStream(
            _StreamState(
                response,
                started=started,
                api_key=client.settings.api_key,
                on_finish=client._stream_recorder(body["model"], source, body),
                clock=clock,
            )
        )


class AsyncChat(AsyncResource):
    async def create(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        conv_id: str | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> ChatCompletion:
        client = self._client
        clock = client._clock(deadline)
        body = client._chat_body(messages, model, params)
        started = now()
        completion = await self._send(
            "POST",
            PATH,
            completion_of,
            body=body,
            headers=client._call_headers(headers, conv_id),
            clock=clock,
        )
        client._record_completion(completion, body, source=source, started=started)
        return completion

    def stream(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        include_usage: bool = True,
        source: str = "client",
        headers: dict[str, str] | None = None,
        conv_id: str | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> AsyncChatStream:
        """Validated now; the request goes out at ``await``, ``async with`` or ``async for``."""
        client = self._client
        client._clock(deadline)  # a bad deadline fails here, not later
        body = client._chat_body(messages, model, params, stream=True, include_usage=include_usage)
        # A missing key or an unsendable value fails here, not later.
        prepared = client._prepare(body, client._call_headers(headers, conv_id))

        async def start() -> _StreamState:
            clock = client._clock(deadline)  # the deadline runs from when the request goes out
            started = now()
            response = await self._send("POST", PATH, prepared=prepared, clock=clock)
            return _StreamState(
                response,
                started=started,
                api_key=client.settings.api_key,
                on_finish=client._stream_recorder(body["model"], source, body),
                clock=clock,
            )

        return AsyncChatStream(start)
