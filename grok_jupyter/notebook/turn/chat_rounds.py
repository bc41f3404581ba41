"""The Chat Completions round: one ``/v1/chat/completions`` request of a turn.

The loop (``engine.py``) hands it the neutral messages to send; it streams the
answer into a ``RoundOutcome`` and the observer. Nothing here commits or prices.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from ...client._errors import GrokError
from .empty_answer import sendable
from .rounds_base import RoundCall, Rounds, closed_by_stop
from .types import STREAMING, RoundOutcome, TurnObserver

if TYPE_CHECKING:
    from ...client import GrokClient
    from ...client._types import Message
    from .types import TurnRequest


def _for_request(message: Message) -> Message:
    # Earlier reasoning is shown to the user but not sent again: it would only cost tokens.
    if message.reasoning_content:
        message = message.model_copy(update={"reasoning_content": None})
    return sendable(message)  # an empty answer goes as a placeholder (empty_answer.py)


class ChatRounds(Rounds):
    """Sends a turn's rounds over Chat Completions (history resent every round)."""

    api = "chat"
    fits_checked = False  # unused here: the client checks each chat request's window itself

    def __init__(
        self,
        client: GrokClient,
        request: TurnRequest,
        history: list[Message],
        conv_id: str | None,
    ) -> None:
        self.client = client
        self.request = request
        self.history = [_for_request(m) for m in history]
        self.conv_id = conv_id
        self.params = dict(request.params)
        if request.tools is not None and request.tools.names:
            self.params.setdefault("tools", request.tools.tools)

    def context(self, pending: list[Message]) -> list[Message]:
        """Everything a round sends (for estimates when its usage never came)."""
        return self.history + [_for_request(m) for m in pending]

    def _send_round(self, call: RoundCall, pending: list[Message]) -> None:
        outcome, observer, cancel = call.outcome, call.observer, call.cancel
        messages = self.context(pending)
        request = self.request
        common: dict[str, Any] = dict(
            model=request.model, source=request.source, conv_id=self.conv_id, **call.params
        )
        if not request.stream:
            completion = self.client.chat(messages, **common)
            message = completion.message
            outcome.first_token_at = time.perf_counter()
            if message.reasoning_content:
                outcome.reasoning = message.reasoning_content
                observer.on_reasoning(message.reasoning_content)
            if message.text:
                outcome.text = message.text
                observer.on_text(message.text)
            self._finish(outcome, completion)
            return
        stream = self.client.stream(messages, **common)
        with closed_by_stop(cancel, stream), stream:
            self._read(stream, outcome, observer, cancel)
            self._finish(outcome, stream.accumulator.to_completion())

    @staticmethod
    def _read(
        stream: Any, outcome: RoundOutcome, observer: TurnObserver, cancel: threading.Event | None
    ) -> None:
        streaming = False
        try:
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    break
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta
                if (delta.reasoning_content or delta.content) and not streaming:
                    streaming = True
                    outcome.first_token_at = time.perf_counter()
                    observer.on_status(STREAMING)
                if delta.reasoning_content:
                    outcome.reasoning_parts.append(delta.reasoning_content)
                    observer.on_reasoning(delta.reasoning_content)
                if delta.content:
                    outcome.text_parts.append(delta.content)
                    observer.on_text(delta.content)
        except GrokError:
            if cancel is None or not cancel.is_set():
                raise  # the loop keeps what had arrived (outcome.text)
        except KeyboardInterrupt:
            stream.close()
            raise
        # Stop may close the stream between chunks, which ends the loop quietly.
        if cancel is not None and cancel.is_set():
            outcome.stopped = True

    @staticmethod
    def _finish(outcome: RoundOutcome, completion: Any) -> None:
        message = completion.message
        outcome.usage = completion.usage
        outcome.model = completion.model or None
        outcome.cut = completion.finish_reason == "length"
        outcome.tool_calls = list(message.tool_calls or [])
