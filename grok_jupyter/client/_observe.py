"""A hook that sees every HTTP response a transport receives, retried ones included.

The send loop retries a 429 by itself, so a caller that paces many requests
(the table map's adaptive limiter) would never learn of it from the result.
``observe_responses(fn)`` sets a context variable the transports call with each
response's status and headers; a context variable (not client state) keeps the
hook to the calls made inside the ``with`` block, or the asyncio tasks started
there, and costs one lookup a response when unused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# fn(status_code, headers): must be quick and must not raise.
ResponseObserver = Callable[[int, Any], None]

_observer: ContextVar[ResponseObserver | None] = ContextVar("grok_response_observer", default=None)


def notify(response: Any) -> None:
    """Called by the transports with each response, before its body is read."""
    fn = _observer.get()
    if fn is not None:
        try:
            fn(response.status_code, response.headers)
        except Exception:  # an observer never breaks a request
            pass


@contextmanager
def observe_responses(fn: ResponseObserver) -> Iterator[None]:
    """Call ``fn(status, headers)`` for every response received inside the block."""
    token = _observer.set(fn)
    try:
        yield
    finally:
        _observer.reset(token)
