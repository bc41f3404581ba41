"""Deferred completions: submit now, collect later (``/v1/chat/deferred-completion/{id}``)."""

from __future__ import annotations

import time
from typing import Any

from ._arguments import check_seconds
from ._base import Messages, now
from ._chat import PATH as CHAT_PATH
from ._chat import completion_of
from ._errors import APITimeoutError
from ._http import httpx
from ._resource import AsyncResource, SyncResource, path_id
from ._types import ChatCompletion, DeferredRequest


def request_id_of(response: httpx.Response) -> str:
    return DeferredRequest.model_validate_json(response.content).request_id


def result_of(response: httpx.Response) -> ChatCompletion | None:
    if response.status_code == 202 or not response.content.strip():
        return None  # still being generated
    return completion_of(response)


def _path(request_id: str) -> str:
    return f"/chat/deferred-completion/{path_id(request_id, 'request_id')}"


def _poll_deadline(request_id: str, poll_interval: float, timeout: float) -> float:
    """When polling must give up; the arguments checked before the first request."""
    path_id(request_id, "request_id")
    check_seconds(poll_interval, "poll_interval")
    return time.monotonic() + check_seconds(timeout, "timeout")


def _not_ready(request_id: str, timeout: float) -> APITimeoutError:
    return APITimeoutError(f"Deferred completion {request_id} not ready after {timeout:g} s")


class Deferred(SyncResource):
    def submit(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> str:
        body = self._client._chat_body(messages, model, params)
        body["deferred"] = True
        return self._send("POST", CHAT_PATH, request_id_of, body=body, headers=headers)

    def get(self, request_id: str, *, source: str = "client") -> ChatCompletion | None:
        started = now()
        completion = self._send("GET", _path(request_id), result_of)
        if completion is not None:
            self._client._record(
                completion.model,
                completion.usage,
                source=source,
                latency_s=now() - started,
                request_id=request_id,
            )
        return completion

    def wait(
        self,
        request_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float = 600.0,
        source: str = "client",
    ) -> ChatCompletion:
        deadline = _poll_deadline(request_id, poll_interval, timeout)
        while True:
            completion = self.get(request_id, source=source)
            if completion is not None:
                return completion
            if time.monotonic() + poll_interval > deadline:
                raise _not_ready(request_id, timeout)
            time.sleep(poll_interval)


class AsyncDeferred(AsyncResource):
    async def submit(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> str:
        body = self._client._chat_body(messages, model, params)
        body["deferred"] = True
        return await self._send("POST", CHAT_PATH, request_id_of, body=body, headers=headers)

    async def get(self, request_id: str, *, source: str = "client") -> ChatCompletion | None:
        started = now()
        completion = await self._send("GET", _path(request_id), result_of)
        if completion is not None:
            self._client._record(
                completion.model,
                completion.usage,
                source=source,
                latency_s=now() - started,
                request_id=request_id,
            )
        return completion

    async def wait(
        self,
        request_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float = 600.0,
        source: str = "client",
    ) -> ChatCompletion:
        import asyncio

        deadline = _poll_deadline(request_id, poll_interval, timeout)
        while True:
            completion = await self.get(request_id, source=source)
            if completion is not None:
                return completion
            if time.monotonic() + poll_interval > deadline:
                raise _not_ready(request_id, timeout)
            await asyncio.sleep(poll_interval)
