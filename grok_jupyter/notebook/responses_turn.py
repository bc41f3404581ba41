"""One user turn over the Responses API (``/v1/responses``), for server-side tools.

Same observer protocol as ``run_turn``: ``on_status`` tells what a server-side
tool is doing ("searching X for …"), ``on_text`` / ``on_reasoning`` stream the
answer. A named conversation chains with ``previous_response_id`` (kept on the
``Conversation``) and, when that stored response is gone (404), the turn is
sent again with the whole history instead. ``cancel`` stops a turn as in
``run_turn``: the stream closes at once and the partial answer is kept, marked.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..client._errors import GrokError, InvalidRequestError, NotFoundError, StreamInterruptedError
from ..client._types import CompletionTokensDetails, Message, PromptTokensDetails, Usage
from .attach_files import has_files, responses_content
from .conversation import INTERRUPTED_MARKER
from .turn import STREAMING, WAITING, TurnObserver, TurnResult, _cost_usd, _estimate

if TYPE_CHECKING:
    from ..client import GrokClient
    from ..client._responses_types import Citation, ResponseUsage, ServerToolCall
    from .conversation import Conversation


class _Stopped(Exception):
    """``cancel`` was set mid-stream; carries the stream's accumulator (usage, if any came)."""

    def __init__(self, partial: Any) -> None:
        super().__init__("stopped")
        self.partial = partial


@dataclass
class ResponsesTurnResult(TurnResult):
    """A ``TurnResult`` with the sources the answer cites and the stored response id."""

    citations: list[Citation] = field(default_factory=list)
    response_id: str | None = None


def _usage(usage: ResponseUsage | None) -> Usage | None:
    # Responses counts reasoning inside output_tokens; chat's Usage keeps it apart.
    if usage is None:
        return None
    reasoning = usage.reasoning_tokens
    return Usage(
        prompt_tokens=usage.input_tokens,
        completion_tokens=max(0, usage.output_tokens - reasoning),
        total_tokens=usage.total_tokens,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=usage.cached_tokens),
        completion_tokens_details=CompletionTokensDetails(reasoning_tokens=reasoning),
        num_sources_used=usage.num_sources_used,
        cost_in_usd_ticks=usage.cost_in_usd_ticks,
    )


def describe_call(call: ServerToolCall) -> str:
    """A status line for a server-side tool call: "searching X for …", "running code"."""
    args: dict[str, Any] = {}
    for raw in (call.input, call.arguments):
        if raw:
            try:
                loaded = json.loads(raw)
            except ValueError:
                continue
            if isinstance(loaded, dict):
                args = loaded
                break
    action = call.action or {}
    query = str(args.get("query") or action.get("query") or "").strip()
    suffix = f" for {query}…" if query else "…"
    if call.type == "web_search_call":
        return f"searching the web{suffix}"
    if call.type == "custom_tool_call" and (call.name or "").startswith("x_"):
        return f"searching X{suffix}"
    if call.type == "code_interpreter_call":
        return "running code…"
    if call.type == "file_search_call" or (call.name or "").startswith("attachment"):
        # attachment_search: xAI runs it by itself over input_file parts (section 3.1).
        queries = getattr(call, "queries", None) or []
        if not query and queries and isinstance(queries[0], str):
            suffix = f" for {queries[0].strip()}…"
        return f"searching the attached files{suffix}"
    if call.type == "mcp_call":
        return f"calling {call.name or 'an MCP tool'} on {call.server_label or 'MCP'}…"
    return f"{(call.name or call.type).replace('_', ' ')}…"


class _McpLines:
    """MCP calls as tool lines (``on_tool_call`` / ``on_tool_result``), as kernel tools
    show: an MCP call has a name, arguments and an output worth keeping in the answer's
    display, where a search is only a passing status line."""

    def __init__(self, observer: TurnObserver) -> None:
        self.observer = observer
        self.calls: dict[str, Any] = {}  # item id -> the ToolCall shown
        self.answered: set[str] = set()

    def update(self, key: str, call: ServerToolCall, *, last: bool = False) -> None:
        """Show what ``call`` adds; ``last``: the stream is over, answer it as it stands."""
        from ..client._types import FunctionCall, ToolCall
        from .tools import ToolResult

        if call.type != "mcp_call" or not call.name:
            return
        status = call.status or ""
        # A failed call's error comes with output_item.done, after the status event.
        final = status in ("completed", "failed", "incomplete") and (
            last or call.output is not None or call.error is not None
        )
        if key not in self.calls and (call.arguments or final):
            label = call.server_label or ""
            # A label like "docs" reads well before the tool's name; a host:port does not.
            name = f"{label}.{call.name}" if label.replace("-", "_").isidentifier() else call.name
            function = FunctionCall(name=name, arguments=call.arguments or "{}")
            self.calls[key] = ToolCall(id=key, function=function)
            self.observer.on_tool_call(self.calls[key])
        if final and key in self.calls and key not in self.answered:
            self.answered.add(key)
            output = call.output if isinstance(call.output, str) else json.dumps(call.output)
            error = None if call.error is None else str(call.error)
            if status != "completed" and error is None:
                error = f"the MCP call is {status}"
            self.observer.on_tool_result(
                ToolResult(
                    call=self.calls[key], value=call.output, output=output or "", error=error
                )
            )


def _history_items(conversation: Conversation | None) -> list[dict[str, Any]]:
    """Earlier turns as Responses input messages (text only; tool plumbing left out)."""
    if conversation is None:
        return []
    items: list[dict[str, Any]] = []
    for message in conversation.request_messages(None):
        if message.role == "user" and has_files(message):
            items.append(_user_item(message))  # the attached files go again
            continue
        if message.role not in ("user", "assistant", "system") or not message.text:
            continue
        items.append({"role": message.role, "content": message.text})
    return items


def _user_item(user: Message) -> dict[str, Any]:
    # Text, images and attached files (input_file parts: attachment_search reads them).
    return {"role": "user", "content": responses_content(user)}


def run_responses_turn(
    user: Message,
    *,
    conversation: Conversation | None,
    client: GrokClient,
    model: str | None = None,
    system: str | None = None,
    tools: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
    stream: bool = True,
    observer: TurnObserver | None = None,
    cancel: threading.Event | None = None,
    source: str = "magic",
) -> ResponsesTurnResult:
    """Take one Responses turn; commits the user and assistant messages to ``conversation``.

    ``cancel``: setting it stops a streamed turn (a ``turn.StopSignal`` also closes the
    connection at once); the partial answer is committed marked ``INTERRUPTED_MARKER``,
    ``result.interrupted`` is true and, when no usage came, it is counted locally
    (``result.usage_estimated``). The next turn then resends the history.
    """
    observer = observer or TurnObserver()
    result = ResponsesTurnResult(model=model)
    started = time.perf_counter()
    previous = None
    if conversation is not None and conversation.response_id:
        # A chat turn (or the panel) since then is not in the stored chain: resend instead.
        if conversation.response_turns == len(conversation):
            previous = conversation.response_id
    kwargs: dict[str, Any] = dict(params or {})
    if tools:
        kwargs["tools"] = tools
    instructions = system if system is not None else (conversation.system if conversation else None)

    def send(chain: bool) -> Any:
        # Chained, the server holds the history: only the new message goes.
        items = [_user_item(user)] if chain else [*_history_items(conversation), _user_item(user)]
        return _one(
            client,
            items,
            model,
            instructions,
            previous if chain else None,
            kwargs,
            stream,
            observer,
            result,
            started,
            source,
            cancel,
        )

    def commit_partial(partial: Any = None) -> None:
        # As run_turn does: what had arrived is kept, marked. The stored response (if
        # any) holds more than the user saw, so the next turn resends the history
        # instead of chaining: ``response_turns`` is left behind ``len(conversation)``.
        result.interrupted = True
        result.latency_s = time.perf_counter() - started
        result.usage = _usage(getattr(partial, "usage", None))
        if result.usage is None:  # no usage came: counted locally, as run_turn does
            # The whole context is billed, chained or not: a previous_response_id
            # prepends the stored turns (xai-api-2026.md section 8.7).
            sent = (
                conversation.request_messages(instructions)
                if conversation is not None
                else ([Message.system(instructions)] if instructions else [])
            )
            result.usage = _estimate([*sent, user], {}, result.text, result.reasoning)
            result.usage_estimated = True
        result.steps = 1
        # The stream's own model echo, when it came before the stop.
        result.model = (
            result.model or getattr(partial, "model", None) or client.catalog.default_chat_model
        )
        result.cost_usd = _cost_usd(result.model, result.usage)
        if conversation is not None:
            conversation.append(user, Message.assistant(result.text + INTERRUPTED_MARKER))
            conversation.add_cost(result.cost_usd)
            conversation.end_turn(result)  # the (estimated) usage is kept with the turn

    observer.on_status(WAITING)
    try:
        try:
            response = send(previous is not None)
        except NotFoundError:
            if previous is None:
                raise
            # The stored response is gone (deleted, expired, another server): resend history.
            result.text = result.reasoning = ""
            response = send(False)
    except _Stopped as stop:  # ``cancel`` was set: what arrived is kept, marked
        commit_partial(stop.partial)
        return result
    except KeyboardInterrupt:
        commit_partial()
        raise
    except InvalidRequestError:
        raise
    except StreamInterruptedError as exc:  # response.failed, or a cut, mid-answer
        result.error = exc
        commit_partial(exc.partial)
        return result
    except GrokError as exc:
        result.error = exc  # nothing committed: the turn can be retried as it was
        result.latency_s = time.perf_counter() - started
        return result

    result.model = response.model or model
    result.response_id = response.id or None
    result.usage = _usage(response.usage)
    result.cut = response.status == "incomplete"
    result.steps = 1
    result.latency_s = time.perf_counter() - started
    result.cost_usd = _cost_usd(result.model, result.usage)
    if conversation is not None:
        if result.model:
            conversation.model = result.model
        conversation.response_id = result.response_id
        conversation.append(user, Message.assistant(result.text))
        conversation.response_turns = len(conversation)
        conversation.add_cost(result.cost_usd)
        conversation.end_turn(result)  # usage, model and citations, kept with the turn
    return result


def _one(
    client: GrokClient,
    items: list[dict[str, Any]],
    model: str | None,
    instructions: str | None,
    previous: str | None,
    kwargs: dict[str, Any],
    stream: bool,
    observer: TurnObserver,
    result: ResponsesTurnResult,
    started: float,
    source: str,
    cancel: threading.Event | None = None,
) -> Any:
    """One request; fills ``result.text``, ``reasoning`` and ``citations``; returns the Response.

    Raises ``_Stopped`` when ``cancel`` is set before a streamed answer completed."""
    common = dict(
        model=model,
        instructions=instructions,
        previous_response_id=previous,
        source=source,
        **kwargs,
    )
    if not stream:
        response = client.responses.create(items, **common)
        lines = _McpLines(observer)
        for n, call in enumerate(response.server_tool_calls):
            observer.on_status(describe_call(call))
            lines.update(call.id or f"#{n}", call, last=True)
        if response.reasoning_text:
            result.reasoning = response.reasoning_text
            observer.on_reasoning(response.reasoning_text)
        result.text = response.output_text
        result.ttft_s = time.perf_counter() - started
        if result.text:
            observer.on_text(result.text)
        result.citations = list(response.citations)
        return response

    shown: dict[str, str] = {}
    lines = _McpLines(observer)
    streaming = False
    events = client.responses.stream(items, **common)
    attach = getattr(cancel, "attach", None)
    if attach is not None:
        attach(events)  # a StopSignal closes this connection the moment Stop is pressed
    try:
        with events:
            acc = events.accumulator
            # Ctrl-C leaves this block through ``with``, which closes the connection at
            # once; ``result.text`` already holds every delta that arrived.
            try:
                for event in events:
                    if cancel is not None and cancel.is_set():
                        raise _Stopped(acc)
                    kind = event.type
                    delta = getattr(event, "delta", None)
                    if kind == "response.output_text.delta" and delta:
                        if not streaming:
                            streaming = True
                            result.ttft_s = time.perf_counter() - started
                            observer.on_status(STREAMING)
                        result.text += delta
                        observer.on_text(delta)
                    elif kind.startswith("response.reasoning") and kind.endswith(".delta"):
                        if delta:
                            result.reasoning += delta
                            observer.on_reasoning(delta)
                    elif acc.server_tool_calls:
                        for key, call in acc.server_tool_calls.items():
                            line = describe_call(call)
                            if shown.get(key) != line:
                                shown[key] = line
                                observer.on_status(line)
                            lines.update(key, call)
            except GrokError:
                if cancel is not None and cancel.is_set():
                    raise _Stopped(acc) from None  # Stop closed the connection under us
                raise
            # Closing the stream between events ends the loop quietly; an answer that
            # completed before Stop was seen is kept whole.
            if cancel is not None and cancel.is_set() and not acc.finished:
                raise _Stopped(acc)
            response = acc.to_response()
            for key, call in acc.server_tool_calls.items():
                lines.update(key, call, last=True)
    finally:
        detach = getattr(cancel, "detach", None)
        if detach is not None:
            detach()
    result.citations = list(acc.citations) or list(response.citations)
    return response
