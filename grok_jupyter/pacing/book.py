"""The pace of one account: when the next requests may start, from what the API said.

A rate limit bounds how many requests *start* each second; how many are in flight
follows from it (rate x answer time), so pacing the starts is what keeps a long
job at the limit without tripping it, whatever the answer time.

``PaceBook`` is pure state: no I/O and no clock of its own (every call is given
``now``, wall-clock seconds, so a book kept in another process, a Ray actor or a
Dask scheduler's metadata, means the same thing to every sender). Everything
that sends for one account shares one book; each sender folds in what its
responses said (``fold``) and takes start times from it (``reserve``).

How the rate is known, best evidence first:

1. ``x-ratelimit-limit-requests`` (per minute; [U] on api.x.ai, the emulator and
   OpenAI-style APIs send it): the ceiling is that rate, a hair under it.
   ``x-ratelimit-limit-tokens`` with the tokens a request takes bounds it too.
   ``x-ratelimit-remaining-requests`` says how many more the server admits now:
   at 0, nothing starts until ``x-ratelimit-reset-requests``; above a margin, a
   surplus of more than ``CREDIT_MIN_S`` of the rate may start at once (a fresh
   sliding minute); a token bucket of about a second is left to the pace.
   While the remaining requests are below that margin the pace drops to
   ``LOW_PACE`` of the ceiling, so the server's bucket refills instead of
   hovering at empty (where any jitter is a 429).
2. A 429 without those headers: the rate halves and grows back additively
   (AIMD); nothing starts until its ``Retry-After`` has passed, jittered so
   several senders do not return at the same instant. With the headers, a 429
   pauses only until the next request fits (``x-ratelimit-reset-requests``),
   with room for the rate-limited requests, which are retried through the pace.
3. Nothing yet (the first answers are not back): the rate starts at
   ``START_RATE`` and doubles every ``PROBE_DOUBLING_S`` up to
   ``PROBE_MAX_RATE``, then grows slowly, until a limit shows. Blind doubling
   past that would put hundreds of requests on the wire before the first 429
   comes back from a limit the account does not have.

``halt(run, reason)`` stops every sender of one job (an API key the server
refused will not get better); other jobs on the same account go on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

START_RATE = 16.0  # requests a second before anything is known
PROBE_DOUBLING_S = 0.2  # while probing, the rate doubles this often...
PROBE_MAX_RATE = 200.0  # ...up to this (12,000 a minute); then it grows as after a cut
MAX_RATE = 100_000.0
MIN_RATE = 0.05  # one request every 20 s, the slowest a 429 storm can push it
SAFETY = 0.99  # pace a hair under the advertised rate: clocks and networks jitter
LOW_PACE = 0.95  # the share of the ceiling used while the server's headroom is low
CUT_INTERVAL_S = 1.0  # a burst of 429s is one event: one cut a second at most
RECOVERY_PER_S = 0.1  # after a cut, the rate grows back by this share of the ceiling a second
AIMD_GROWTH_PER_S = 0.05  # without a ceiling: +5% a second
BURST_S = 0.1  # unused pace a sender may catch up on at once
CREDIT_MARGIN_S = 0.25  # of the server's remaining requests, this much of a second's rate is left
CREDIT_TTL_S = 1.0  # a remaining-requests reading is trusted this long
# Only a surplus of more than this much of the ceiling starts at once (a fresh sliding
# minute holds up to 60 s of it). A token bucket of about a second refills at the pace
# itself; bursting it gains under a second and, read by a busy client whose readings
# lag, tips it over (429s).
CREDIT_MIN_S = 3.0
RECENT_S = 2.0  # start times kept, to tell which a remaining-requests reading has seen
# Starts given this recently may not have reached the server when it made a reading: a
# busy client takes a while from start time to wire. Counting them as unseen keeps the
# credit from being granted again by every reading that has not seen it spent yet.
UNSEEN_S = 0.5
IDLE_S = 1.0  # a book unused this long does not count the pause as probing time
JITTER = 0.2  # a 429 pause is stretched by up to this share, at random
RETRY_WINDOW_S = 1.0  # 429s this recent still wait for their retry

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def parse_duration(value: str | None) -> float | None:
    """``"1.5s"``, ``"250ms"``, ``"1m30s"`` or a bare number of seconds -> seconds."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    parts = _DURATION.findall(value)
    if not parts:
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def limits_from_headers(headers: Mapping[str, str] | Any) -> dict[str, float | None]:
    """The ``x-ratelimit-*`` readings of one response (None where a header is absent)."""
    return {
        "limit_requests": _number(headers.get("x-ratelimit-limit-requests")),
        "remaining_requests": _number(headers.get("x-ratelimit-remaining-requests")),
        "reset_requests": parse_duration(headers.get("x-ratelimit-reset-requests")),
        "limit_tokens": _number(headers.get("x-ratelimit-limit-tokens")),
        "remaining_tokens": _number(headers.get("x-ratelimit-remaining-tokens")),
        "reset_tokens": parse_duration(headers.get("x-ratelimit-reset-tokens")),
    }


@dataclass
class PaceBook:
    """The shared pace of one account. Observations are plain dicts (they cross processes):

    * ``{"kind": "limits", "at": t, **limits_from_headers(h)}``: a response's headers;
    * ``{"kind": "429", "at": t, "retry_after": s, **limits}``: a rate-limited answer;
    * ``{"kind": "tokens", "requests": n, "tokens": k}``: what answers used;
    * ``{"kind": "halt", "run": id, "reason": text}``: stop one job's senders.
    """

    rate: float = START_RATE  # requests a second now
    probing: bool = True  # nothing learned yet: the rate doubles
    ceiling: float | None = None  # requests a second the headers allow
    token_ceiling: float | None = None  # tokens a second the headers allow
    tokens_per_request: float | None = None
    next_free: float = 0.0  # the pace's next free start (wall clock)
    paused_until: float = 0.0
    last_grow: float = 0.0
    last_cut: float = -1e9
    last_used: float = -1e9
    credit: float = 0.0  # starts the server admits beyond the pace, as of credit_at
    credit_at: float = -1e9
    reading_at: float = -1e9  # the newest remaining-requests reading folded in
    low: bool = False  # the newest reading was below the margin: pace at LOW_PACE
    rate_limited: int = 0  # 429s every sender reported
    recent_429: list[float] = field(default_factory=list)  # their times, last RETRY_WINDOW_S
    recent: list[float] = field(default_factory=list)  # start times given, last RECENT_S
    halted: dict[str, str] = field(default_factory=dict)  # run id -> why it stopped

    # --- state that crosses processes -------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PaceBook:
        if not data:
            return cls()
        book = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        book.recent = list(book.recent)  # msgpack and friends hand back tuples
        book.recent_429 = list(book.recent_429)
        book.halted = dict(book.halted)
        return book

    # --- what senders report ------------------------------------------------------

    def fold(self, obs: Mapping[str, Any], now: float) -> None:
        kind = obs.get("kind")
        if kind == "limits":
            self._limits(obs, now)
        elif kind == "429":
            self._rate_limited(obs, now)
        elif kind == "tokens":
            n, tokens = obs.get("requests") or 0, obs.get("tokens") or 0
            if n > 0:
                each = tokens / n
                old = self.tokens_per_request
                self.tokens_per_request = each if old is None else 0.8 * old + 0.2 * each
        elif kind == "halt":
            self.halted[str(obs.get("run"))] = str(obs.get("reason") or "stopped")

    def _limits(self, obs: Mapping[str, Any], now: float) -> None:
        limit = obs.get("limit_requests")
        if limit:
            self.ceiling = min(float(limit) / 60.0 * SAFETY, MAX_RATE)
            if self.probing:
                self.probing = False
                self.rate = self.ceiling
                self.last_grow = now
        tokens = obs.get("limit_tokens")
        if tokens:
            self.token_ceiling = float(tokens) / 60.0 * SAFETY
        at = float(obs.get("at") or now)
        remaining = obs.get("remaining_requests")
        if remaining is not None and at >= self.reading_at:
            self.reading_at = at
            margin = 2.0 + CREDIT_MARGIN_S * (self.ceiling or 0.0)
            self.low = remaining < margin
            if remaining <= 0:
                reset = obs.get("reset_requests") or 0.0
                self.paused_until = max(self.paused_until, at + reset)
                self.credit = 0.0
            elif self.ceiling and remaining < CREDIT_MIN_S * self.ceiling:
                self.credit = 0.0  # a bucket of a second or so: the pace uses it, no burst
            else:
                # Starts given since the server made this reading are not in it yet.
                unseen = sum(1 for t in self.recent if t >= at - UNSEEN_S)
                self.credit = max(0.0, remaining - margin - unseen)
                self.credit_at = now
        if obs.get("remaining_tokens") is not None and obs["remaining_tokens"] <= 0:
            self.paused_until = max(self.paused_until, at + (obs.get("reset_tokens") or 0.0))

    def _rate_limited(self, obs: Mapping[str, Any], now: float) -> None:
        self.rate_limited += 1
        self.credit = 0.0
        self.low = True
        at = float(obs.get("at") or now)
        self.recent_429 = [t for t in self.recent_429 if t >= at - RETRY_WINDOW_S] + [at]
        retry_after = obs.get("retry_after")
        retry_after = 1.0 if retry_after is None else float(retry_after)
        was_probing = self.probing
        if obs.get("limit_requests") is not None:
            self._limits({**obs, "kind": "limits", "remaining_requests": None}, now)
        if self.ceiling:
            # The headers say when the next request fits (Retry-After is rounded up); the
            # rate-limited requests are sent again through the pace, like any other, so
            # each recent 429 leaves a start's worth of room for its retry.
            waits = [len(self.recent_429) / self.ceiling]
            if (obs.get("remaining_requests") or 0) <= 0 and obs.get("reset_requests"):
                waits.append(float(obs["reset_requests"]))
            if (obs.get("remaining_tokens") or 1) <= 0 and obs.get("reset_tokens"):
                waits.append(float(obs["reset_tokens"]))
            pause = max(waits)
        else:
            pause = retry_after * (1.0 + random.uniform(0.0, JITTER))
        self.paused_until = max(self.paused_until, at + pause + 0.01)
        if now - self.last_cut < CUT_INTERVAL_S:
            return
        self.last_cut = now
        self.last_grow = now
        if was_probing:
            self.probing = False
            # The doubling overshot: the last rate that passed was half this one.
            self.rate = self.ceiling if self.ceiling else max(MIN_RATE, self.rate / 2)
        else:
            self.rate = max(MIN_RATE, self.rate * (0.9 if self.ceiling else 0.5))

    # --- the pace -------------------------------------------------------------------

    def current_rate(self, now: float) -> float:
        """The rate now (requests a second), grown for the time since it last grew."""
        if now - self.last_used > IDLE_S:
            self.last_grow = now  # an idle book has learned nothing meanwhile
        elapsed = max(0.0, now - self.last_grow)
        if self.probing and self.rate < PROBE_MAX_RATE:
            steps = int(elapsed / PROBE_DOUBLING_S)
            if steps:
                self.rate = min(PROBE_MAX_RATE, self.rate * 2.0**steps)
                self.last_grow += steps * PROBE_DOUBLING_S
        elif elapsed > 0:
            step = RECOVERY_PER_S * self.ceiling if self.ceiling else AIMD_GROWTH_PER_S * self.rate
            self.rate += step * elapsed
            self.last_grow = now
        cap = self.ceiling * (LOW_PACE / SAFETY if self.low else 1.0) if self.ceiling else MAX_RATE
        if self.token_ceiling and self.tokens_per_request:
            cap = min(cap, self.token_ceiling / max(self.tokens_per_request, 1.0))
        self.rate = max(MIN_RATE, min(self.rate, cap))
        return self.rate

    def reserve(self, n: int, now: float, run: str | None = None) -> list[float]:
        """``n`` start times (wall clock) for one sender; empty once its job is halted."""
        if run is not None and run in self.halted:
            return []
        rate = self.current_rate(now)
        self.last_used = now
        if now - self.credit_at > CREDIT_TTL_S:
            self.credit = 0.0
        t = max(self.next_free, now - BURST_S, self.paused_until)
        slots: list[float] = []
        for _ in range(max(0, n)):
            if self.credit >= 1.0 and now >= self.paused_until and t > now:
                slots.append(now)  # the server said it admits more right now
                self.credit -= 1.0
                continue
            slots.append(t)
            t += 1.0 / rate
        self.next_free = t
        self.recent = [s for s in self.recent if s >= now - RECENT_S] + slots
        return slots

    def halted_reason(self, run: str | None) -> str | None:
        return self.halted.get(run) if run is not None else None
