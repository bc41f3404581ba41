"""Faults a test can switch on: by header, by the handle's queue, or by the admin endpoint.

``X-Emulator-Fault: name;key=value;...`` applies to that one request; queued
faults apply to the next API requests, one each, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# name -> default parameters
FAULTS: dict[str, dict[str, Any]] = {
    "rate_limit": {"retry_after": 1},
    "server_error": {},
    "unavailable": {},
    "bad_gateway": {},
    # xAI's error body ``{"code", "error"}`` sent with HTTP 200, on any route. ``status``:
    # the kind of error its gRPC ``code`` says (503 unavailable, 400 invalid argument,
    # 404 not found, 429 exhausted, 500 internal).
    "json_error_200": {"status": 503},
    "disconnect": {},
    "cut": {"after_chunks": 2},
    "malformed": {"after_chunks": 2},
    "slow_first_byte": {"delay": 1.0},
    "keepalive": {"count": 3},
    # Not in the contract's list: a pause before every stream event, so a
    # test can stop a stream half-way (Ctrl-C, the panel's Stop button).
    "slow_chunks": {"delay": 0.05},
    # Responses streams only: after ``after_chunks`` events the stream ends with a
    # ``response.failed`` event (xai-api-2026.md sections 2.5 and 2.6), then [DONE].
    # Applied where the events are built (``_responses_stream``); other streams ignore it.
    "response_failed": {"after_chunks": 8},
    # The request is answered in full (a chat or response generated and billed, a file
    # stored, a batch made), then the connection is dropped before any byte of the answer:
    # what a client sees when a reset hits after the server did the work.
    "reset_after_work": {},
    # A 200 whose body says ``content-encoding: gzip`` but is not gzip (an SSE stream when
    # the request asked for one): the client's decoder fails while reading it.
    "bad_encoding": {},
    # Responses streams only: the final ``response.completed`` (or ``.incomplete``) event
    # is left out; ``done=1`` still ends the body with ``data: [DONE]``, ``done=0`` just ends it.
    "no_completed": {"done": 1},
    # An answer with no text (a model that thought and said nothing), on chat and
    # Responses: the only way the emulator answers empty, so a test must ask for it.
    "empty_answer": {},
}

# These only change a stream; on any other response they are noted and ignored.
STREAM_FAULTS = frozenset({"cut", "malformed", "keepalive", "slow_chunks", "no_completed"})


@dataclass(frozen=True)
class Fault:
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in FAULTS:
            known = ", ".join(sorted(FAULTS))
            raise ValueError(f"unknown emulator fault {self.name!r}; known faults: {known}")
        unknown = set(self.params) - set(FAULTS[self.name])
        if unknown:
            raise ValueError(f"fault {self.name!r} takes no parameter {sorted(unknown)[0]!r}")

    def number(self, key: str) -> float:
        return float(self.params.get(key, FAULTS[self.name][key]))

    def count(self, key: str) -> int:
        return int(self.number(key))


def parse_fault_header(value: str) -> Fault:
    """``"cut;after_chunks=3"`` -> ``Fault("cut", {"after_chunks": "3"})``."""
    parts = [p.strip() for p in value.split(";") if p.strip()]
    if not parts:
        raise ValueError("empty X-Emulator-Fault header")
    name, *pairs = parts
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise ValueError(f"bad X-Emulator-Fault parameter {pair!r}: expected key=value")
        params[key.strip()] = raw.strip()
    fault = Fault(name, params)
    for key in params:  # fail now, not half-way through a response
        fault.number(key)
    return fault
