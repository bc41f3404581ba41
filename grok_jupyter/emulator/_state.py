"""What the emulator remembers: requests, queued faults, deferred results, limits, images.

One ``EmulatorState`` is shared by the server thread and the test thread, so
every access goes through its lock.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ._batch_runner import BatchRunner
from ._faults import Fault
from ._file_store import FileStore
from ._pacing import Speed, SpeedSpec
from ._responses_store import ResponsesStore

WINDOW_SECONDS = 60.0
# Reported (never enforced) when no limit is set: headers are informational.
NOMINAL_RPM = 1_000_000
NOMINAL_TPM = 1_000_000_000
# The recorded-request log keeps the newest requests within both bounds.
MAX_RECORDED = 10_000
MAX_RECORDED_BYTES = 64 * 1024 * 1024
# Bodies over this get 413 unread. The OAS gives 50 MB only for /v1/files; no
# limit for JSON bodies is recorded, so the same figure is used: [U].
MAX_BODY_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """One API request as received. ``Authorization`` is redacted."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    fault: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


RATE_WINDOWS = ("sliding", "smooth")


class RateLimiter:
    """Requests and tokens per minute.

    ``rate_window`` says how the request limit is enforced:

    * ``"sliding"`` (default): at most ``rpm`` requests in any sliding minute, so a
      fresh minute admits ``rpm`` requests at once;
    * ``"smooth"``: a token bucket refilled at ``rpm / 60`` a second that holds about
      one second's worth (at least one request), so a long run is paced at the rate.

    How the real API meters bursts within its minute is [U] (its docs give only RPM
    and TPM per model); the two modes bracket the plausible behaviours. The token
    limit is a sliding minute in both modes.
    """

    def __init__(
        self, rpm: int | None = None, tpm: int | None = None, rate_window: str = "sliding"
    ) -> None:
        if rate_window not in RATE_WINDOWS:
            raise ValueError(f"rate_window must be 'sliding' or 'smooth', got {rate_window!r}")
        self.rpm = rpm
        self.tpm = tpm
        self.rate_window = rate_window
        self._requests: deque[float] = deque()
        self._tokens: deque[tuple[float, int]] = deque()
        # smooth mode: requests the bucket still holds, as of ``_stamp`` (None: full)
        self._bucket: float | None = None
        self._stamp = 0.0

    @property
    def smooth(self) -> bool:
        return self.rate_window == "smooth" and self.rpm is not None

    def _burst(self) -> float:
        assert self.rpm is not None
        return max(1.0, self.rpm / 60.0)

    def _refill(self, now: float) -> float:
        """Smooth mode: the bucket's level now (it refills at rpm/60 a second)."""
        assert self.rpm is not None
        burst = self._burst()
        if self._bucket is None:
            self._bucket = burst
        else:
            self._bucket = min(burst, self._bucket + (now - self._stamp) * self.rpm / 60.0)
        self._stamp = now
        return self._bucket

    def _trim(self, now: float) -> None:
        while self._requests and self._requests[0] <= now - WINDOW_SECONDS:
            self._requests.popleft()
        while self._tokens and self._tokens[0][0] <= now - WINDOW_SECONDS:
            self._tokens.popleft()

    def admit(self, now: float) -> float | None:
        """Count a request; return seconds to wait instead if a limit is reached."""
        self._trim(now)
        if self.smooth:
            assert self.rpm is not None
            level = self._refill(now)
            if level < 1.0:
                return (1.0 - level) * 60.0 / self.rpm  # until the next whole request
        elif self.rpm is not None and len(self._requests) >= self.rpm:
            return self._requests[0] + WINDOW_SECONDS - now
        used = sum(n for _, n in self._tokens)
        if self.tpm is not None and used >= self.tpm:
            return self._tokens[0][0] + WINDOW_SECONDS - now
        if self.smooth:
            self._bucket = (self._bucket or 0.0) - 1.0
        else:
            self._requests.append(now)
        return None

    def add_tokens(self, now: float, tokens: int) -> None:
        self._tokens.append((now, tokens))

    def _request_headers(self, now: float, rpm: int) -> tuple[int, float]:
        """(remaining, seconds until one more request is admitted) for the request limit."""
        if self.smooth:
            level = self._refill(now)
            burst = self._burst()
            if level >= burst:
                return int(level), 0.0
            # the next whole request: the fraction of one still missing, at rpm/60 a second
            whole = math.floor(level)
            return whole, (1.0 - (level - whole)) * 60.0 / rpm
        reset = self._requests[0] + WINDOW_SECONDS - now if self._requests else 0.0
        return max(rpm - len(self._requests), 0), reset

    def headers(self, now: float) -> dict[str, str]:
        self._trim(now)
        rpm = self.rpm if self.rpm is not None else NOMINAL_RPM
        tpm = self.tpm if self.tpm is not None else NOMINAL_TPM
        used = sum(n for _, n in self._tokens)
        remaining_req, reset_req = self._request_headers(now, rpm)
        reset_tok = self._tokens[0][0] + WINDOW_SECONDS - now if self._tokens else 0.0
        return {
            "x-ratelimit-limit-requests": str(rpm),
            "x-ratelimit-remaining-requests": str(remaining_req),
            "x-ratelimit-reset-requests": f"{max(reset_req, 0.0):.3f}s",
            "x-ratelimit-limit-tokens": str(tpm),
            "x-ratelimit-remaining-tokens": str(max(tpm - used, 0)),
            "x-ratelimit-reset-tokens": f"{max(reset_tok, 0.0):.3f}s",
        }

    def clear(self) -> None:
        self._requests.clear()
        self._tokens.clear()
        self._bucket = None


@dataclass
class _Deferred:
    body: dict[str, Any]
    polls_left: int


class EmulatorState:
    def __init__(
        self,
        *,
        api_keys: Iterable[str] | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        rate_window: str = "sliding",
        deferred_pending_polls: int = 1,
        max_recorded: int = MAX_RECORDED,
        max_recorded_bytes: int = MAX_RECORDED_BYTES,
        max_body_bytes: int = MAX_BODY_BYTES,
        speed: SpeedSpec = "instant",
    ) -> None:
        self._lock = threading.Lock()
        self.max_recorded = max_recorded
        self.max_recorded_bytes = max_recorded_bytes
        self.max_body_bytes = max_body_bytes
        self._recorded_bytes = 0
        self.api_keys = frozenset(api_keys) if api_keys is not None else None
        self.deferred_pending_polls = deferred_pending_polls
        self._configured_limits = (rpm, tpm, rate_window)
        self._limiter = RateLimiter(rpm, tpm, rate_window)
        self._requests: deque[tuple[RecordedRequest, int]] = deque()
        self._faults: deque[Fault] = deque()
        self._script: deque[dict[str, Any]] = deque()  # emu.script(): exact model turns
        self._deferred: dict[str, _Deferred] = {}
        self._images: dict[str, bytes] = {}
        self.responses = ResponsesStore()  # /v1/responses: stored responses, corpus
        self.retired = "redirect"  # serve(retired=...): "redirect" or "error" (404)
        self.files = FileStore()  # /v1/files; serve(max_file_bytes=...)
        self.batches = BatchRunner()  # /v1/batches; serve(batch_delay=...)
        # How fast answers come (serve(speed=...), emu.set_speed): swapped whole, read per request.
        self._configured_speed = Speed(speed)
        self.speed = self._configured_speed
        # Signs the compaction items this emulator hands out (/v1/responses/compact), so only
        # its own, unchanged, come back in. Per process: kept across reset().
        self.compaction_secret = secrets.token_bytes(32)
        # What the emulator billed (usage.cost_in_usd_ticks of every answer it generated),
        # so a test can check that a ledger, even one merged across processes, adds up.
        self._billed_ticks = 0
        self._billed_calls = 0

    # --- auth ----------------------------------------------------------------

    def key_accepted(self, key: str) -> bool:
        if self.api_keys is None:
            return key.startswith("xai-")
        return key in self.api_keys

    # --- requests and faults -------------------------------------------------

    def record(self, request: RecordedRequest, size: int = 0) -> None:
        """Keep ``request`` (``size``: its body's bytes); drop the oldest beyond the bounds."""
        with self._lock:
            self._requests.append((request, size))
            self._recorded_bytes += size
            while self._requests and (
                len(self._requests) > self.max_recorded
                or self._recorded_bytes > self.max_recorded_bytes
            ):
                self._recorded_bytes -= self._requests.popleft()[1]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r, _ in self._requests]

    def inject(self, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._faults.extend([fault] * times)

    def next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def queue_script(self, items: Iterable[Any]) -> int:
        """Queue scripted model turns (``_script.checked_item`` forms); returns how many are
        queued now. Every item is checked before any is queued."""
        from ._script import checked_item

        checked = [checked_item(item) for item in items]
        with self._lock:
            self._script.extend(checked)
            return len(self._script)

    def next_script(self) -> dict[str, Any] | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def reset(self) -> None:
        """Forget requests, queued faults, added pages and posts, uploaded files and
        batches; restore the limits and speed ``serve()`` was given. ``emu.reset()`` and
        ``POST /_emulator/reset`` both come here."""
        self.speed = self._configured_speed
        with self._lock:
            self._requests.clear()
            self._recorded_bytes = 0
            self._faults.clear()
            self._script.clear()
            self._limiter = RateLimiter(*self._configured_limits)
            self._billed_ticks = 0
            self._billed_calls = 0
        self.responses.corpus.restore_baseline()
        self.files.clear()
        self.batches.clear()

    # --- billing -------------------------------------------------------------

    def bill(self, ticks: int) -> None:
        """Count one generated answer's ``cost_in_usd_ticks``."""
        with self._lock:
            self._billed_ticks += int(ticks)
            self._billed_calls += 1

    @property
    def billed(self) -> dict[str, int]:
        """``{"ticks": ..., "calls": ...}`` since start or the last ``reset()``."""
        with self._lock:
            return {"ticks": self._billed_ticks, "calls": self._billed_calls}

    # --- speed -----------------------------------------------------------------

    def set_speed(self, speed: SpeedSpec) -> None:
        """Pace answers from now on (``_pacing``: "instant", "realistic" or a mapping)."""
        self.speed = Speed(speed)

    # --- rate limits ---------------------------------------------------------

    def set_limits(self, rpm: int | None = None, tpm: int | None = None) -> None:
        with self._lock:
            self._limiter.rpm = rpm
            self._limiter.tpm = tpm

    def admit(self) -> float | None:
        """None if admitted, else the Retry-After: whole seconds, rounded up, at least 1
        (the real header's format is [U]; whole seconds as HTTP's delay-seconds).
        In smooth mode that is 1 s although the next request fits sooner; the
        x-ratelimit-reset-requests header says exactly when."""
        with self._lock:
            wait = self._limiter.admit(time.monotonic())
        return None if wait is None else float(max(1, math.ceil(wait)))

    def add_tokens(self, tokens: int) -> None:
        with self._lock:
            self._limiter.add_tokens(time.monotonic(), tokens)

    def rate_headers(self) -> dict[str, str]:
        with self._lock:
            return self._limiter.headers(time.monotonic())

    # --- deferred completions ------------------------------------------------

    def put_deferred(self, request_id: str, body: dict[str, Any]) -> None:
        with self._lock:
            self._deferred[request_id] = _Deferred(body, self.deferred_pending_polls)

    def poll_deferred(self, request_id: str) -> tuple[str, dict[str, Any] | None]:
        """``("pending", None)``, ``("done", body)`` exactly once, then ``("gone", None)``."""
        with self._lock:
            entry = self._deferred.get(request_id)
            if entry is None:
                return "gone", None
            if entry.polls_left > 0:
                entry.polls_left -= 1
                return "pending", None
            del self._deferred[request_id]
            return "done", entry.body

    # --- generated images ----------------------------------------------------

    def put_image(self, name: str, data: bytes) -> None:
        with self._lock:
            self._images[name] = data

    def get_image(self, name: str) -> bytes | None:
        with self._lock:
            return self._images.get(name)
