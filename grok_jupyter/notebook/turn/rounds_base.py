"""What a turn's rounds do alike on either API (``chat_rounds.py``, ``responses_rounds.py``).

``Rounds.run`` is what the loop (``engine.py``) calls; it hands the API's own
``_send_round`` one ``RoundCall``: where the answer goes and what to send it with.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...client._types import Message
    from .types import RoundOutcome, TurnObserver


@dataclass
class RoundCall:
    """One round in flight: the answer fills ``outcome``; ``params`` go with the request."""

    outcome: RoundOutcome
    params: dict[str, Any]
    observer: TurnObserver
    cancel: threading.Event | None


@contextmanager
def closed_by_stop(cancel: threading.Event | None, stream: Any) -> Iterator[None]:
    """While the block runs, a ``StopSignal`` closes ``stream`` the moment Stop is pressed."""
    attach = getattr(cancel, "attach", None)
    if attach is not None:
        attach(stream)
    try:
        yield
    finally:
        detach = getattr(cancel, "detach", None)
        if detach is not None:
            detach()


class Rounds:
    """The part of a turn's rounds both APIs share; ``params`` are the turn's options."""

    params: dict[str, Any]

    @property
    def tool_specs(self) -> list[Any]:
        return list(self.params.get("tools") or ())

    def run(
        self,
        outcome: RoundOutcome,
        pending: list[Message],
        *,
        answer_round: bool,
        observer: TurnObserver,
        cancel: threading.Event | None,
    ) -> None:
        """Send one round: the history and ``pending`` (what this turn added so far)."""
        params = dict(self.params)
        if answer_round:
            params["tool_choice"] = "none"  # the step limit was reached: answer now
        self._send_round(RoundCall(outcome, params, observer, cancel), pending)

    def _send_round(self, call: RoundCall, pending: list[Message]) -> None:
        raise NotImplementedError
