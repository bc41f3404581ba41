"""Every error the client raises, and the one place HTTP answers become them.

    GrokError                          base of everything below
    ├── InvalidRequestError (+ValueError)   refused locally; nothing was sent
    │   ├── MissingAPIKeyError
    │   ├── UnsupportedParameterError
    │   ├── ImageInputError
    │   ├── ContextWindowExceededError
    │   ├── InvalidValueError          NaN/inf, a lone surrogate, a value out of the API's bounds
    │   ├── InsecureBaseURLError       plain http:// to a host that is not this machine
    │   ├── FileTooLargeError          a file over the Files API's size limit (.limit)
    │   ├── UnsupportedFileTypeError   a file of a type the Files API does not read
    │   └── ModelNotBatchableError     a Batch API request for a model that takes none
    ├── APIConnectionError             no usable answer reached us (.request_sent)
    │   ├── APITimeoutError
    │   │   └── DeadlineExceededError  the call's ``deadline`` passed (.partial for streams)
    │   ├── AnswerLostError            sent, then the connection broke: maybe billed (not retried)
    │   └── ResponseBodyInterruptedError  the server answered, then the body was cut or
    │                                     could not be decoded (not retried)
    ├── StreamInterruptedError         a stream broke after it began (.partial)
    └── APIStatusError                 the server answered with an error (.retry_after)
        ├── BadRequestError            400
        ├── AuthenticationError        401, and xAI's 400 "Incorrect API key provided"
        ├── PermissionDeniedError      403 (also: credits exhausted, blocked team)
        ├── NotFoundError              404
        ├── GoneError                  410 (deprecated Live Search)
        ├── UnprocessableEntityError   422
        ├── RateLimitError             429
        ├── InternalServerError        500, 502, 504 and other 5xx
        └── ServiceUnavailableError    503

    UnknownModelWarning, UnknownParameterWarning, ImageDownscaledWarning,
    ImageConvertedWarning, BatchSupportUnknownWarning: UserWarning

Every error carries ``status_code``, ``code`` (the server's gRPC status text),
``message`` and ``request_id`` (None where they do not apply). Messages are
scrubbed of the API key before the exception exists: xAI echoes parts of a bad
key back, and tracebacks end up in shared notebooks.
"""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from ._accumulator import StreamAccumulator
    from ._http import httpx


class GrokError(Exception):
    """Base of every error raised by ``grok_jupyter.client``."""

    status_code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        return self.message


# --- refused before sending -------------------------------------------------


class InvalidRequestError(GrokError, ValueError):
    """The request was refused locally, before any money was spent."""


class MissingAPIKeyError(InvalidRequestError):
    """No API key was given, and ``XAI_API_KEY`` is not set."""


class UnsupportedParameterError(InvalidRequestError):
    """The model rejects a parameter (or a value of it)."""

    def __init__(self, message: str, *, parameter: str, model: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.model = model


class ImageInputError(InvalidRequestError):
    """An image cannot be sent: missing, unreadable, wrong format or too large."""


class InvalidValueError(InvalidRequestError):
    """A value no request may carry: NaN or infinity (JSON has neither), a lone
    surrogate (not encodable as UTF-8), or a number outside the API's bounds.
    ``parameter`` is where it is, e.g. ``"temperature"`` or ``"messages[2].content"``."""

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class InsecureBaseURLError(InvalidRequestError):
    """A plain ``http://`` base URL to another machine would send the key in clear text."""


class ContextWindowExceededError(InvalidRequestError):
    """The prompt (plus ``max_tokens``) cannot fit the model's context window."""

    def __init__(self, message: str, *, estimated_tokens: int, context_window: int) -> None:
        super().__init__(message)
        self.estimated_tokens = estimated_tokens
        self.context_window = context_window


class FileTooLargeError(InvalidRequestError):
    """A file is over the Files API's size limit; ``limit`` and ``size`` are in bytes."""

    def __init__(self, message: str, *, size: int, limit: int) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


class UnsupportedFileTypeError(InvalidRequestError):
    """A file is of a type the Files API does not read (``readable`` names the ones it does)."""

    def __init__(self, message: str, *, readable: tuple[str, ...]) -> None:
        super().__init__(message)
        self.readable = readable


class ModelNotBatchableError(InvalidRequestError):
    """The model does not take Batch API requests; ``batchable`` names models that do."""

    def __init__(self, message: str, *, model: str, batchable: tuple[str, ...]) -> None:
        super().__init__(message)
        self.model = model
        self.batchable = batchable


# --- transport --------------------------------------------------------------


class APIConnectionError(GrokError):
    """The server could not be reached, or dropped the connection before answering.

    ``request_sent``: whether the request may have reached the server (then it may
    have done, and billed, the work: a POST is not sent again blindly)."""

    request_sent = False


class AnswerLostError(APIConnectionError):
    """The request was sent, then the connection broke before any answer arrived.

    The server may have done the work and billed it, so the client does not send it
    again by itself (xAI documents no idempotency key that would make that safe).
    ``files.upload`` and ``batches.create`` look for what the lost call made first."""

    request_sent = True


class APITimeoutError(APIConnectionError):
    """Connecting or waiting for the answer took longer than the timeout."""


class DeadlineExceededError(APITimeoutError):
    """The call's overall ``deadline`` passed (retries and waits included).

    ``partial`` is the ``StreamAccumulator`` of a stream stopped by its deadline
    (what arrived before it), None for other calls."""

    def __init__(
        self,
        message: str,
        *,
        partial: StreamAccumulator | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.partial = partial


class ResponseBodyInterruptedError(APIConnectionError):
    """The server answered (``status_code``) but the connection broke inside the body,
    or the body could not be decoded (a broken compressed encoding).

    Never retried: the server has done the work and bills for it, so a retry
    would pay twice. ``request_id`` (when the server sent one) identifies the
    call in the console."""

    request_sent = True


class StreamInterruptedError(GrokError):
    """A stream broke after it began; ``partial`` holds what arrived before."""

    def __init__(self, message: str, *, partial: StreamAccumulator, request_id: str | None = None):
        super().__init__(message, request_id=request_id)
        self.partial = partial


# --- server answers ---------------------------------------------------------


class APIStatusError(GrokError):
    """The server answered with an error status (or an error body with 200)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, code=code, request_id=request_id)
        self.body = body
        # The server's Retry-After, on any status (xAI and proxies send it on 503 too).
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    status_code = 400


class AuthenticationError(APIStatusError):
    status_code = 401


class PermissionDeniedError(APIStatusError):
    status_code = 403


class NotFoundError(APIStatusError):
    status_code = 404


class GoneError(APIStatusError):
    status_code = 410


class UnprocessableEntityError(APIStatusError):
    status_code = 422


class RateLimitError(APIStatusError):
    status_code = 429


class InternalServerError(APIStatusError):
    status_code = 500


class ServiceUnavailableError(APIStatusError):
    status_code = 503


# --- warnings ---------------------------------------------------------------


class UnknownModelWarning(UserWarning):
    """The catalogue does not know the model; it is sent as is."""


class UnknownParameterWarning(UserWarning):
    """A keyword the client does not know; it is sent as is (the API may have added it)."""


class ImageDownscaledWarning(UserWarning):
    """An image was made smaller to fit the API's size limits."""


class BatchSupportUnknownWarning(UserWarning):
    """No source says whether the model takes Batch API requests; it is sent anyway."""


class ImageConvertedWarning(UserWarning):
    """An image was re-encoded (e.g. GIF or WebP to PNG) because the API takes JPEG/PNG only."""


# --- mapping ----------------------------------------------------------------

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    410: GoneError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    502: InternalServerError,
    503: ServiceUnavailableError,
    504: InternalServerError,
}

# xAI's ``code`` is a tonic gRPC status text; an error body that arrives with
# HTTP 200 has only this to say what kind of error it is.
_STATUS_BY_CODE: dict[str, int] = {
    "Client specified an invalid argument": 400,
    "The request does not have valid authentication credentials": 401,
    "The caller does not have permission to execute the specified operation": 403,
    "Some requested entity was not found": 404,
    "Some resource has been exhausted": 429,
    "Internal error": 500,
    "The service is currently unavailable": 503,
    "Deadline expired before operation could complete": 504,
}

REDACTED = "[redacted]"


def scrub(text: str, api_key: str | None) -> str:
    """``text`` with every form of ``api_key`` (plain, URL-encoded) replaced."""
    # A key of a few characters cannot be told apart from ordinary text.
    if not api_key or len(api_key) < 5 or not text:
        return text
    for form in {api_key, quote(api_key, safe=""), quote(api_key)}:
        text = text.replace(form, REDACTED)
    return text


def mask_key(api_key: str | None) -> str:
    """A display form that shows the key is set without revealing it."""
    if not api_key:
        return "None"
    return f"'{api_key[:4]}...{api_key[-2:]}'" if len(api_key) >= 12 else "'***'"


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or a date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        import time

        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, IndexError):
        return None


def _message_from_body(body: Any, fallback: str) -> tuple[str, str | None]:
    """(message, code) from xAI's ``{code, error}`` or OpenAI's ``{error: {message}}``."""
    if isinstance(body, dict):
        code = body.get("code")
        err = body.get("error")
        if isinstance(err, dict):  # OpenAI shape, tolerated
            code = code or err.get("code") or err.get("type")
            err = err.get("message")
        if err is None:
            err = body.get("message")
        if err is not None:
            return str(err), (str(code) if code is not None else None)
    return fallback, None


def status_error(
    status_code: int,
    body: Any,
    *,
    text: str = "",
    api_key: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> APIStatusError:
    """The typed error for an HTTP error answer (or a 200 whose body is an error)."""
    message, code = _message_from_body(body, text.strip() or f"HTTP {status_code}")
    message = scrub(message, api_key)
    effective = status_code
    if status_code < 400:  # an error body sent with 200: classify by its gRPC code
        effective = _STATUS_BY_CODE.get(code or "", 500)
    cls = _BY_STATUS.get(effective)
    if cls is None:
        cls = InternalServerError if effective >= 500 else APIStatusError
    if effective == 400 and "incorrect api key" in message.lower():
        cls = AuthenticationError  # xAI answers a bad key with 400, not 401
    kw: dict[str, Any] = {
        "status_code": status_code,
        "code": code,
        "request_id": request_id,
        "body": _scrub_body(body, api_key),
        "retry_after": retry_after,
    }
    shown = f"{message} (HTTP {status_code}{', ' + code if code else ''})"
    return cls(shown, **kw)


def _scrub_body(body: Any, api_key: str | None) -> Any:
    if not api_key or body is None:
        return body
    if isinstance(body, str):
        return scrub(body, api_key)
    try:
        return json.loads(scrub(json.dumps(body), api_key))
    except (TypeError, ValueError):
        return None
