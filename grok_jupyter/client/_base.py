"""What ``GrokClient`` and ``AsyncGrokClient`` share: everything but the I/O.

Request building, validation, response parsing, error mapping, the retry
policy and ledger bookkeeping live here once; ``_client.py`` only adds the
sync and async loops around ``httpx``.

Retry policy (``should_retry``):
* retried: 429, 500, 502, 503, 504, an error body sent with HTTP 200 that
  maps to one of those, connection errors (refused, reset, dropped before an
  answer) and connect/pool timeouts, since then the server did no work;
* read and write timeouts are retried only for idempotent calls (GETs and
  tokenize); a chat that timed out while the model was answering may still
  run and bill on the server, and a retry would pay and wait twice;
* never once a stream's first chunk reached the caller (streams retry only
  before their body is read, see ``_streaming.py``);
* delays: exponential backoff with full jitter, ``uniform(0, min(max, base *
  2**attempt))``, or exactly ``Retry-After`` when the server sends it (up to
  ``MAX_RETRY_AFTER``; a longer wait is handed to the caller as the error).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from . import _errors
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    GrokError,
    InvalidRequestError,
    RateLimitError,
    mask_key,
    scrub,
    status_error,
)
from ._http import httpx
from ._settings import Settings, resolve_settings
from ._types import ChatRequest, Message
from ._usage import UsageLedger, UsageRecord, get_ledger, record_from_usage

if TYPE_CHECKING:
    from ._accumulator import StreamAccumulator
    from ._catalog import Catalog
    from ._types import ChatCompletion, Usage

T = TypeVar("T")
logger = logging.getLogger("grok_jupyter.client")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0
_LIMITS = httpx.Limits(max_connections=128, max_keepalive_connections=64, keepalive_expiry=30.0)
USER_AGENT = "grok-jupyter/0.1.0"

Messages = Any  # a list of Message | dict (wire form), or one str as a user message


class BaseGrokClient:
    """Settings, request building, errors, retries and the ledger; subclasses add the I/O.

    Arguments resolve as explicit value, then ``XAI_API_KEY`` / ``XAI_BASE_URL``,
    then ``https://api.x.ai/v1``, 10 s connect / 120 s read timeouts, 2 retries.
    ``http_client`` is an ``httpx2`` client of the subclass's kind, for proxies
    or custom transports; the client then does not close it.
    """

    _http_client_class: type[httpx.Client] | type[httpx.AsyncClient]

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
    ) -> None:
        self.settings: Settings = resolve_settings(
            api_key, base_url, timeout=timeout, max_retries=max_retries
        )
        self._catalog = catalog
        self.ledger: UsageLedger = ledger if ledger is not None else get_ledger()
        self.retry_backoff = retry_backoff
        self.retry_backoff_max = retry_backoff_max
        self.validate = validate
        self._base_url = self.settings.base_url
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        headers.update(default_headers or {})
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        self._headers = headers
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
        self._owns_http = http_client is None
        self._http: Any = http_client or expected(timeout=self.settings.timeout, limits=_LIMITS)

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
        if isinstance(messages, str):
            messages = [Message(role="user", content=messages)]
        params.pop("stream", None)
        params.pop("stream_options", None)
        try:
            request = ChatRequest(
                model=model or self.catalog.default_chat_model, messages=messages, **params
            )
        except ValidationError as exc:
            raise InvalidRequestError(f"Invalid chat request: {exc}") from None
        body = request.to_wire()
        if stream:
            body["stream"] = True
            if include_usage:
                body["stream_options"] = {"include_usage": True}
        if self.validate:
            from ._validation import validate_chat

            validate_chat(body, self.catalog, stacklevel=4)
        return body

    def _prepare(
        self, body: dict[str, Any] | None, headers: dict[str, str] | None
    ) -> tuple[bytes | None, dict[str, str]]:
        """Encoded body and headers; raises ``MissingAPIKeyError`` before anything is sent."""
        self.settings.require_key()
        merged = self._headers if not headers else {**self._headers, **headers}
        if body is None:
            return None, merged
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        return content, {**merged, "Content-Type": "application/json"}

    # --- reading answers ---------------------------------------------------

    def _request_id(self, response: httpx.Response) -> str | None:
        return response.headers.get("x-request-id")

    def _status_error(self, response: httpx.Response) -> APIStatusError:
        """The typed error for an error answer whose body has been read."""
        content = response.content
        try:
            body: Any = json.loads(content) if content else None
        except ValueError:
            body = None
        text = "" if body is not None else content.decode("utf-8", "replace")
        if text.lstrip().startswith("<"):  # a proxy's HTML page: its status line says it all
            text = f"{response.status_code} {response.reason_phrase}"
        return status_error(
            response.status_code,
            body,
            text=scrub(text, self.settings.api_key),
            api_key=self.settings.api_key,
            request_id=self._request_id(response),
            retry_after=_errors.parse_retry_after(response.headers),
        )

    def _not_a_stream(self, response: httpx.Response) -> GrokError:
        """The error for a 2xx answer to a stream request that is not SSE (body read)."""
        err = self._status_error(response)
        if isinstance(err.body, dict) and "error" in err.body:
            return err  # xAI's error body sent with 200 in place of a stream
        ctype = response.headers.get("content-type") or "no content type"
        return APIStatusError(
            f"Expected an event stream, got {ctype}: {err.message}",
            status_code=response.status_code,
            request_id=err.request_id,
        )

    def _parse(self, response: httpx.Response, parse: Callable[[httpx.Response], T]) -> T:
        """``parse`` the 200 answer; an error body sent with 200 becomes its typed error."""
        try:
            return parse(response)
        except (ValidationError, ValueError, KeyError, TypeError):
            try:
                body = json.loads(response.content)
            except ValueError:
                body = None
            if isinstance(body, dict) and "error" in body:
                raise self._status_error(response) from None
            shown = scrub(response.text[:200], self.settings.api_key)
            raise APIStatusError(
                f"Unexpected answer from {response.request.url.path}: {shown!r}",
                status_code=response.status_code,
                request_id=self._request_id(response),
            ) from None

    # --- retry policy --------------------------------------------------------

    def _transport_error(self, exc: Exception, *, idempotent: bool) -> tuple[GrokError, bool]:
        """(typed error, whether a retry is safe) for an httpx exception."""
        why = scrub(str(exc) or type(exc).__name__, self.settings.api_key)
        where = f"{self._base_url}"
        if isinstance(exc, httpx.TimeoutException):
            early = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
            phase = "connecting to" if early else "waiting for an answer from"
            return APITimeoutError(f"Timed out {phase} {where}: {why}"), early or idempotent
        return APIConnectionError(f"Could not reach {where}: {why}"), True

    def _should_retry(self, error: GrokError) -> bool:
        if isinstance(error, APIStatusError):
            if error.status_code in RETRY_STATUSES:
                return True
            # An error body sent with 200: judge it by the kind of error it is.
            return error.status_code == 200 and isinstance(
                error,
                (RateLimitError, _errors.InternalServerError, _errors.ServiceUnavailableError),
            )
        return False

    def _retry_delay(self, attempt: int, error: GrokError) -> float | None:
        """Seconds before retry number ``attempt + 1``, or None to give up now."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return retry_after if retry_after <= MAX_RETRY_AFTER else None
        cap = min(self.retry_backoff_max, self.retry_backoff * (2**attempt))
        return random.uniform(0.0, cap)

    def _log_retry(
        self, method: str, path: str, attempt: int, delay: float, error: GrokError
    ) -> None:
        logger.debug(
            "%s %s failed (%s: %s); retry %d/%d in %.3fs",
            method,
            path,
            type(error).__name__,
            error.message,
            attempt + 1,
            self.max_retries,
            delay,
        )

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
        )

    def _stream_recorder(
        self, model: str, source: str
    ) -> Callable[[StreamAccumulator, float, float | None], None]:
        def on_finish(acc: StreamAccumulator, latency_s: float, ttft_s: float | None) -> None:
            self._record(
                acc.model or model,
                acc.usage,
                source=source,
                latency_s=latency_s,
                ttft_s=ttft_s,
                request_id=acc.id,
            )

        return on_finish

    def _record_images(
        self, model: str, body: dict[str, Any], n: int, *, source: str, latency_s: float
    ) -> None:
        usage = body.get("usage") or {}
        ticks = usage.get("cost_in_usd_ticks") if isinstance(usage, dict) else None
        if ticks is not None:
            cost: float | None = ticks / _USD_TICKS
        else:
            info = self.catalog.resolve(model)
            price = info.image_price_usd if info else None
            cost = price * n if price is not None else None
        self.ledger.record(
            UsageRecord(
                model=model, source=source, cost_usd=cost, latency_s=latency_s, images_generated=n
            )
        )


_USD_TICKS = 10_000_000_000


def is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/event-stream")


def now() -> float:
    return time.perf_counter()
