"""What ``GrokClient`` and ``AsyncGrokClient`` share: settings, request building, the ledger.

The I/O is elsewhere: the send loop and its retry policy in ``_transport.py``
/ ``_retry.py``, each endpoint family in its resource module (``_chat.py``,
``_deferred.py``, ``_models.py``, ``_tokenize.py``, ``_image_generation.py``,
``_api_key.py``). A client is its settings plus a transport that builds its
connection pool on first use, which is what lets a client be pickled at any
time: only the settings travel (the key only if it was passed explicitly;
otherwise the receiving process reads its own ``XAI_API_KEY``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from ._arguments import check_headers, check_metadata, check_seconds
from ._catalog import USD_TICKS_PER_USD
from ._encode import encode_body, find_unsendable
from ._errors import GrokError, InvalidRequestError, InvalidValueError, mask_key
from ._http import httpx
from ._key_registry import remember_key
from ._lost_creates import CreateMemory
from ._retry import CallClock, backoff_delay
from ._settings import (
    ENV_API_KEY,
    SecretKey,
    Settings,
    check_base_url,
    check_deadline,
    resolve_settings,
)
from ._types import ChatRequest, Message
from ._usage import (
    UsageLedger,
    UsageRecord,
    estimate_usage,
    get_ledger,
    image_cost_usd,
    record_from_usage,
)

if TYPE_CHECKING:
    from ._accumulator import StreamAccumulator
    from ._catalog import Catalog
    from ._types import ChatCompletion, Usage

T = TypeVar("T")
logger = logging.getLogger("grok_jupyter.client")

USER_AGENT = "grok-jupyter/0.1.0"
CONV_ID_HEADER = "x-grok-conv-id"  # prompt caching: same id, same server (xai-api-2026.md §8)

Messages = Any  # a list of Message | dict (wire form), or one str as a user message


class BaseGrokClient:
    """Settings, request building and the ledger; subclasses add a transport and resources.

    Arguments resolve as explicit value, then ``XAI_API_KEY`` / ``XAI_BASE_URL``,
    then ``https://api.x.ai/v1``, 10 s connect / 120 s read timeouts, 2 retries.
    ``http_client`` is an ``httpx2`` client of the subclass's kind, for proxies
    or custom transports; the client then does not close it (nor pickle it).
    ``max_retry_wait``: seconds one call may sleep between retries in total
    (default 60). ``deadline``: seconds one call may take in all, retries and a
    stream's whole body included (default None, no limit; each call can pass
    its own). ``allow_insecure_http=True`` permits a plain ``http://`` base URL
    to another machine, which is refused otherwise (the key would travel in clear).
    ``pace_requests=True`` starts each request at the account's rate, learned from the
    rate headers and 429s (``_pace``), so callers sharing the client (``ChatGrok.abatch``
    / ``batch``, gathered tasks) stay under the limit instead of being answered 429.
    """

    _http_client_class: type[httpx.Client] | type[httpx.AsyncClient]
    _transport_class: Any

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        catalog: Catalog | None = None,
        ledger: UsageLedger | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        default_headers: dict[str, str] | None = None,
        retry_backoff: float = 0.5,
        retry_backoff_max: float = 8.0,
        validate: bool = True,
        max_retry_wait: float | None = None,
        deadline: float | None = None,
        allow_insecure_http: bool = False,
        pace_requests: bool = False,
    ) -> None:
        if api_key is not None and not isinstance(api_key, str):
            # The value itself is never shown: it may be a key in the wrong type.
            raise InvalidValueError(
                f"api_key must be a string (xai-...), not {type(api_key).__name__}.",
                parameter="api_key",
            )
        explicit_key = bool(api_key)
        key = SecretKey(api_key) if api_key else None
        del api_key  # tracebacks show locals: from here on only the masked form is one
        settings = resolve_settings(
            key,
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            deadline=deadline,
            allow_insecure_http=allow_insecure_http,
            pace_requests=pace_requests,
        )
        expected = self._http_client_class
        if http_client is not None and not isinstance(http_client, expected):
            # The client maps httpx2's exceptions; another library's client would
            # raise errors it cannot type, so say what to pass instead.
            raise TypeError(
                f"http_client must be an httpx2.{expected.__name__} (grok-jupyter runs on "
                f"httpx2, whose API is httpx's), not {type(http_client).__module__}."
                f"{type(http_client).__name__}. Build it as httpx2.{expected.__name__}(...) "
                "with the same arguments."
            )
        self._configure(
            settings,
            explicit_key=explicit_key,
            catalog=catalog,
            ledger=ledger,
            http_client=http_client,
            default_headers=check_headers(default_headers, "default_headers") or {},
            retry_backoff=check_seconds(retry_backoff, "retry_backoff"),
            retry_backoff_max=check_seconds(retry_backoff_max, "retry_backoff_max"),
            validate=validate,
        )

    def _configure(
        self,
        settings: Settings,
        *,
        explicit_key: bool,
        catalog: Catalog | None,
        ledger: UsageLedger | None,
        http_client: Any,
        default_headers: dict[str, str],
        retry_backoff: float,
        retry_backoff_max: float,
        validate: bool,
    ) -> None:
        """Everything ``__init__`` and unpickling share; opens no connection."""
        check_base_url(settings.base_url, allow_insecure_http=settings.allow_insecure_http)
        # Known to the notebook layer, which keeps every key out of prompts (in memory only).
        remember_key(settings.api_key)
        self.settings: Settings = settings
        self._explicit_key = explicit_key
        self._catalog = catalog
        self.ledger: UsageLedger = ledger if ledger is not None else get_ledger()
        self.retry_backoff = retry_backoff
        self.retry_backoff_max = retry_backoff_max
        self.validate = validate
        self._base_url = settings.base_url
        self._default_headers = default_headers
        headers = httpx.Headers({"Accept": "application/json", "User-Agent": USER_AGENT})
        headers.update(default_headers)
        if settings.api_key:
            # httpx2.Headers masks Authorization in its repr: no local shows the key.
            headers["Authorization"] = "Bearer " + settings.api_key
        self._headers = headers
        self._owns_http = http_client is None
        self._creates = CreateMemory()  # uploads and batches made, and those whose answer was lost
        self._transport = self._transport_class(self, http_client)
        self._attach_resources()

    def _attach_resources(self) -> None:
        """Set one attribute per endpoint family (``self._chat = Chat(self)`` ...)."""
        raise NotImplementedError

    # --- pickling: settings only ---------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        settings = self.settings
        if not self._explicit_key:
            settings = dataclasses.replace(settings, api_key=None)
        return {
            "settings": settings,
            "explicit_key": self._explicit_key,
            "default_headers": self._default_headers,
            "retry_backoff": self.retry_backoff,
            "retry_backoff_max": self.retry_backoff_max,
            "validate": self.validate,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        settings: Settings = state["settings"]
        if not state["explicit_key"]:
            key = (os.environ.get(ENV_API_KEY) or "").strip()
            settings = dataclasses.replace(settings, api_key=SecretKey(key) if key else None)
        # The shared ledger and catalogue of the receiving process; a fresh pool on first use.
        self._configure(
            settings,
            explicit_key=state["explicit_key"],
            catalog=None,
            ledger=None,
            http_client=None,
            default_headers=dict(state["default_headers"]),
            retry_backoff=state["retry_backoff"],
            retry_backoff_max=state["retry_backoff_max"],
            validate=state["validate"],
        )

    # --- plain attributes --------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        # Loaded on first use, so constructing a client reads no file.
        if self._catalog is None:
            from ._catalog import get_catalog

            self._catalog = get_catalog()
        return self._catalog

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def max_retries(self) -> int:
        return self.settings.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        return self.settings.timeout

    @property
    def _http(self) -> Any:
        """The connection pool in use (the running loop's, for the async client)."""
        return self._transport.http

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._base_url!r}, "
            f"api_key={mask_key(self.settings.api_key)}, max_retries={self.max_retries})"
        )

    # --- building requests -------------------------------------------------

    def _chat_body(
        self,
        messages: Messages,
        model: str | None,
        params: dict[str, Any],
        *,
        stream: bool = False,
        include_usage: bool = True,
    ) -> dict[str, Any]:
        """The JSON body of a chat request, validated (unless ``validate=False``)."""
        from ._validation import external_stacklevel, validate_chat, warn_unknown_parameters

        self._ensure_live_catalog()
        if isinstance(messages, str):
            messages = [Message(role="user", content=messages)]
        params.pop("stream", None)
        params.pop("stream_options", None)
        # Before pydantic, which turns a NaN in an untyped field (a schema, an extra) into null.
        problem = find_unsendable(params)
        if problem is not None:
            raise problem
        warn_unknown_parameters(params)
        try:
            request = ChatRequest(
                model=model or self.catalog.default_chat_model, messages=messages, **params
            )
        except ValidationError as exc:
            raise InvalidRequestError(f"Invalid chat request: {exc}") from None
        if not request.messages:
            raise InvalidRequestError(
                "messages is empty: a chat request needs at least one message, e.g. "
                "[{'role': 'user', 'content': 'Hello'}] (or pass the prompt as one string)."
            )
        body = request.to_wire()
        if stream:
            body["stream"] = True
            if include_usage:
                body["stream_options"] = {"include_usage": True}
        # The API answers a retired id with its target: say so once, at the user's line.
        self.catalog.warn_if_retired(body["model"], stacklevel=external_stacklevel())
        if self.validate:
            validate_chat(body, self.catalog)
        return body

    def _ensure_live_catalog(self) -> None:
        """Refresh the catalogue from the server once, lazily (never at import or load).

        Cheap after the first call; loopback servers (the emulator) are skipped.
        The async client needs a running loop for its task: without one, a later call does it.
        """
        from ._catalog_cache import aensure_live, ensure_live

        if self._http_client_class is httpx.AsyncClient:
            import asyncio

            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return
            aensure_live(self)
        else:
            ensure_live(self)

    def _prepare(
        self, body: dict[str, Any] | None, headers: dict[str, str] | None
    ) -> tuple[bytes | None, httpx.Headers]:
        """Encoded body and headers; raises ``MissingAPIKeyError`` before anything is sent,
        ``InvalidValueError`` for NaN/inf or a lone surrogate anywhere in ``body``."""
        self.settings.require_key()
        merged = httpx.Headers(self._headers)
        if headers:
            merged.update(check_headers(headers) or {})
        if body is None:
            return None, merged
        check_metadata(body)  # Responses' ``metadata``: an object, never a string or a list
        content = encode_body(body)
        merged["Content-Type"] = "application/json"
        return content, merged

    @staticmethod
    def _call_headers(headers: dict[str, str] | None, conv_id: str | None) -> dict[str, str] | None:
        """Per-call headers, with ``x-grok-conv-id`` when the call names a conversation."""
        if conv_id is None:
            return headers
        if not isinstance(conv_id, str) or not conv_id.strip():
            raise InvalidRequestError(
                "conv_id must be a non-empty string (a stable id per conversation), "
                f"not {conv_id!r}."
            )
        return {**(headers or {}), CONV_ID_HEADER: conv_id}

    def _clock(self, deadline: float | None = None) -> CallClock:
        """The time budget of one call: its own ``deadline``, else the client's."""
        chosen = check_deadline(deadline) if deadline is not None else self.settings.deadline
        return CallClock(chosen, self.settings.max_retry_wait)

    def _retry_delay(self, attempt: int, error: GrokError) -> float:
        """Seconds before retry ``attempt + 1`` (Retry-After, else jittered backoff)."""
        return backoff_delay(attempt, error, base=self.retry_backoff, cap=self.retry_backoff_max)

    # --- ledger ----------------------------------------------------------------

    def _record(
        self,
        model: str,
        usage: Usage | None,
        *,
        source: str,
        latency_s: float,
        ttft_s: float | None = None,
        request_id: str | None = None,
        estimated: bool = False,
        service_tier: str | None = None,
    ) -> UsageRecord:
        return self.ledger.record(
            record_from_usage(
                model,
                usage,
                source=source,
                latency_s=latency_s,
                ttft_s=ttft_s,
                request_id=request_id,
                catalog=self.catalog,
                estimated=estimated,
                service_tier=service_tier,
            )
        )

    def _record_completion(
        self, completion: ChatCompletion, body: dict[str, Any], *, source: str, started: float
    ) -> None:
        self._record(
            completion.model or body["model"],
            completion.usage,
            source=source,
            latency_s=now() - started,
            request_id=completion.id,
            # The echo says what ran (xAI echoes it, 2026 §4.2); else what was asked for.
            service_tier=getattr(completion, "service_tier", None) or body.get("service_tier"),
        )

    def _stream_recorder(
        self, model: str, source: str, body: dict[str, Any] | None = None
    ) -> Callable[[StreamAccumulator, float, float | None], None]:
        def on_finish(acc: StreamAccumulator, latency_s: float, ttft_s: float | None) -> None:
            usage, estimated = acc.usage, False
            if usage is None and body is not None:
                # Cut or stopped before the usage chunk: the tokens were still billed,
                # so count them with the local tokenizer and say it is an estimate.
                usage = estimate_usage(body, acc.content, acc.reasoning_content)
                estimated = True
            self._record(
                acc.model or model,
                usage,
                source=source,
                latency_s=latency_s,
                ttft_s=ttft_s,
                request_id=acc.id,
                estimated=estimated,
                service_tier=body.get("service_tier") if body is not None else None,
            )

        return on_finish

    def _record_images(
        self, model: str, body: dict[str, Any], n: int, *, source: str, latency_s: float
    ) -> None:
        usage = body.get("usage") or {}
        ticks = usage.get("cost_in_usd_ticks") if isinstance(usage, dict) else None
        # The server's figure first, else the per-image price of the model that answers.
        cost = ticks / USD_TICKS_PER_USD if ticks is not None else image_cost_usd(
            model, n, self.catalog
        )
        priced = self.catalog.price_model(model)
        self.ledger.record(
            UsageRecord(
                model=model, source=source, cost_usd=cost, latency_s=latency_s, images_generated=n,
                priced_as=priced.id if priced is not None else None,
            )
        )


def now() -> float:
    return time.perf_counter()
