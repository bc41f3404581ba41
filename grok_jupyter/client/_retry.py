"""When a failed attempt is retried, how long to wait, and the clock of one call.

Retry policy (``should_retry`` and ``transport_error``):
* retried: 429, 500, 502, 503, 504, an error body sent with HTTP 200 that
  maps to one of those, and failures before the request was sent (connection
  refused, connect and pool timeouts), since then the server did no work;
* a failure after the request was sent (a reset or a drop before the answer,
  a read or write timeout) is retried only for idempotent calls (GETs and
  tokenize). A POST is not sent again: the server may have done the work and
  billed it (a reset after the model answered), and xAI documents no
  idempotency key that would make a resend safe (xai-api*.md say nothing of
  one), so it is ``AnswerLostError`` (``request_sent``, "may have been billed");
* never once a success status has arrived: a 200 whose body breaks is a
  ``ResponseBodyInterruptedError`` (the server did the work and bills for
  it), and a stream whose first chunk reached the caller is never re-sent;
* delays: exactly ``Retry-After`` when the server sends it, on any retryable
  status; otherwise exponential backoff with full jitter, ``uniform(0,
  min(max, base * 2**attempt))``;
* budget: one call sleeps at most ``max_retry_wait`` seconds in total between
  retries, and never past its ``deadline``; a wait that would cross either is
  not taken, and the last error goes to the caller.
"""

from __future__ import annotations

import random
import time

from . import _errors
from ._errors import (
    AnswerLostError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    DeadlineExceededError,
    GrokError,
    RateLimitError,
    ResponseBodyInterruptedError,
    scrub,
)
from ._http import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class CallClock:
    """The time budget of one call: its deadline, and the retry waiting left to it."""

    __slots__ = ("deadline", "end", "max_wait", "waited")

    def __init__(self, deadline: float | None, max_wait: float) -> None:
        self.deadline = deadline
        self.end = time.monotonic() + deadline if deadline is not None else None
        self.max_wait = max_wait
        self.waited = 0.0

    def remaining(self) -> float | None:
        return None if self.end is None else self.end - time.monotonic()

    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def timeout(self, base: httpx.Timeout) -> httpx.Timeout:
        """``base`` with every phase cut to the time left before the deadline."""
        left = self.remaining()
        if left is None:
            return base
        left = max(left, 0.001)

        def cap(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cap(base.connect),
            read=cap(base.read),
            write=cap(base.write),
            pool=cap(base.pool),
        )

    def cap_reads(self, request: httpx.Request) -> None:
        """Before a body is read: each read waits no longer than the time left now.

        httpcore2 reads the request's ``timeout`` extension when the body starts,
        so this narrows the cap set when the request was sent."""
        left = self.remaining()
        timeouts = request.extensions.get("timeout")
        if left is not None and isinstance(timeouts, dict):
            read = timeouts.get("read")
            timeouts["read"] = max(left, 0.001) if read is None else min(read, max(left, 0.001))

    def may_wait(self, delay: float) -> bool:
        if self.waited + delay > self.max_wait:
            return False
        return self.end is None or time.monotonic() + delay < self.end

    def exceeded(
        self, what: str, *, partial: object = None, request_id: str | None = None
    ) -> DeadlineExceededError:
        kept = ""
        if partial is not None:
            chars = len(getattr(partial, "content", "") or "")
            kept = f"; the partial answer ({chars} chars) is in .partial"
        return DeadlineExceededError(
            f"{what} did not finish within its deadline of {self.deadline:g} s{kept}. "
            "Pass a longer deadline= (per call or on the client), or None for no limit.",
            partial=partial,  # type: ignore[arg-type]
            request_id=request_id,
        )


def should_retry(error: GrokError) -> bool:
    """Whether an error answer is worth another attempt."""
    if isinstance(error, APIStatusError):
        if error.status_code in RETRY_STATUSES:
            return True
        # An error body sent with 200: judge it by the kind of error it is.
        return error.status_code == 200 and isinstance(
            error,
            (RateLimitError, _errors.InternalServerError, _errors.ServiceUnavailableError),
        )
    return False


def is_retryable(error: BaseException, *, idempotent: bool = False) -> bool:
    """Whether the client would send a request again after ``error``.

    The one policy, public for callers that run their own retries (the table map):
    error answers by ``should_retry``; transport failures only when the request was
    not sent, or when the call is ``idempotent`` (GETs) and its answer did not start."""
    if isinstance(error, APIStatusError):
        return should_retry(error)
    if isinstance(error, (DeadlineExceededError, ResponseBodyInterruptedError)):
        return False
    if isinstance(error, APIConnectionError):
        return idempotent or not error.request_sent
    return False


# Failures before a byte of the request left: the server cannot have seen it.
_BEFORE_SENDING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)


def transport_error(
    exc: Exception, *, idempotent: bool, base_url: str, api_key: str | None, clock: CallClock
) -> tuple[GrokError, bool]:
    """(typed error, whether a retry is safe) for an httpx exception before any answer."""
    why = scrub(str(exc) or type(exc).__name__, api_key)
    error: APIConnectionError
    if isinstance(exc, httpx.TimeoutException):
        if clock.expired():
            return clock.exceeded(f"The request to {base_url}"), False
        early = isinstance(exc, _BEFORE_SENDING)
        phase = "connecting to" if early else "waiting for an answer from"
        billed = "" if early or idempotent else "." + _MAY_BE_BILLED
        error = APITimeoutError(f"Timed out {phase} {base_url}: {why}{billed}")
        error.request_sent = not early
    elif isinstance(exc, _BEFORE_SENDING) or (idempotent and isinstance(exc, httpx.TransportError)):
        error = APIConnectionError(f"Could not reach {base_url}: {why}")
        error.request_sent = not isinstance(exc, _BEFORE_SENDING)
    else:
        error = AnswerLostError(
            f"The request was sent to {base_url}, then the connection broke before the "
            f"answer arrived ({why}).{_MAY_BE_BILLED}"
        )
    return error, is_retryable(error, idempotent=idempotent)


_MAY_BE_BILLED = (
    " The server may have done the work and billed it, so it was not sent again "
    "(a second send could pay twice). Check the usage in the xAI console, or send it "
    "again yourself if you want an answer."
)


def backoff_delay(attempt: int, error: GrokError, *, base: float, cap: float) -> float:
    """Seconds before retry number ``attempt + 1``: the server's Retry-After, else jitter."""
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        return float(retry_after)
    return random.uniform(0.0, min(cap, base * (2**attempt)))


def forget_locals(exc: BaseException | None) -> None:
    """Clear the locals of the finished library frames under ``exc`` and its chain.

    httpcore2 and h11 hold the raw request (its Authorization header) in their
    locals while writing it; a traceback printer that shows locals would show
    the key. The frames stay (file, line, function); only their locals go.
    """
    import traceback

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)  # skips frames still running
        exc = exc.__cause__ or exc.__context__
