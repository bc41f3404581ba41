"""``GrokClient`` and ``AsyncGrokClient``: the xAI REST API on pooled httpx clients.

Both are thin I/O loops over ``BaseGrokClient`` (``_base.py``), which holds
request building, validation, parsing, errors, the retry policy and the
ledger; the two classes mirror each other method for method.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._base import BaseGrokClient, Messages, is_event_stream, logger, now
from ._errors import APITimeoutError, GrokError
from ._http import httpx
from ._streaming import AsyncChatStream, ChatStream, _StreamState
from ._types import (
    ApiKeyInfo,
    ChatCompletion,
    DeferredRequest,
    GeneratedImage,
    ImageGenerationModel,
    LanguageModel,
    Model,
    TokenInfo,
)

if TYPE_CHECKING:
    from types import TracebackType


T = TypeVar("T")

_parse_completion_json = ChatCompletion.__pydantic_validator__.validate_json


def _completion(response: httpx.Response) -> ChatCompletion:
    return _parse_completion_json(response.content)


def _deferred_id(response: httpx.Response) -> str:
    return DeferredRequest.model_validate_json(response.content).request_id


def _deferred_result(response: httpx.Response) -> ChatCompletion | None:
    if response.status_code == 202 or not response.content.strip():
        return None  # still being generated
    return _completion(response)


def _json(response: httpx.Response) -> Any:
    return json.loads(response.content)


def _list(key: str, cls: Any) -> Callable[[httpx.Response], list[Any]]:
    def parse(response: httpx.Response) -> list[Any]:
        return [cls.model_validate(item) for item in json.loads(response.content)[key]]

    return parse


async def _sleep(seconds: float) -> None:
    # asyncio is imported here, not at the top: a sync-only session never pays for it.
    import asyncio

    await asyncio.sleep(seconds)


class GrokClient(BaseGrokClient):
    """The synchronous client. Pooled connections; use as a context manager or ``close()``.

    Settings: explicit arguments, then ``XAI_API_KEY`` / ``XAI_BASE_URL``, then
    ``https://api.x.ai/v1``, 10 s connect / 120 s read timeouts, 2 retries.
    """

    _http_client_class = httpx.Client

    # --- transport -----------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T] | None = None,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = False,
    ) -> Any:
        """Send with retries. With ``parse``: the parsed 2xx answer. Without: the
        open 2xx response of a stream, headers checked, body unread."""
        content, hdrs = self._prepare(body, headers)
        url = self._base_url + path
        stream = parse is None
        attempt = 0
        while True:
            request = self._http.build_request(
                method, url, content=content, headers=hdrs, timeout=self.settings.timeout
            )
            logger.debug("%s %s (attempt %d)", method, path, attempt + 1)
            cause: BaseException | None = None
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                error, retry = self._transport_error(exc, idempotent=idempotent)
                cause = exc
            else:
                logger.debug("%s %s -> %d", method, path, response.status_code)
                if response.status_code < 400 and stream and is_event_stream(response):
                    return response
                if stream:
                    response.read()
                    response.close()
                try:
                    if response.status_code >= 400:
                        raise self._status_error(response)
                    if stream:
                        raise self._not_a_stream(response)
                    return self._parse(response, parse)  # type: ignore[arg-type]
                except GrokError as exc:
                    error, retry = exc, self._should_retry(exc)
            delay = self._retry_delay(attempt, error) if retry else None
            if delay is None or attempt >= self.max_retries:
                raise error from cause
            self._log_retry(method, path, attempt, delay, error)
            time.sleep(delay)
            attempt += 1

    # --- chat ------------------------------------------------------------------

    def chat(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion:
        """One chat completion. ``params``: any ``ChatRequest`` field (temperature, tools...)."""
        body = self._chat_body(messages, model, params)
        started = now()
        completion = self._send(
            "POST", "/chat/completions", _completion, body=body, headers=headers
        )
        self._record_completion(completion, body, source=source, started=started)
        return completion

    def stream(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        include_usage: bool = True,
        source: str = "client",
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> ChatStream:
        """A streamed chat completion: iterate the returned ``ChatStream`` for chunks."""
        body = self._chat_body(messages, model, params, stream=True, include_usage=include_usage)
        started = now()
        response = self._send("POST", "/chat/completions", body=body, headers=headers)
        state = _StreamState(
            response,
            started=started,
            api_key=self.settings.api_key,
            on_finish=self._stream_recorder(body["model"], source),
        )
        return ChatStream(state)

    def submit_deferred(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> str:
        """Start a deferred completion; returns its ``request_id``."""
        body = self._chat_body(messages, model, params)
        body["deferred"] = True
        return self._send("POST", "/chat/completions", _deferred_id, body=body, headers=headers)

    def get_deferred(self, request_id: str, *, source: str = "client") -> ChatCompletion | None:
        """The finished completion, or None while it is still running (HTTP 202)."""
        started = now()
        completion = self._send(
            "GET", f"/chat/deferred-completion/{request_id}", _deferred_result, idempotent=False
        )
        if completion is not None:
            self._record(
                completion.model,
                completion.usage,
                source=source,
                latency_s=now() - started,
                request_id=request_id,
            )
        return completion

    def wait_deferred(
        self,
        request_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float = 600.0,
        source: str = "client",
    ) -> ChatCompletion:
        """Poll until the deferred completion is ready."""
        deadline = time.monotonic() + timeout
        while True:
            completion = self.get_deferred(request_id, source=source)
            if completion is not None:
                return completion
            if time.monotonic() + poll_interval > deadline:
                raise APITimeoutError(
                    f"Deferred completion {request_id} not ready after {timeout:g} s"
                )
            time.sleep(poll_interval)

    # --- other endpoints ---------------------------------------------------------

    def models(self) -> list[Model]:
        return self._send("GET", "/models", _list("data", Model), idempotent=True)

    def language_models(self) -> list[LanguageModel]:
        return self._send(
            "GET", "/language-models", _list("models", LanguageModel), idempotent=True
        )

    def image_generation_models(self) -> list[ImageGenerationModel]:
        return self._send(
            "GET",
            "/image-generation-models",
            _list("models", ImageGenerationModel),
            idempotent=True,
        )

    def tokenize(self, text: str, model: str | None = None) -> list[TokenInfo]:
        """The server's exact tokenization of ``text`` for ``model``."""
        body = {"text": text, "model": model or self.catalog.default_chat_model}
        return self._send(
            "POST", "/tokenize-text", _list("token_ids", TokenInfo), body=body, idempotent=True
        )

    def count_tokens(self, text: str, model: str | None = None) -> int:
        return len(self.tokenize(text, model))

    def generate_images(
        self,
        prompt: str,
        *,
        n: int = 1,
        response_format: str = "url",
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> list[GeneratedImage]:
        """Generate ``n`` images; each has ``url`` or ``b64_json`` and ``revised_prompt``."""
        model = model or self.catalog.default_image_model
        body = {
            "model": model,
            "prompt": prompt,
            "n": n,
            "response_format": response_format,
            **params,
        }
        started = now()
        raw = self._send("POST", "/images/generations", _json, body=body, headers=headers)
        images = [GeneratedImage.model_validate(item) for item in raw["data"]]
        self._record_images(
            raw.get("model", model), raw, len(images), source=source, latency_s=now() - started
        )
        return images

    def api_key_info(self) -> ApiKeyInfo:
        return self._send("GET", "/api-key", _api_key_info, idempotent=True)

    # --- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> GrokClient:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _api_key_info(response: httpx.Response) -> ApiKeyInfo:
    return ApiKeyInfo.model_validate_json(response.content)


class AsyncGrokClient(BaseGrokClient):
    """The asynchronous client, method for method the same as ``GrokClient``."""

    _http_client_class = httpx.AsyncClient

    async def _send(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T] | None = None,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = False,
        prepared: tuple[bytes | None, dict[str, str]] | None = None,
    ) -> Any:
        content, hdrs = prepared or self._prepare(body, headers)
        url = self._base_url + path
        stream = parse is None
        attempt = 0
        while True:
            request = self._http.build_request(
                method, url, content=content, headers=hdrs, timeout=self.settings.timeout
            )
            logger.debug("%s %s (attempt %d)", method, path, attempt + 1)
            cause: BaseException | None = None
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                error, retry = self._transport_error(exc, idempotent=idempotent)
                cause = exc
            else:
                logger.debug("%s %s -> %d", method, path, response.status_code)
                if response.status_code < 400 and stream and is_event_stream(response):
                    return response
                if stream:
                    await response.aread()
                    await response.aclose()
                try:
                    if response.status_code >= 400:
                        raise self._status_error(response)
                    if stream:
                        raise self._not_a_stream(response)
                    return self._parse(response, parse)  # type: ignore[arg-type]
                except GrokError as exc:
                    error, retry = exc, self._should_retry(exc)
            delay = self._retry_delay(attempt, error) if retry else None
            if delay is None or attempt >= self.max_retries:
                raise error from cause
            self._log_retry(method, path, attempt, delay, error)
            await _sleep(delay)
            attempt += 1

    async def chat(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> ChatCompletion:
        body = self._chat_body(messages, model, params)
        started = now()
        completion = await self._send(
            "POST", "/chat/completions", _completion, body=body, headers=headers
        )
        self._record_completion(completion, body, source=source, started=started)
        return completion

    def stream(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        include_usage: bool = True,
        source: str = "client",
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> AsyncChatStream:
        """Validated now; the request goes out at ``await``, ``async with`` or ``async for``."""
        body = self._chat_body(messages, model, params, stream=True, include_usage=include_usage)
        prepared = self._prepare(body, headers)  # a missing key fails here, not later

        async def start() -> _StreamState:
            started = now()
            response = await self._send("POST", "/chat/completions", prepared=prepared)
            return _StreamState(
                response,
                started=started,
                api_key=self.settings.api_key,
                on_finish=self._stream_recorder(body["model"], source),
            )

        return AsyncChatStream(start)

    async def submit_deferred(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> str:
        body = self._chat_body(messages, model, params)
        body["deferred"] = True
        return await self._send(
            "POST", "/chat/completions", _deferred_id, body=body, headers=headers
        )

    async def get_deferred(
        self, request_id: str, *, source: str = "client"
    ) -> ChatCompletion | None:
        started = now()
        completion = await self._send(
            "GET", f"/chat/deferred-completion/{request_id}", _deferred_result
        )
        if completion is not None:
            self._record(
                completion.model,
                completion.usage,
                source=source,
                latency_s=now() - started,
                request_id=request_id,
            )
        return completion

    async def wait_deferred(
        self,
        request_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float = 600.0,
        source: str = "client",
    ) -> ChatCompletion:
        deadline = time.monotonic() + timeout
        while True:
            completion = await self.get_deferred(request_id, source=source)
            if completion is not None:
                return completion
            if time.monotonic() + poll_interval > deadline:
                raise APITimeoutError(
                    f"Deferred completion {request_id} not ready after {timeout:g} s"
                )
            await _sleep(poll_interval)

    async def models(self) -> list[Model]:
        return await self._send("GET", "/models", _list("data", Model), idempotent=True)

    async def language_models(self) -> list[LanguageModel]:
        return await self._send(
            "GET", "/language-models", _list("models", LanguageModel), idempotent=True
        )

    async def image_generation_models(self) -> list[ImageGenerationModel]:
        return await self._send(
            "GET",
            "/image-generation-models",
            _list("models", ImageGenerationModel),
            idempotent=True,
        )

    async def tokenize(self, text: str, model: str | None = None) -> list[TokenInfo]:
        body = {"text": text, "model": model or self.catalog.default_chat_model}
        return await self._send(
            "POST", "/tokenize-text", _list("token_ids", TokenInfo), body=body, idempotent=True
        )

    async def count_tokens(self, text: str, model: str | None = None) -> int:
        return len(await self.tokenize(text, model))

    async def generate_images(
        self,
        prompt: str,
        *,
        n: int = 1,
        response_format: str = "url",
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> list[GeneratedImage]:
        model = model or self.catalog.default_image_model
        body = {
            "model": model,
            "prompt": prompt,
            "n": n,
            "response_format": response_format,
            **params,
        }
        started = now()
        raw = await self._send("POST", "/images/generations", _json, body=body, headers=headers)
        images = [GeneratedImage.model_validate(item) for item in raw["data"]]
        self._record_images(
            raw.get("model", model), raw, len(images), source=source, latency_s=now() - started
        )
        return images

    async def api_key_info(self) -> ApiKeyInfo:
        return await self._send("GET", "/api-key", _api_key_info, idempotent=True)

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    aclose = close

    async def __aenter__(self) -> AsyncGrokClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
