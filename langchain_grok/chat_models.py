"""``ChatGrok``: a LangChain chat model on grok-jupyter's shared client.

Every request goes through ``GrokClient.responses`` or ``.chat`` / ``.stream``
(see ``use_responses_api``), so validation, retries, typed errors and the usage
ledger are the same as for the ``%%grok`` magic and the chat panel. The client package
(and httpx under it) is imported on first use, not at import time, to keep
``import langchain_grok`` cheap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel, LangSmithParams
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils import from_env, secret_from_env
from pydantic import AliasChoices, ConfigDict, Field, PrivateAttr, SecretStr, model_validator

from langchain_grok._clients import OwnClients
from langchain_grok._inline_memory import InlineMemory
from langchain_grok._kwargs import KEY_SPELLINGS, collect_model_kwargs, known_names
from langchain_grok._request import REQUEST_FIELDS

if TYPE_CHECKING:
    from grok_jupyter.client import AsyncGrokClient, CostEstimate, GrokClient
    from langchain_grok._call import Call

_CLIENT_SETTINGS = ("api_key", "base_url", "timeout", "max_retries", "pace_requests")
# Fields read from the environment when not given: pickled without their value
# and read again from the receiving process's environment (a key never travels
# unless it was passed explicitly).
_FROM_ENV = {
    "api_key": secret_from_env("XAI_API_KEY", default=None),
    "base_url": from_env("XAI_BASE_URL", default=None),
}


def _default_model() -> str:
    from grok_jupyter.client import get_catalog

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

    Lifecycle: clients ChatGrok made itself are closed by ``close()`` /
    ``await aclose()`` or by leaving ``with ChatGrok(...) as llm:`` /
    ``async with``; a later call opens new ones. One async client serves
    every event loop and closes each loop's connections when that loop ends,
    so ``asyncio.run(llm.ainvoke(...))`` may be called any number of times.
    A ChatGrok pickles at any time (Dask, Ray): settings only, connections
    are rebuilt on first use, and the key travels only if passed explicitly.
    ``langchain_core.load.loads(dumps(llm), valid_namespaces=["langchain_grok"],
    allowed_objects=[ChatGrok])`` rebuilds one: langchain-core's ``"all"`` allowlist
    holds only the classes of its own ``load/mapping.py``.

    Example:
        ```python
        from langchain_grok import ChatGrok

        llm = ChatGrok(model="grok-4.3", temperature=0)
        llm.invoke("Name three moons of Jupiter.")
        ```
    """

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    model: str = Field(default_factory=_default_model, alias="model_name")
    """Model id or alias; the reply's ``model_name`` is the resolved id."""
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    n: int | None = None
    """Choices per request. ``generate()`` returns all n (``invoke()`` the first);
    every one is billed. Streams refuse ``n > 1``: a stream carries one message."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences. Reasoning models (grok-3-mini, grok-4*) reject them."""
    seed: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    reasoning_effort: str | None = None
    """``"none"``, ``"low"``, ``"medium"``, ``"high"`` or ``"xhigh"``. Each model
    takes its own set and has its own default (the catalogue's
    ``accepted_efforts(model)``); the client checks the value for the model."""
    logprobs: bool | None = None
    top_logprobs: int | None = None
    conversation_id: str | None = None
    """A stable id per conversation, sent as ``x-grok-conv-id`` (and on /v1/responses as
    ``prompt_cache_key``): xAI then routes follow-ups to the server that cached the
    prompt's prefix, so repeated prompt tokens are billed at the cached rate. A call's
    own ``conversation_id=`` keyword overrides it."""
    timeout: float | None = Field(default=None, alias="request_timeout")
    max_retries: int | None = None
    """Retries after a failed attempt (the client's default is 2). Retried: 429,
    5xx, connection errors and connect timeouts. A read timeout is not retried:
    a chat request is not idempotent for billing, since the server may have
    taken it and be generating (and billing) the answer, so a retry could pay
    and wait twice; nor is one whose connection broke after it was sent
    (``AnswerLostError``). Nothing is retried once an answer has started arriving."""
    pace_requests: bool = False
    """Start each request at the account's rate (learned from the rate headers and 429s),
    so ``abatch`` / ``batch`` over many inputs stay under the limit instead of being
    answered 429 and retried. Makes a client of ChatGrok's own with
    ``pace_requests=True``; a given ``client=`` paces if it was made with that setting."""
    stream_usage: bool = True
    """Ask for usage on chat streams (a Responses stream always has it): on the last chunk."""
    streaming: bool = False
    """Stream under ``invoke`` too (callbacks then see each token)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request fields sent as they are."""
    use_responses_api: bool | None = None
    """True: every call over ``/v1/responses``; False: over chat completions. None
    (automatic): Responses for a model the catalogue lists it for (every current one),
    chat for other models and for a call with stop, n > 1, logprobs or penalties."""
    use_previous_response_id: bool = False
    """Responses API: chain from the last answer's id, send only newer messages."""
    max_inline_file_bytes: int = Field(default=2**20, ge=0)
    """Inline (base64) ``file`` blocks up to this size that this model has not sent before
    go inline (``input_file.file_data``: no upload round trip, nothing stored); larger
    ones, and any sent again, are uploaded once and sent by id. 0: always upload."""
    api_key: SecretStr | None = Field(
        default_factory=_FROM_ENV["api_key"], validation_alias=AliasChoices(*KEY_SPELLINGS)
    )
    """The xAI key (else ``XAI_API_KEY``); ``xai_api_key=`` and ``openai_api_key=`` work too.
    A key never reaches ``model_kwargs``: another credential-looking keyword is refused."""
    base_url: str | None = Field(default_factory=_FROM_ENV["base_url"], alias="xai_api_base")
    client: Any = Field(default=None, exclude=True)
    """A ``GrokClient`` or ``AsyncGrokClient`` to use instead of the shared one."""

    _own: OwnClients = PrivateAttr(default_factory=OwnClients)
    _inline_files: InlineMemory = PrivateAttr(default_factory=InlineMemory)

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: Any) -> Any:
        # Unknown keyword arguments become request fields, as in LangChain's
        # partner packages, so new API fields need no release here; a name that
        # looks like a credential is refused (_kwargs.py says why and how).
        if not isinstance(values, dict):
            return values
        return collect_model_kwargs(values, known_names(cls.model_fields))

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
        params = {k: getattr(self, k) for k in REQUEST_FIELDS if getattr(self, k) is not None}
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
            "pace_requests": self.pace_requests,
            "ledger": get_ledger(),
        }

    def _get_client(self) -> GrokClient:
        return self._own.get_sync(self.client, self._dedicated_settings)

    def _get_async_client(self) -> AsyncGrokClient:
        return self._own.get_async(self.client, self._dedicated_settings)

    def close(self) -> None:
        """Close the clients this ChatGrok made (never a given or the shared one)."""
        self._own.close()

    async def aclose(self) -> None:
        """``close()`` for async code: closes the running loop's pool on this loop."""
        await self._own.aclose()

    def __enter__(self) -> ChatGrok:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> ChatGrok:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # --- pickling: settings only -------------------------------------------

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        values = dict(state["__dict__"])
        for name in _FROM_ENV:
            if name not in self.model_fields_set:
                values[name] = None  # the environment's value stays here
        state["__dict__"] = values
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__(state)
        for name, read in _FROM_ENV.items():
            if name not in self.model_fields_set:
                self.__dict__[name] = read()  # this process's environment

    # --- requests: /v1/responses or chat completions, picked per call ---------

    def _routed(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        client: Any,
    ) -> tuple[Any, Call]:
        """The call, and the route it goes to: ``_responses`` or ``_chat_completions``."""
        from langchain_grok import _chat_completions, _responses
        from langchain_grok._call import Call

        call = Call(self, messages, stop, kwargs)
        if _responses.wants_responses(self, messages, stop, kwargs, client):
            return _responses, call
        return _chat_completions, call

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        route, call = self._routed(messages, stop, kwargs, self._get_client())
        return route.generate(call)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        route, call = self._routed(messages, stop, kwargs, self._get_async_client())
        return await route.agenerate(call)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        route, call = self._routed(messages, stop, kwargs, self._get_client())
        yield from route.stream(call, run_manager)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        route, call = self._routed(messages, stop, kwargs, self._get_async_client())
        async for gen in route.astream(call, run_manager):
            yield gen

    # --- token counts: grok-jupyter's tokenizer, no transformers, no network --

    def get_token_ids(self, text: str) -> list[int]:
        """Token ids by grok-jupyter's offline tokenizer (xAI's own is private)."""
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        from langchain_grok._counting import token_ids

        return token_ids(text)

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text``, offline; ``GrokClient.count_tokens`` asks the server."""
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        from langchain_grok._counting import count_text

        return count_text(text)

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Prompt tokens of ``messages`` (and ``tools``), offline, counted as the emulator bills."""
        from langchain_grok._counting import count_messages

        return count_messages(messages, tools)

    def estimate_cost(
        self,
        messages: LanguageModelInput,
        *,
        output_tokens: int | None = None,
        tools: Sequence[Any] | None = None,
        tool_calls: Mapping[str, int] | None = None,
    ) -> CostEstimate:
        """What a call with ``messages`` would cost at catalogue prices, offline.

        The prompt is counted as ``get_num_tokens_from_messages`` counts it;
        ``output_tokens`` defaults to ``max_tokens`` (else 0: the prompt alone);
        ``tool_calls`` maps server-side tools to expected calls (``{"web_search": 2}``).
        Priced by ``grok_jupyter.client.estimate_cost``, the one estimator: a prompt at
        or over the model's long-context threshold is priced at the long-context rate
        for every token (``.long_context``, ``.usd_without_tier``), and
        ``service_tier="priority"`` (in ``model_kwargs``) doubles the token price.
        ``.usd`` is None for a model the catalogue has no price for.
        """
        from langchain_grok._counting import estimate

        return estimate(
            self.model,
            self._convert_input(messages).to_messages(),
            tools=tools,
            output_tokens=(self.max_tokens or 0) if output_tokens is None else output_tokens,
            tool_calls=tool_calls,
            service_tier=self.model_kwargs.get("service_tier"),
            catalog=getattr(self.client, "catalog", None),  # else the shared catalogue
        )

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
        Server-side tool dicts (``{"type": "x_search"}``, ``web_search``,
        ``code_interpreter``, ``mcp``) are sent as given, over the Responses API.
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
