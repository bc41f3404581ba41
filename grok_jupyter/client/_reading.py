"""Reading an answer: the body (to a deadline), then a value or its typed error.

Shared by the sync and async transports; only ``read_body`` / ``aread_body``
do I/O. The body is read in pieces, so a server trickling bytes cannot hold a
call past its deadline, and a break inside the body of a success is told
apart from a server that never answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from . import _errors
from ._errors import (
    APIStatusError,
    GrokError,
    ResponseBodyInterruptedError,
    scrub,
    status_error,
)
from ._http import httpx
from ._retry import CallClock, should_retry

T = TypeVar("T")


def is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/event-stream")


def request_id_of(response: httpx.Response) -> str | None:
    return response.headers.get("x-request-id")


def read_body(response: httpx.Response, clock: CallClock) -> None:
    """Read the whole body into ``response.content``; DeadlineExceededError past the deadline."""
    clock.cap_reads(response.request)
    chunks = []
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        if clock.expired():
            response.close()
            raise clock.exceeded(_what(response), request_id=request_id_of(response))
    # What ``Response.read()`` does; reading piece by piece is what lets the deadline in.
    response._content = b"".join(chunks)


async def aread_body(response: httpx.Response, clock: CallClock) -> None:
    clock.cap_reads(response.request)
    chunks = []
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        if clock.expired():
            await response.aclose()
            raise clock.exceeded(_what(response), request_id=request_id_of(response))
    response._content = b"".join(chunks)


def _what(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"


def body_error(
    response: httpx.Response, exc: Exception, *, api_key: str | None, clock: CallClock
) -> tuple[GrokError, bool]:
    """(error, retry?) for a transport failure while reading the body of ``response``."""
    status = response.status_code
    rid = request_id_of(response)
    if clock.expired():
        return clock.exceeded(_what(response), request_id=rid), False
    why = scrub(str(exc) or type(exc).__name__, api_key)
    if status >= 400:
        # An error status did no billable work: judge it by its status, as if its body were empty.
        err = status_error(
            status,
            None,
            text=f"HTTP {status} {response.reason_phrase} (its body was cut: {why})",
            api_key=api_key,
            request_id=rid,
            retry_after=_errors.parse_retry_after(response.headers),
        )
        return err, should_retry(err)
    shown = f", request id {rid}" if rid else ""
    broke = (
        "its body could not be decoded (a broken "
        f"{response.headers.get('content-encoding') or 'compressed'} encoding: "
        if isinstance(exc, httpx.DecodingError)
        else "the connection broke while the answer was being read ("
    )
    return (
        ResponseBodyInterruptedError(
            f"The server answered (HTTP {status}{shown}) but {broke}{why}). "
            "Not retried: the server has done the work "
            "and bills for it, so a retry would pay twice. Send the request again if you "
            "want a new answer.",
            status_code=status,
            request_id=rid,
        ),
        False,
    )


# xAI's error body, ``{"code": ..., "error": ...}`` (or OpenAI's ``{"error": {...}}``),
# which the API sometimes sends with HTTP 200. Only bodies this small are looked at:
# an answer (a batch's results page, a file) is never taken for one.
_ERROR_BODY_MAX = 8192
_ERROR_KEYS = frozenset({"code", "error"})


def is_error_body(content: bytes) -> bool:
    """Whether a 2xx body is an error body: only ``error`` (a non-empty text or object),
    and ``code``. A response object's ``"error": null`` is not one."""
    if len(content) > _ERROR_BODY_MAX or b'"error"' not in content:
        return False
    try:
        body = json.loads(content)
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and bool(body.get("error"))
        and isinstance(body["error"], (str, dict))
        and set(body) <= _ERROR_KEYS
    )


def status_error_of(response: httpx.Response, api_key: str | None) -> APIStatusError:
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
        text=scrub(text, api_key),
        api_key=api_key,
        request_id=request_id_of(response),
        retry_after=_errors.parse_retry_after(response.headers),
    )


def not_a_stream(response: httpx.Response, api_key: str | None) -> GrokError:
    """The error for a 2xx answer to a stream request that is not SSE (body read)."""
    err = status_error_of(response, api_key)
    if isinstance(err.body, dict) and "error" in err.body:
        return err  # xAI's error body sent with 200 in place of a stream
    ctype = response.headers.get("content-type") or "no content type"
    return APIStatusError(
        f"Expected an event stream, got {ctype}: {err.message}",
        status_code=response.status_code,
        request_id=err.request_id,
    )


def parse_answer(
    response: httpx.Response, parse: Callable[[httpx.Response], T], api_key: str | None
) -> T:
    """``parse`` the 2xx answer; an error body sent with 200 becomes its typed error."""
    try:
        return parse(response)
    except (ValidationError, ValueError, KeyError, TypeError):
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict) and "error" in body:
            raise status_error_of(response, api_key) from None
        shown = scrub(response.text[:200], api_key)
        raise APIStatusError(
            f"Unexpected answer from {response.request.url.path}: {shown!r}",
            status_code=response.status_code,
            request_id=request_id_of(response),
        ) from None


def answer(
    response: httpx.Response,
    parse: Callable[[httpx.Response], T] | None,
    api_key: str | None,
) -> T:
    """The value of a read answer, or raise its typed error (``parse`` None: a stream request)."""
    if response.status_code >= 400 or is_error_body(response.content):
        raise status_error_of(response, api_key)
    if parse is None:
        raise not_a_stream(response, api_key)
    return parse_answer(response, parse, api_key)
