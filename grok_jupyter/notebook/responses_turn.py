"""One user turn over the Responses API (``/v1/responses``), for server-side tools.

Same observer protocol as ``run_turn``: ``on_status`` tells what a server-side
tool is doing ("searching X for …"), ``on_text`` / ``on_reasoning`` stream the
answer. A named conversation chains with ``previous_response_id`` (kept on the
``Conversation``) and, when that stored response is gone (404), the turn is
sent again with the whole history instead.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..client._errors import GrokError, InvalidRequestError, NotFoundError
from ..client._types import CompletionTokensDetails, Message, PromptTokensDetails, Usage
from .turn import STREAMING, WAITING, TurnObserver, TurnResult, _cost_usd

if TYPE_CHECKING:
    from ..client import GrokClient
    from ..client._responses_types import Citation, ResponseUsage, ServerToolCall
    from .conversation import Conversation


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
    if call.type == "mcp_call":
        return f"calling {call.name or 'an MCP tool'} on {call.server_label or 'MCP'}…"
    return f"{(call.name or call.type).replace('_', ' ')}…"


def _history_items(conversation: Conversation | None, system: str | None) -> list[dict[str, Any]]:
    """Earlier turns as Responses input messages (text only; tool plumbing left out)."""
    if conversation is None:
        return []
    items: list[dict[str, Any]] = []
    for message in conversation.request_messages(None):
        if message.role not in ("user", "assistant", "system") or not message.text:
            continue
        items.append({"role": message.role, "content": message.text})
    return items


def _user_item(user: Message) -> dict[str, Any]:
    return {"role": "user", "content": user.text}


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
    source: str = "magic",
) -> ResponsesTurnResult:
    """Take one Responses turn; commits the user and assistant messages to ``conversation``."""
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
        if chain:
            # The server holds the history: only the new message goes.
            return _one(client, [_user_item(user)], model, instructions, previous, kwargs,
                        stream, observer, result, started, source)
        items = [*_history_items(conversation, None), _user_item(user)]
        return _one(client, items, model, instructions, None, kwargs,
                    stream, observer, result, started, source)

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
    except InvalidRequestError:
        raise
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
) -> Any:
    """One request; fills ``result.text``, ``reasoning`` and ``citations``; returns the Response."""
    common = dict(model=model, instructions=instructions, previous_response_id=previous,
                  source=source, **kwargs)
    if not stream:
        response = client.responses.create(items, **common)
        for call in response.server_tool_calls:
            observer.on_status(describe_call(call))
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
    streaming = False
    with client.responses.stream(items, **common) as events:
        acc = events.accumulator
        for event in events:
            kind = event.type
            delta = getattr(event, "delta", None)
            if kind == "response.output_text.delta" and delta:
                if not streaming:
                    streaming = True
                    result.ttft_s = time.perf_counter() - started
                    observer.on_status(STREAMING)
                result.text += delta
                observer.on_text(delta)
            elif kind.startswith("response.reasoning") and kind.endswith(".delta") and delta:
                result.reasoning += delta
                observer.on_reasoning(delta)
            elif acc.server_tool_calls:
                for key, call in acc.server_tool_calls.items():
                    line = describe_call(call)
                    if shown.get(key) != line:
                        shown[key] = line
                        observer.on_status(line)
        response = acc.to_response()
    result.citations = list(acc.citations) or list(response.citations)
    return response
