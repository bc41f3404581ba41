"""Building a ``POST /v1/responses`` body (xai-api-2026.md §2.1), its checks, and its ledger record.

Plain dicts pass through untouched, so anything the reference allows can be
sent even where this client has no typed model for it. The checks refuse only
what the API surely refuses ([V] in the reference) or what the catalogue says
the model cannot do; ``GrokClient(validate=False)`` skips them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ._errors import InvalidRequestError, UnknownModelWarning, UnknownParameterWarning
from ._server_tools import ServerToolsNotSupportedError, check_tools, server_tool_types
from ._usage import UsageRecord, estimate_usage, record_from_usage

if TYPE_CHECKING:
    from ._base import BaseGrokClient
    from ._catalog import Catalog, ModelInfo
    from ._responses_types import ResponseUsage
    from ._types import Usage

# §2.1 fields the client knows (sent as given); other keywords are sent with a warning.
KNOWN_FIELDS = frozenset(
    {
        "instructions",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "previous_response_id",
        "store",
        "include",
        "max_output_tokens",
        "temperature",
        "top_p",
        "seed",
        "reasoning",
        "text",
        "logprobs",
        "top_logprobs",
        "prompt_cache_key",
        "service_tier",
        "user",
        "metadata",
        "max_tool_calls",
        "truncation",
    }
)

# Output item type -> counter, when a body has no ``server_side_tool_usage_details``.
_COUNTER_OF_ITEM = {
    "web_search_call": "web_search_calls",
    "x_search_call": "x_search_calls",
    "code_interpreter_call": "code_interpreter_calls",
    "code_execution_call": "code_interpreter_calls",
    "file_search_call": "file_search_calls",
    "mcp_call": "mcp_calls",
    "image_generation_call": "image_generation_calls",
}


def wire_input(value: Any) -> str | list[Any]:
    """``input`` as sent: a string, or a list of items (typed models or plain dicts)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (BaseModel, Mapping)):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidRequestError(
            "input must be a string or a non-empty list of items (messages, "
            f"function_call, function_call_output), not {type(value).__name__}."
        )
    items: list[Any] = []
    for i, item in enumerate(value):
        if isinstance(item, BaseModel):
            items.append(item.model_dump(mode="json", exclude_none=True))
        elif isinstance(item, Mapping):
            items.append(_plain(item))
        elif isinstance(item, str):
            items.append({"role": "user", "content": item})
        else:
            raise InvalidRequestError(
                f"input[{i}] must be a dict, an item model or a string, not {type(item).__name__}."
            )
    return items


def _plain(value: Any) -> Any:
    """Dicts and lists as JSON-ready values (typed parts inside a dict message included)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def build_body(
    client: BaseGrokClient,
    input: Any,
    model: str | None,
    fields: dict[str, Any],
    *,
    reasoning_effort: str | None = None,
    stream: bool = False,
) -> dict[str, Any]:
    """The JSON body of a Responses request, checked unless ``client.validate`` is False."""
    fields = {k: v for k, v in fields.items() if v is not None}
    fields.pop("stream", None)
    _check_types(model, fields)
    unknown = sorted(k for k in fields if k not in KNOWN_FIELDS)
    if unknown:
        from ._validation import external_stacklevel

        warnings.warn(
            f"Unknown Responses parameter(s) {', '.join(map(repr, unknown))}: sent as given, "
            "since the API may have added them; check the spelling otherwise.",
            UnknownParameterWarning,
            stacklevel=external_stacklevel(),
        )
    if reasoning_effort is not None:
        # The wire field is reasoning.effort, never reasoning_effort (§2.1, Zoo-Code#866).
        fields["reasoning"] = {**(fields.get("reasoning") or {}), "effort": reasoning_effort}
    if "tools" in fields:
        fields["tools"] = [_plain(t) for t in fields["tools"]]
    body: dict[str, Any] = {
        "model": model or client.catalog.default_chat_model,
        "input": wire_input(input),
    }
    body.update(_plain(fields))
    if stream:
        body["stream"] = True
    # As chat does: the API answers a retired id with its target; say so once, at the user's
    # line (found by walking the stack: only for a retired id, not on every request).
    if client.catalog.is_retired(body["model"]):
        from ._validation import external_stacklevel

        client.catalog.warn_if_retired(body["model"], stacklevel=external_stacklevel())
    if client.validate:
        check_body(body, client.catalog)
    return body


def _check_types(model: Any, fields: dict[str, Any]) -> None:
    """Arguments of the wrong type or out of range, refused before anything is sent
    (always, ``validate=False`` too: the server would answer 400/422 for each)."""
    from ._errors import InvalidValueError

    if model is not None and not isinstance(model, str):
        raise InvalidValueError(
            f"model must be a model id string (e.g. 'grok-4.3'), not {type(model).__name__}.",
            parameter="model",
        )
    tools = fields.get("tools")
    if tools is not None and not isinstance(tools, (list, tuple)):
        raise InvalidValueError(
            f"tools must be a list of tool dicts, not {type(tools).__name__}.", parameter="tools"
        )
    cap = fields.get("max_output_tokens")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise InvalidValueError(
            f"max_output_tokens must be a whole number of at least 1, not {cap!r}.",
            parameter="max_output_tokens",
        )


def check_body(body: dict[str, Any], catalog: Catalog) -> None:
    """Raise an ``InvalidRequestError`` subclass if the API would surely refuse ``body``."""
    from ._validation import _check_reasoning_effort, external_stacklevel

    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise InvalidRequestError(
            f"tools must be a list of tool dicts, not {type(tools).__name__}."
        )
    tool_choice = body.get("tool_choice")
    check_tools(tools, tool_choice)
    if tool_choice is not None and not tools:
        # [V] ISS hermes-agent#20590: 400 "A tool_choice was set on the request but no ..."
        raise InvalidRequestError(
            "tool_choice is set but tools is empty (the API would answer 400); "
            "pass tools, or drop tool_choice."
        )
    model = body["model"]
    info = catalog.resolve(model)
    if info is None:
        warnings.warn(
            f"Model {model!r} is not in the catalogue; sending it as is. "
            "catalog.refresh(client) updates the catalogue from the server.",
            UnknownModelWarning,
            stacklevel=external_stacklevel(),
        )
    effort = (body.get("reasoning") or {}).get("effort")
    if effort is not None:
        wire = {"model": model, "reasoning_effort": effort}
        _check_reasoning_effort(wire, catalog)  # [V] rejections only (xai-api-2026.md §4.3)
    server_tools = server_tool_types(tools)
    if server_tools and info is not None and not takes_server_tools(info):
        takers = [m.id for m in catalog.chat_models() if takes_server_tools(m)]
        pick = f" Use a model that does, e.g. {takers[-1]}." if takers else ""
        raise ServerToolsNotSupportedError(
            f"{info.id} does not take server-side tools ({', '.join(server_tools)}), "
            f"per the model catalogue.{pick}",
            tool=server_tools[0],
            model=info.id,
        )


def takes_server_tools(info: ModelInfo) -> bool:
    """What the catalogue says: ``server_side_tools: false``, or an ``apis`` list without
    ``"responses"``, means no; a catalogue entry that says nothing means yes."""
    flag = getattr(info, "server_side_tools", None)
    if flag is not None:
        return bool(flag)
    apis = getattr(info, "apis", None)
    return apis is None or "responses" in apis


# --- the ledger ------------------------------------------------------------------


def tool_calls_of(usage: ResponseUsage | None, output: list[Any]) -> dict[str, int]:
    """Billable server-side tool calls by counter (``web_search_calls``: n, ...)."""
    details = usage.server_side_tool_usage_details if usage is not None else None
    if details:
        return {k: v for k, v in details.items() if isinstance(v, int) and v > 0}
    counts: dict[str, int] = {}
    for item in output:
        kind = getattr(item, "type", None)
        counter = _COUNTER_OF_ITEM.get(kind or "")
        if kind == "custom_tool_call":
            counter = "x_search_calls"  # x_search sub-tools (§3.2); one x_search per response
            if counts.get(counter):
                continue
        if counter:
            counts[counter] = counts.get(counter, 0) + 1
    if not counts and usage is not None and usage.num_server_side_tools_used:
        counts["server_side_tool_calls"] = usage.num_server_side_tools_used
    return counts


def chat_usage(usage: ResponseUsage) -> Usage:
    """The ledger's (chat) form of Responses usage: there, completion excludes reasoning
    and ``total = prompt + completion + reasoning`` (§2.3 "the arithmetic differs")."""
    from ._types import CompletionTokensDetails, PromptTokensDetails, Usage

    reasoning = usage.reasoning_tokens
    return Usage(
        prompt_tokens=usage.input_tokens,
        completion_tokens=max(usage.output_tokens - reasoning, 0),
        total_tokens=usage.input_tokens + usage.output_tokens,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=usage.cached_tokens),
        completion_tokens_details=CompletionTokensDetails(reasoning_tokens=reasoning),
        num_sources_used=usage.num_sources_used,
        cost_in_usd_ticks=usage.cost_in_usd_ticks,
    )


def response_record(
    client: BaseGrokClient,
    model: str,
    usage: ResponseUsage | None,
    output: list[Any],
    *,
    source: str,
    latency_s: float,
    ttft_s: float | None = None,
    request_id: str | None = None,
    service_tier: str | None = None,
    estimate: Usage | None = None,
) -> UsageRecord:
    """One ledger record: tokens at the model's rates (x2 for ``service_tier="priority"``
    when the server sends no cost), server-side tool calls apart (``tool_calls`` /
    ``tool_cost_usd``, at the catalogue's §3.3 prices). ``estimate``: locally counted
    tokens for a call whose usage never came (recorded as estimated)."""
    counted = chat_usage(usage) if usage is not None else estimate
    return client.ledger.record(
        record_from_usage(
            model,
            counted,
            source=source,
            latency_s=latency_s,
            ttft_s=ttft_s,
            request_id=request_id,
            catalog=client.catalog,
            estimated=usage is None and estimate is not None,
            tool_call_counts=tool_calls_of(usage, output),
            service_tier=service_tier,
        )
    )


def estimate_response_usage(body: dict[str, Any], text: str, reasoning: str) -> Usage:
    """Usage counted with the shared tokenizer for a Responses call that sent none: its
    instructions and input items read as chat messages (text only; what a chained call's
    stored turns cost is not known here), and the answer that had arrived."""
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": str(body["instructions"])})
    items = body.get("input")
    for item in [{"role": "user", "content": items}] if isinstance(items, str) else items or []:
        if not isinstance(item, dict):
            continue
        content = item.get("content")
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        elif content is None:  # function_call / function_call_output items
            content = str(item.get("output") or item.get("arguments") or "")
        messages.append({"role": item.get("role") or "user", "content": str(content)})
    return estimate_usage({"messages": messages, "tools": body.get("tools")}, text, reasoning)
