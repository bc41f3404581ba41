"""``GrokClient`` and ``AsyncGrokClient``: the xAI REST API on pooled httpx2 clients.

Each client is its settings (``_base.py``), a transport (``_transport.py``)
and one resource object per endpoint family, attached in
``_attach_resources``. The methods below are the public surface kept from
the first release; each delegates to its family's resource. A new family
(``responses``, ``files``, ``batches``) is a new module with a sync and an
async resource class, attached here as a public attribute (``client.files``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._api_key import ApiKey, AsyncApiKey
from ._base import BaseGrokClient, Messages
from ._chat import AsyncChat, Chat
from ._deferred import AsyncDeferred, Deferred
from ._http import httpx
from ._image_generation import AsyncImages, Images
from ._models import AsyncModels, Models
from ._tokenize import AsyncTokenizer, Tokenizer
from ._transport import AsyncTransport, SyncTransport

if TYPE_CHECKING:
    from types import TracebackType

    from ._streaming import AsyncChatStream, ChatStream
    from ._types import (
        ApiKeyInfo,
        ChatCompletion,
        GeneratedImage,
        ImageGenerationModel,
        LanguageModel,
        Model,
        TokenInfo,
    )


class GrokClient(BaseGrokClient):
    """The synchronous client. Pooled connections; use as a context manager or ``close()``.

    Settings: explicit arguments, then ``XAI_API_KEY`` / ``XAI_BASE_URL``, then
    ``https://api.x.ai/v1``, 10 s connect / 120 s read timeouts, 2 retries.
    It pickles at any time (settings only; the pool is rebuilt on first use).
    """

    _http_client_class = httpx.Client
    _transport_class = SyncTransport

    def _attach_resources(self) -> None:
        # The families that predate resources stay private: the methods below are their API.
        self._chat = Chat(self)
        self._deferred = Deferred(self)
        self._models = Models(self)
        self._tokenizer = Tokenizer(self)
        self._images = Images(self)
        self._api_key = ApiKey(self)
        from ._responses import Responses

        self.responses = Responses(self)
        from ._batches import Batches
        from ._files import Files

        self.files = Files(self)
        self.batches = Batches(self)

    # --- chat ------------------------------------------------------------------

    def chat(
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
        """One chat completion. ``params``: any ``ChatRequest`` field (temperature, tools...).

        ``conv_id`` sends ``x-grok-conv-id`` (prompt caching: a stable id per
        conversation); ``deadline``: seconds the whole call may take."""
        return self._chat.create(
            messages,
            model=model,
            source=source,
            headers=headers,
            conv_id=conv_id,
            deadline=deadline,
            **params,
        )

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
        """A streamed chat completion: iterate the returned ``ChatStream`` for chunks.

        ``deadline`` covers the whole stream: past it, reading raises
        ``DeadlineExceededError`` with the partial answer in ``.partial``."""
        return self._chat.stream(
            messages,
            model=model,
            include_usage=include_usage,
            source=source,
            headers=headers,
            conv_id=conv_id,
            deadline=deadline,
            **params,
        )

    def submit_deferred(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> str:
        """Start a deferred completion; returns its ``request_id``."""
        return self._deferred.submit(messages, model=model, headers=headers, **params)

    def get_deferred(self, request_id: str, *, source: str = "client") -> ChatCompletion | None:
        """The finished completion, or None while it is still running (HTTP 202)."""
        return self._deferred.get(request_id, source=source)

    def wait_deferred(
        self,
        request_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float = 600.0,
        source: str = "client",
    ) -> ChatCompletion:
        """Poll until the deferred completion is ready."""
        return self._deferred.wait(
            request_id, poll_interval=poll_interval, timeout=timeout, source=source
        )

    # --- other endpoints ---------------------------------------------------------

    def models(self) -> list[Model]:
        return self._models.list()

    def language_models(self) -> list[LanguageModel]:
        return self._models.language()

    def image_generation_models(self) -> list[ImageGenerationModel]:
        return self._models.image_generation()

    def tokenize(self, text: str, model: str | None = None) -> list[TokenInfo]:
        """The server's exact tokenization of ``text`` for ``model``."""
        return self._tokenizer.tokenize(text, model)

    def count_tokens(self, text: str, model: str | None = None) -> int:
        return self._tokenizer.count(text, model)

    def generate_images(
        self,
        prompt: str,
        *,
        n: int = 1,
        response_format: str = "url",
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> list[GeneratedImage]:
        """Generate ``n`` images; each has ``url`` or ``b64_json`` and ``revised_prompt``."""
        return self._images.generate(
            prompt,
            n=n,
            response_format=response_format,
            model=model,
            source=source,
            headers=headers,
            deadline=deadline,
            **params,
        )

    def api_key_info(self) -> ApiKeyInfo:
        return self._api_key.info()

    # --- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (a later call opens a new one)."""
        self._transport.close()

    def __enter__(self) -> GrokClient:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncGrokClient(BaseGrokClient):
    """The asynchronous client, method for method the same as ``GrokClient``.

    Usable from any event loop, one after another or at once: each loop gets
    its own connection pool, closed when that loop shuts down.
    """

    _http_client_class = httpx.AsyncClient
    _transport_class = AsyncTransport

    def _attach_resources(self) -> None:
        self._chat = AsyncChat(self)
        self._deferred = AsyncDeferred(self)
        self._models = AsyncModels(self)
        self._tokenizer = AsyncTokenizer(self)
        self._images = AsyncImages(self)
        self._api_key = AsyncApiKey(self)
        from ._responses import AsyncResponses

        self.responses = AsyncResponses(self)
        from ._batches import AsyncBatches
        from ._files import AsyncFiles

        self.files = AsyncFiles(self)
        self.batches = AsyncBatches(self)

    async def chat(
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
        return await self._chat.create(
            messages,
            model=model,
            source=source,
            headers=headers,
            conv_id=conv_id,
            deadline=deadline,
            **params,
        )

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
        return self._chat.stream(
            messages,
            model=model,
            include_usage=include_usage,
            source=source,
            headers=headers,
            conv_id=conv_id,
            deadline=deadline,
            **params,
        )

    async def submit_deferred(
        self,
        messages: Messages,
        *,
        model: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> str:
        return await self._deferred.submit(messages, model=model, headers=headers, **params)

    async def get_deferred(
        self, request_id: str, *, source: str = "client"
    ) -> ChatCompletion | None:
        return await self._deferred.get(request_id, source=source)

    async def wait_deferred(
        self,
        request_id: str,
        *,
        poll_interval: float = 1.0,
        timeout: float = 600.0,
        source: str = "client",
    ) -> ChatCompletion:
        return await self._deferred.wait(
            request_id, poll_interval=poll_interval, timeout=timeout, source=source
        )

    async def models(self) -> list[Model]:
        return await self._models.list()

    async def language_models(self) -> list[LanguageModel]:
        return await self._models.language()

    async def image_generation_models(self) -> list[ImageGenerationModel]:
        return await self._models.image_generation()

    async def tokenize(self, text: str, model: str | None = None) -> list[TokenInfo]:
        return await self._tokenizer.tokenize(text, model)

    async def count_tokens(self, text: str, model: str | None = None) -> int:
        return await self._tokenizer.count(text, model)

    async def generate_images(
        self,
        prompt: str,
        *,
        n: int = 1,
        response_format: str = "url",
        model: str | None = None,
        source: str = "client",
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **params: Any,
    ) -> list[GeneratedImage]:
        return await self._images.generate(
            prompt,
            n=n,
            response_format=response_format,
            model=model,
            source=source,
            headers=headers,
            deadline=deadline,
            **params,
        )

    async def api_key_info(self) -> ApiKeyInfo:
        return await self._api_key.info()

    async def close(self) -> None:
        """Close the connection pools of every event loop this client used."""
        await self._transport.aclose()

    aclose = close

    async def __aenter__(self) -> AsyncGrokClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
