"""``ChatGrok``: a LangChain chat model on grok-jupyter's shared client.

Every request goes through ``GrokClient.chat`` / ``.stream`` (or the async
twins), so validation, retries, typed errors and the usage ledger are the
same as for the ``%%grok`` magic and the chat panel. The client package
(and httpx under it) is imported on first use, not at import time, to keep
``import langchain_grok`` cheap.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel, LangSmithParams
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils import from_env, secret_from_env
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, model_validator

if TYPE_CHECKING:
    from grok_jupyter.client import AsyncGrokClient, GrokClient
    from grok_jupyter.client._types import Message

SOURCE = "langchain"  # the ledger tag of everything ChatGrok spends
_CLIENT_SETTINGS = ("api_key", "base_url", "timeout", "max_retries")
_REQUEST_FIELDS = (
    "temperature",
    "max_tokens",
    "top_p",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "reasoning_effort",
    "logprobs",
    "top_logprobs",
)
# Keys LangChain passes down that are not request fields.
_NOT_SENT = ("ls_structured_output_format", "structured_output_format", "stream")


def _default_model() -> str:
    from grok_jupyter.client._catalog import get_catalog

    return get_catalog().default_chat_model


class ChatGrok(BaseChatModel):
    """xAI Grok chat models, on the client the notebook magic and panel use.

    Setup: ``XAI_API_KEY`` (and ``XAI_BASE_URL`` for the local emulator) in
    the environment, read by the process-wide client.

    Client: by default the shared ``grok_jupyter.client.get_client()`` /
    ``get_async_client()``. Passing ``api_key``, ``base_url``, ``timeout`` or
    ``max_retries`` makes a dedicated client with those settings (still
    recording into the shared ledger); ``client=`` takes a ``GrokClient`` or
    ``AsyncGrokClient``, and the other half is made with its settings.

    Example:
        ```python
        from langchain_grok import ChatGrok

        llm = ChatGrok(model="grok-4-1-fast-non-reasoning", temperature=0)
        llm.invoke("Name three moons of Jupiter.")
        ```
    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model: str = Field(default_factory=_default_model, alias="model_name")
    """Model id or alias; the reply's ``model_name`` is the resolved id."""
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences. Reasoning models (grok-3-mini, grok-4*) reject them."""
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    """``"low"`` or ``"high"``, for models that take it (grok-3-mini)."""
    logprobs: bool | None = None
    top_logprobs: int | None = None
    timeout: float | None = Field(default=None, alias="request_timeout")
    max_retries: int | None = None
    stream_usage: bool = True
    """Ask for usage on streams; it arrives on the last chunk."""
    streaming: bool = False
    """Stream under ``invoke`` too (callbacks then see each token)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request fields sent as they are."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("XAI_API_KEY", default=None), alias="xai_api_key"
    )
    base_url: str | None = Field(
        default_factory=from_env("XAI_BASE_URL", default=None), alias="xai_api_base"
    )
    client: Any = Field(default=None, exclude=True)
    """A ``GrokClient`` or ``AsyncGrokClient`` to use instead of the shared one."""

    _sync_client: Any = PrivateAttr(default=None)
    _async_clients: dict[int, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: Any) -> Any:
        # Unknown keyword arguments become request fields, as in LangChain's
        # partner packages, so new API fields need no release here.
        if not isinstance(values, dict):
            return values
        known = set()
        for name, field in cls.model_fields.items():
            known.add(name)
            if field.alias:
                known.add(field.alias)
        extra = {k: values.pop(k) for k in list(values) if k not in known}
        if extra:
            values["model_kwargs"] = {**extra, **values.get("model_kwargs", {})}
        return values

    # --- LangChain plumbing ------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "grok"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_grok", "chat_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "XAI_API_KEY"}

    @property
    def _default_params(self) -> dict[str, Any]:
        params = {k: getattr(self, k) for k in _REQUEST_FIELDS if getattr(self, k) is not None}
        if self.stop is not None:
            params["stop"] = self.stop
        return {**params, **self.model_kwargs}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._default_params}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="xai",
            ls_model_name=kwargs.get("model") or self.model,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stop = stop or kwargs.get("stop") or self.stop
        if stop:
            params["ls_stop"] = stop
        return params

    # --- clients -----------------------------------------------------------

    def _dedicated_settings(self) -> dict[str, Any] | None:
        """Settings for a client of our own, or None to use the shared one."""
        if not self.model_fields_set.intersection(_CLIENT_SETTINGS):
            return None
        from grok_jupyter.client import get_ledger

        return {
            "api_key": self.api_key.get_secret_value() if self.api_key else None,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "ledger": get_ledger(),
        }

    def _get_client(self) -> GrokClient:
        from grok_jupyter.client import AsyncGrokClient, GrokClient, get_client

        if self._sync_client is not None:
            return self._sync_client
        if isinstance(self.client, GrokClient):
            self._sync_client = self.client
        elif isinstance(self.client, AsyncGrokClient):
            self._sync_client = GrokClient(**_settings_of(self.client))
        elif (settings := self._dedicated_settings()) is not None:
            self._sync_client = GrokClient(**settings)
        else:
            # Not cached: ``set_client()`` later must take effect here too.
            return get_client()
        return self._sync_client

    def _get_async_client(self) -> AsyncGrokClient:
        from grok_jupyter.client import AsyncGrokClient, GrokClient, get_async_client

        if isinstance(self.client, AsyncGrokClient):
            return self.client
        if isinstance(self.client, GrokClient):
            settings: dict[str, Any] | None = _settings_of(self.client)
        else:
            settings = self._dedicated_settings()
        if settings is None:
            return get_async_client()
        # An httpx.AsyncClient's connections belong to one event loop, so a
        # client we make is made per loop.
        loop = id(asyncio.get_running_loop())
        if loop not in self._async_clients:
            self._async_clients[loop] = AsyncGrokClient(**settings)
        return self._async_clients[loop]

    # --- requests ----------------------------------------------------------

    def _prepare(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> tuple[list[Message], str, dict[str, Any]]:
        from langchain_grok._convert import to_wire_messages

        params = {**self._default_params, **kwargs}
        for key in _NOT_SENT:
            params.pop(key, None)
        if stop is not None:
            params["stop"] = stop
        model = params.pop("model", None) or self.model
        return to_wire_messages(messages), model, params

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        from langchain_grok._convert import completion_to_result

        wire, model, params = self._prepare(messages, stop, kwargs)
        params.pop("stream_usage", None)
        completion = self._get_client().chat(wire, model=model, source=SOURCE, **params)
        return completion_to_result(completion)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        from langchain_grok._convert import completion_to_result

        wire, model, params = self._prepare(messages, stop, kwargs)
        params.pop("stream_usage", None)
        client = self._get_async_client()
        completion = await client.chat(wire, model=model, source=SOURCE, **params)
        return completion_to_result(completion)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        from langchain_grok._convert import ChunkTranslator

        wire, model, params = self._prepare(messages, stop, kwargs)
        include_usage = params.pop("stream_usage", self.stream_usage)
        translator = ChunkTranslator()
        # Leaving the ``with`` (a consumer that stops early, or an error)
        # closes the connection at once. A cut stream raises the client's
        # StreamInterruptedError here, after the text so far was yielded.
        with self._get_client().stream(
            wire, model=model, include_usage=include_usage, source=SOURCE, **params
        ) as stream:
            for chunk in stream:
                for gen in translator.add(chunk):
                    if run_manager:
                        run_manager.on_llm_new_token(gen.text, chunk=gen)
                    yield gen
        for gen in translator.close():
            if run_manager:
                run_manager.on_llm_new_token(gen.text, chunk=gen)
            yield gen

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        from langchain_grok._convert import ChunkTranslator

        wire, model, params = self._prepare(messages, stop, kwargs)
        include_usage = params.pop("stream_usage", self.stream_usage)
        translator = ChunkTranslator()
        async with self._get_async_client().stream(
            wire, model=model, include_usage=include_usage, source=SOURCE, **params
        ) as stream:
            async for chunk in stream:
                for gen in translator.add(chunk):
                    if run_manager:
                        await run_manager.on_llm_new_token(gen.text, chunk=gen)
                    yield gen
        for gen in translator.close():
            if run_manager:
                await run_manager.on_llm_new_token(gen.text, chunk=gen)
            yield gen

    # --- tools and structured output ---------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` to the model.

        ``tool_choice``: a tool's name (forces it), ``"auto"``, ``"none"``,
        ``"any"``/``"required"``/``True`` (some tool must be called; ``True``
        with one tool forces it), or xAI's own dict form.
        ``parallel_tool_calls=False`` limits the reply to one call.
        """
        from langchain_grok._tools import format_tool_choice, format_tools

        formatted = format_tools(tools, strict=strict)
        choice = format_tool_choice(tool_choice, formatted)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: Literal["function_calling", "json_schema", "json_mode"] = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """Answers shaped by ``schema`` (a pydantic model, TypedDict or JSON schema).

        ``method``: ``"function_calling"`` (a forced tool call),
        ``"json_schema"`` (xAI structured outputs) or ``"json_mode"``
        (``json_object``; say in the prompt what keys you want).
        ``include_raw=True`` returns ``{"raw", "parsed", "parsing_error"}``.
        """
        from langchain_grok._structured import structured_runnable

        return structured_runnable(
            self, schema, method=method, include_raw=include_raw, strict=strict, **kwargs
        )


def _settings_of(client: Any) -> dict[str, Any]:
    """Constructor arguments that make a twin of ``client`` (same ledger)."""
    s = client.settings
    return {
        "api_key": s.api_key,
        "base_url": s.base_url,
        "timeout": s.timeout,
        "max_retries": s.max_retries,
        "ledger": client.ledger,
        "catalog": client.catalog,
    }
