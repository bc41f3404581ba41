"""The Responses round: one ``/v1/responses`` request of a turn.

It owns what only this API has: ``previous_response_id`` chaining (the server
holds the turns, so only what is new goes) with the fallback to resending the
history when the stored response is gone (404), the translation of the neutral
messages into input items, and server-side tool activity, which it shows but
never runs. Kernel tools travel as ``function_call`` / ``function_call_output``
items, so they mix with server-side tools in one turn.

When the conversation holds a compaction (``compaction.py``), a request that
resends the history sends the compaction's items in place of the messages it
covers; if the API refuses them (400: made for another model, damaged), the full
history is sent instead and the compaction is set aside.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from ...client._errors import BadRequestError, GrokError, NotFoundError
from ...client._responses_request import chat_usage, tool_calls_of
from ...client._types import FunctionCall, Message, ToolCall
from .. import reattach
from ..attach_files import responses_content
from .empty_answer import EMPTY_ANSWER, is_empty_answer
from .guard import check_window
from .rounds_base import RoundCall, Rounds, closed_by_stop
from .server_activity import McpLines, describe_call, show_activity
from .types import STREAMING, RoundOutcome, TurnObserver

TEXT_DELTA = "response.output_text.delta"

if TYPE_CHECKING:
    from ...client import GrokClient
    from ..conversation import Conversation
    from .types import TurnRequest


def input_items(messages: list[Message]) -> list[dict[str, Any]]:
    """Neutral messages as Responses input items (system prompts go as ``instructions``)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "user":
            items.append({"role": "user", "content": responses_content(message)})
        elif message.role == "assistant":
            if message.text:
                items.append({"role": "assistant", "content": message.text})
            elif is_empty_answer(message):  # never sent empty (empty_answer.py)
                items.append({"role": "assistant", "content": EMPTY_ANSWER})
            for call in message.tool_calls or ():
                items.append({
                    "type": "function_call",
                    "call_id": call.id,
                    "name": call.function.name,
                    "arguments": call.function.arguments or "{}",
                })
        elif message.role == "tool":
            items.append({
                "type": "function_call_output",
                "call_id": message.tool_call_id or "",
                "output": message.text,
            })
    return items


def responses_params(params: dict[str, Any]) -> dict[str, Any]:
    """Chat-style options in Responses names (``max_tokens`` -> ``max_output_tokens``,
    ``response_format`` -> ``text.format``)."""
    out = dict(params)
    if "max_tokens" in out:
        out["max_output_tokens"] = out.pop("max_tokens")
    fmt = out.pop("response_format", None)
    if isinstance(fmt, dict):
        if fmt.get("type") == "json_schema":
            spec = dict(fmt.get("json_schema") or {})
            out["text"] = {"format": {"type": "json_schema", **spec}}
        else:
            out["text"] = {"format": {"type": fmt.get("type", "text")}}
    return out


def flat_tool(tool: Any) -> dict[str, Any]:
    """A chat-shaped function tool in the Responses API's flat shape."""
    wire = tool.to_wire() if hasattr(tool, "to_wire") else dict(tool)
    function = wire.get("function")
    if wire.get("type") == "function" and isinstance(function, dict):
        return {"type": "function", **function}
    return wire


class ResponsesRounds(Rounds):
    """Sends a turn's rounds over the Responses API, chained where the server can."""

    api = "responses"

    def __init__(
        self,
        client: GrokClient,
        request: TurnRequest,
        conversation: Conversation | None,
        instructions: str | None,
    ) -> None:
        self.client = client
        self.request = request
        self.instructions = instructions
        self.conversation = conversation
        self.full_history = conversation.messages if conversation is not None else []
        record = conversation.compaction if conversation is not None else None
        # A compaction's items stand in for the messages before its ``upto``.
        self.compacted: list[dict[str, Any]] = list(record.items or ()) if record else []
        self.history = self.full_history[record.upto:] if self.compacted else self.full_history
        self.refused: str | None = None  # why the API refused the compaction this turn
        self.notices: list[str] = []  # files uploaded again or gone (reattach.py)
        self.fits_checked = False  # the engine checked the first round's context already
        # The Responses API's x-grok-conv-id: a stable routing key per conversation, the
        # only way to reliable cache hits (xai-api-2026.md section 2.1, [V DOCS]).
        self.cache_key = conversation.conv_id if conversation is not None else None
        self.previous: str | None = None
        # Chain on the conversation's stored answer only while every turn since it went
        # there: a chat turn (or an edit) since then is not in the stored chain.
        if conversation is not None and conversation.response_id:
            if conversation.response_turns == len(conversation):
                self.previous = conversation.response_id
        self.chained_upto = 0  # pending[:chained_upto] is already in the stored chain
        self.params = responses_params(request.params)
        tools = [dict(t) for t in request.server_tools]
        if request.tools is not None and request.tools.names:
            tools += [flat_tool(t) for t in request.tools.tools]
        if tools:
            self.params["tools"] = tools

    def context(self, pending: list[Message]) -> list[Message]:
        system = [Message.system(self.instructions)] if self.instructions else []
        return system + self.history + pending

    def check_fits(self, pending: list[Message]) -> None:
        """Refuse a round that cannot fit the model's context window before sending it, as
        the client does for every chat request. Counted on the whole conversation: a
        chained round sends only what is new, but the server reads the stored turns too."""
        check_window(self.client, self.request, self.context(pending), self.tool_specs)

    def _send_round(self, call: RoundCall, pending: list[Message]) -> None:
        if self.fits_checked:
            self.fits_checked = False  # later rounds carry more: checked each time
        else:
            self.check_fits(pending)
        outcome = call.outcome
        chained = self.previous is not None
        if chained:
            try:
                self._send(call, input_items(pending[self.chained_upto:]), self.previous)
            except NotFoundError:
                # The stored response is gone (deleted, expired, another server): resend all.
                self.previous = None
                outcome.text = outcome.reasoning = ""
                chained = False
        if not chained:
            self._send_with_files(call, pending)
        if outcome.response_id and not outcome.stopped:
            self.previous = outcome.response_id
            self.chained_upto = len(pending) + 1  # the loop appends this round's message

    def _send_with_files(self, call: RoundCall, pending: list[Message]) -> None:
        """``_send_history``; when the server lost a file the history holds (404), it is
        uploaded again, or dropped and named (``reattach.py``), and the request sent again."""
        messages = [*self.full_history, *self.history, *pending]  # redaction may copy some
        retries = len(reattach.file_ids(messages))  # each retry mends at least one file
        while True:
            try:
                self._send_history(call, pending)
                return
            except reattach.FileGone as exc:
                notices = reattach.recover(self.client, exc, messages) if retries else None
                if notices is None:
                    raise
                retries -= 1
                self.notices += notices
                call.outcome.text = call.outcome.reasoning = ""

    def _send_history(self, call: RoundCall, pending: list[Message]) -> None:
        """The history (compacted when it can be) and ``pending``, without a chain."""
        try:
            self._send(call, [*self.compacted, *input_items(self.history + pending)], None)
        except BadRequestError as refused:
            if not self.compacted:
                raise
            # The compaction item was refused (made for another model, damaged, from
            # another server): send the full history. Only if that is accepted is the
            # compaction set aside; a 400 the full history gets too was not its fault.
            call.outcome.text = call.outcome.reasoning = ""
            self._send(call, input_items(self.full_history + pending), None)
            reason = " ".join(str(getattr(refused, "message", None) or refused).split())
            self.refused = reason
            self.compacted, self.history = [], self.full_history
            if self.conversation is not None:
                self.conversation.drop_compaction(f"refused by the API: {reason}")

    def _send(self, call: RoundCall, items: list[dict[str, Any]], previous: str | None) -> None:
        outcome, observer, cancel = call.outcome, call.observer, call.cancel
        common: dict[str, Any] = dict(
            model=self.request.model,
            instructions=self.instructions,
            previous_response_id=previous,
            prompt_cache_key=self.cache_key,
            source=self.request.source,
            **call.params,
        )
        responses = self.client.responses
        if not self.request.stream:
            response = responses.create(items, **common)
            lines = McpLines(observer)
            for n, server_call in enumerate(response.server_tool_calls):
                observer.on_status(describe_call(server_call))
                lines.update(server_call.id or f"#{n}", server_call, last=True)
            outcome.first_token_at = time.perf_counter()
            if response.reasoning_text:
                outcome.reasoning = response.reasoning_text
                observer.on_reasoning(response.reasoning_text)
            outcome.text = response.output_text
            if outcome.text:
                observer.on_text(outcome.text)
            self._finish(outcome, response, list(response.citations))
            return
        events = responses.stream(items, **common)
        with closed_by_stop(cancel, events), events:
            acc = events.accumulator
            self._read(events, acc, outcome, observer, cancel)
            if outcome.stopped:
                outcome.usage = chat_usage(acc.usage) if acc.usage is not None else None
                outcome.model = acc.model
                return
            response = acc.to_response()
            lines = McpLines(observer)
            for key, server_call in acc.server_tool_calls.items():
                lines.update(key, server_call, last=True)
            self._finish(outcome, response, list(acc.citations) or list(response.citations))

    @staticmethod
    def _read(
        events: Any,
        acc: Any,
        outcome: RoundOutcome,
        observer: TurnObserver,
        cancel: threading.Event | None,
    ) -> None:
        shown: dict[str, str] = {}
        lines = McpLines(observer)
        streaming = False
        # Bound once: this loop runs for every event of the answer.
        text_parts, reasoning_parts = outcome.text_parts, outcome.reasoning_parts
        on_text, on_reasoning = observer.on_text, observer.on_reasoning
        try:
            for event in events:
                if cancel is not None and cancel.is_set():
                    break
                kind = event.type
                if kind == TEXT_DELTA:
                    parts, show = text_parts, on_text
                elif kind.endswith(".delta") and kind.startswith("response.reasoning"):
                    parts, show = reasoning_parts, on_reasoning
                else:
                    if acc.server_tool_calls:
                        show_activity(acc.server_tool_calls, shown, lines, observer)
                    continue
                delta = event.delta  # every ``….delta`` event is a DeltaEvent
                if not delta:
                    continue
                if not streaming:  # the first token, answer or reasoning, as on chat
                    streaming = True
                    outcome.first_token_at = time.perf_counter()
                    observer.on_status(STREAMING)
                parts.append(delta)
                show(delta)
        except GrokError:
            if cancel is None or not cancel.is_set():
                raise  # the loop keeps what had arrived (outcome.text)
        # Closing the stream between events ends the loop quietly; an answer that
        # completed before Stop was seen is kept whole.
        if cancel is not None and cancel.is_set() and not acc.finished:
            outcome.stopped = True

    @staticmethod
    def _finish(outcome: RoundOutcome, response: Any, citations: list[Any]) -> None:
        outcome.usage = chat_usage(response.usage) if response.usage is not None else None
        outcome.model = response.model or None
        outcome.response_id = response.id or None
        outcome.cut = response.status == "incomplete"
        outcome.citations = citations
        outcome.tool_counts = tool_calls_of(response.usage, list(response.output or ()))
        outcome.tool_calls = [
            ToolCall(id=call.call_id or call.id or f"call_{n}",
                     function=FunctionCall(name=call.name, arguments=call.arguments or "{}"))
            for n, call in enumerate(response.function_calls)
        ]
