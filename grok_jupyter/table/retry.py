"""The map's retries: the client's own policy, but every attempt goes through the pacer.

The map's client sends each attempt once (``max_retries=0``); the retries are
the map's, so a 429 is sent again only when the account's pace allows it (the
client alone would retry every rate-limited request after the same
``Retry-After``, all at once, on top of the paced starts). What is retried,
and after how long, is what the client itself would decide (its public policy,
``grok_jupyter.client.is_retryable`` and ``backoff_delay``): 429s always, after
the pacer's pause; 5xx and error bodies the client retries, and connection
failures before the request was sent, after
the client's jittered back-off, up to the client's ``max_retries``. A POST
that timed out waiting for its answer, whose connection broke after it was
sent (``AnswerLostError``), or whose answer was cut or could not be decoded,
is not retried: the server may have done (and billed) the work.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..client import RateLimitError, backoff_delay, is_retryable

MAX_RATE_LIMITED = 8  # a row answered 429 this often in a row is failed, not sent again


@dataclass(frozen=True)
class RetryPolicy:
    """The caller's client's retry settings, applied by the map."""

    max_retries: int
    backoff: float
    backoff_max: float

    def delay(self, exc: BaseException, attempt: int, rate_limited: int) -> float | None:
        """Seconds to wait before sending the row again (0: now, paced), or None: fail it.

        ``attempt``: other failures of this row so far; ``rate_limited``: its 429s so far.
        """
        if isinstance(exc, RateLimitError):
            return 0.0 if rate_limited < MAX_RATE_LIMITED else None
        if attempt >= self.max_retries or not is_retryable(exc):
            return None
        return backoff_delay(attempt, exc, base=self.backoff, cap=self.backoff_max)  # type: ignore[arg-type]
