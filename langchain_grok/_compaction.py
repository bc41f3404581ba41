"""ChatGrok's automatic compaction, with ``use_previous_response_id=True``.

Such a call chains on the last answer: the server holds everything up to it and
only the newer messages are sent. When that would make a prompt reach the model's
long-context tier (200,000 tokens on the 2026 models, where every token of the
request costs more) or 80% of its context window, whichever is lower, the
messages the server holds are first compacted (``client.responses.compact``) and
the call sends the compaction's items and the newer messages, unchained. The
answer it gives is stored as usual, so the next call chains on the compacted
conversation. The size held by the server is the last answer's own usage
(input plus output tokens), so a compacted conversation is not compacted again.

The answer's ``response_metadata["compaction"]`` says what happened:
``{"tokens_before", "tokens_after", "cost_usd"}``, or ``{"failed": reason}`` when
the compaction could not be made (the call then goes on, chained, uncompacted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult

from grok_jupyter.client import GrokError
from langchain_grok._counting import count_messages
from langchain_grok._responses_request import to_input_items

if TYPE_CHECKING:
    from langchain_grok._responses_request import ResponsesRequest

WINDOW_SHARE = 0.8


def _threshold(catalog: Any, model: str) -> int | None:
    """The long-context tier start or 80% of the context window, whichever is lower."""
    info = catalog.price_model(model)
    if info is None:
        return None
    window = int(info.context_window * WINDOW_SHARE) if info.context_window else None
    found = [x for x in (info.price_per_million.long_context_threshold, window) if x]
    return min(found) if found else None


def _due(client: Any, messages: Sequence[BaseMessage], request: ResponsesRequest) -> int | None:
    """How many of ``messages`` the chained answer holds, when the next prompt would reach
    the threshold with them (this call then compacts them first); else None."""
    previous = request.params.get("previous_response_id")
    if not isinstance(previous, str):
        return None
    held = next(
        (i + 1 for i in range(len(messages) - 1, -1, -1)
         if isinstance(messages[i], AIMessage)
         and messages[i].response_metadata.get("id") == previous),
        None,
    )  # fmt: skip
    limit = _threshold(client.catalog, request.model)
    if held is None or limit is None:
        return None
    usage = messages[held - 1].usage_metadata  # the server's count of what it holds
    stored = usage["input_tokens"] + usage["output_tokens"] if usage else None
    if stored is None:
        stored = count_messages(messages[:held])
    return held if stored + count_messages(messages[held:]) >= limit else None


def _apply(compaction: Any, request: ResponsesRequest, price: Any) -> dict[str, Any]:
    """Send ``compaction``'s items and the newer messages, unchained; what to report."""
    request.input = compaction.next_input(*request.input)
    request.params.pop("previous_response_id", None)
    usage = compaction.usage
    return {
        "tokens_before": usage.input_tokens if usage else None,
        "tokens_after": usage.output_tokens if usage else None,
        "cost_usd": price(compaction),
    }


def _routing(request: ResponsesRequest) -> dict[str, str] | None:
    # The conversation's cache routing, as its calls send it: the held prefix may be cached.
    return {"x-grok-conv-id": request.conv_id} if request.conv_id else None


def _failed(exc: BaseException) -> dict[str, Any]:
    return {"failed": " ".join(str(getattr(exc, "message", None) or exc).split())}


def compact_first(
    client: Any, messages: Sequence[BaseMessage], request: ResponsesRequest, price: Any,
    source: str,
) -> dict[str, Any] | None:  # fmt: skip
    """Compact what the server holds when this call is due (``request`` then sends the
    compaction); the note for ``response_metadata["compaction"]``, or None."""
    held = _due(client, messages, request)
    if held is None:
        return None
    try:
        compaction = client.responses.compact(
            to_input_items(messages[:held]), model=request.model, source=source,
            headers=_routing(request),
        )
    except GrokError as exc:
        return _failed(exc)
    return _apply(compaction, request, price)


async def acompact_first(
    client: Any, messages: Sequence[BaseMessage], request: ResponsesRequest, price: Any,
    source: str,
) -> dict[str, Any] | None:  # fmt: skip
    held = _due(client, messages, request)
    if held is None:
        return None
    try:
        compaction = await client.responses.compact(
            to_input_items(messages[:held]), model=request.model, source=source,
            headers=_routing(request),
        )
    except GrokError as exc:
        return _failed(exc)
    return _apply(compaction, request, price)


def noted(result: ChatResult, note: dict[str, Any] | None) -> ChatResult:
    if note is not None:
        result.generations[0].message.response_metadata["compaction"] = note
    return result
