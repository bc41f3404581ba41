"""How fast the emulator answers: at once (the default, for tests) or at a model's pace.

``serve(speed=...)``, ``--speed`` and ``emu.set_speed(...)`` take:

* ``"instant"``: no waiting at all;
* ``"realistic"``: each model's time to first token and output speed, from public
  measurements (``MEASURED``), the xAI average for a model without its own figure;
* a mapping (or ``"key=value,..."`` text) with any of ``ttft_s`` (seconds before the
  first token), ``tokens_per_s`` (then this many output tokens a second) and
  ``answer_s`` (the whole answer, last token included, takes exactly this long from
  the request's arrival, whatever its length): one pace for every model.

A streamed answer sends each token event at its time; a plain answer comes whole when
its last token would have. Tokens are the answer's output tokens, reasoning included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INSTANT = "instant"
REALISTIC = "realistic"

# Seconds to the first answer token, output tokens a second. All [U] for today's API:
# third-party measurements of the models they name, through other providers at times.
MEASURED: dict[str, tuple[float, float]] = {
    # Artificial Analysis, via benchlm.ai's speed table (updated 2026-04-07): "Grok 4.20",
    # median 233 tokens/s, 10.34 s to the first answer chunk (reasoning included).
    "grok-4.20-0309-reasoning": (10.34, 233.0),
    # BridgeBench speedbench, "Grok 4.20 (Non-Reasoning)": median 243.3 tokens/s, TTFT 1,999 ms.
    "grok-4.20-0309-non-reasoning": (2.0, 243.3),
    # No figure found; the single-agent reasoning model's is the nearest [U].
    "grok-4.20-multi-agent-0309": (10.34, 233.0),
}
# Artificial Analysis via benchlm.ai (2026-04-07): xAI's average over its five measured
# models, 157 tokens/s and 6 s to the first token. Used for grok-4.3, 4.5, 4.6, 4.7 and
# any other model without a figure of its own [U].
XAI_AVERAGE: tuple[float, float] = (6.0, 157.0)

_KEYS = ("ttft_s", "tokens_per_s", "answer_s")


@dataclass(frozen=True)
class Pace:
    """When an answer's tokens go out, counted from the request's arrival."""

    ttft_s: float = 0.0
    tokens_per_s: float | None = None  # None: every token right after the first
    answer_s: float | None = None  # the last token at exactly this time

    def offsets(self, tokens: int) -> list[float]:
        """The time (seconds after arrival) of each of ``tokens`` token events."""
        if tokens <= 0:
            return []
        if self.answer_s is not None:
            if tokens == 1:
                return [self.answer_s]
            first = min(self.ttft_s, self.answer_s)
            step = (self.answer_s - first) / (tokens - 1)
            return [first + i * step for i in range(tokens)]
        step = 1.0 / self.tokens_per_s if self.tokens_per_s else 0.0
        return [self.ttft_s + i * step for i in range(tokens)]

    def total(self, tokens: int) -> float:
        """When an answer of ``tokens`` output tokens is complete (a plain reply is sent)."""
        times = self.offsets(tokens)
        if times:
            return times[-1]
        return self.answer_s if self.answer_s is not None else self.ttft_s


SpeedSpec = str | Mapping[str, Any] | Pace | None


def _number(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"speed {key} must be a number, got {value!r}") from None
    if number < 0 or (key == "tokens_per_s" and number == 0):
        raise ValueError(f"speed {key} must be positive, got {value!r}")
    return number


def _pace_from(mapping: Mapping[str, Any]) -> Pace:
    unknown = set(mapping) - set(_KEYS)
    if unknown:
        raise ValueError(
            f"unknown speed key {sorted(unknown)[0]!r}; use ttft_s, tokens_per_s or answer_s"
        )
    values = {k: _number(k, v) for k, v in mapping.items() if v is not None}
    return Pace(**values)


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(
                f"speed must be 'instant', 'realistic' or key=value pairs "
                f"(ttft_s, tokens_per_s, answer_s), got {text!r}"
            )
        pairs[key.strip()] = value.strip()
    return pairs


class Speed:
    """A speed profile: no pacing, the measured one per model, or one fixed ``Pace``."""

    def __init__(self, spec: SpeedSpec = INSTANT) -> None:
        self.realistic = False
        self.fixed: Pace | None = None
        if spec is None or spec == INSTANT:
            return
        if spec == REALISTIC:
            self.realistic = True
        elif isinstance(spec, Pace):
            self.fixed = spec
        elif isinstance(spec, Mapping):
            self.fixed = _pace_from(spec)
        elif isinstance(spec, str):
            self.fixed = _pace_from(_pairs(spec))
        else:
            raise ValueError(f"speed must be 'instant', 'realistic' or a mapping, got {spec!r}")

    @property
    def instant(self) -> bool:
        return not self.realistic and self.fixed is None

    def pace_for(self, model_id: str) -> Pace | None:
        """The pace of ``model_id``'s answers (the answering model's id), None: at once."""
        if self.fixed is not None:
            return self.fixed
        if not self.realistic:
            return None
        ttft, rate = MEASURED.get(model_id, XAI_AVERAGE)
        return Pace(ttft_s=ttft, tokens_per_s=rate)

    def describe(self) -> dict[str, Any]:
        """What ``GET /_emulator/speed`` shows."""
        if self.fixed is not None:
            return {"profile": "fixed", **{k: getattr(self.fixed, k) for k in _KEYS}}
        return {"profile": REALISTIC if self.realistic else INSTANT}


def event_times(pace: Pace | None, token_flags: list[bool]) -> list[float] | None:
    """When to send each stream event (seconds after arrival), or None to send at once.

    ``token_flags``: which events carry an output token. The others go with the token
    before them (those before the first token at once); with no token at all, the last
    event goes when an empty answer is complete.
    """
    if pace is None:
        return None
    count = sum(token_flags)
    if count == 0:
        return [0.0] * (len(token_flags) - 1) + [pace.total(0)] if token_flags else []
    offsets = iter(pace.offsets(count))
    times: list[float] = []
    last = 0.0
    for carries_token in token_flags:
        if carries_token:
            last = next(offsets)
        times.append(last)
    return times


async def wait_for_answer(pace: Pace | None, tokens: int, started: float) -> None:
    """Hold a plain (not streamed) reply until its last token would have been generated."""
    if pace is None:
        return
    delay = started + pace.total(tokens) - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
