"""A turn's tokens and money: rounds added up, priced, or estimated when cut."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...client._catalog import get_catalog
from ...client._types import CompletionTokensDetails, PromptTokensDetails, Usage
from ...client._usage import cost_usd as priced
from ...client._usage import estimate_usage

if TYPE_CHECKING:
    from ...client._types import Message


def add_usage(total: Usage | None, usage: Usage | None) -> Usage | None:
    """Two rounds' usage as one (server ticks are summed only while every round has them)."""
    if usage is None:
        return total
    if total is None:
        return usage  # never changed in place: a later round makes a new one
    ticks = None
    if total.cost_in_usd_ticks is not None and usage.cost_in_usd_ticks is not None:
        ticks = total.cost_in_usd_ticks + usage.cost_in_usd_ticks
    return Usage(
        prompt_tokens=total.prompt_tokens + usage.prompt_tokens,
        completion_tokens=total.completion_tokens + usage.completion_tokens,
        total_tokens=total.total_tokens + usage.total_tokens,
        prompt_tokens_details=PromptTokensDetails(
            cached_tokens=total.cached + usage.cached, image_tokens=total.image + usage.image
        ),
        completion_tokens_details=CompletionTokensDetails(
            reasoning_tokens=total.reasoning + usage.reasoning
        ),
        num_sources_used=(total.num_sources_used or 0) + (usage.num_sources_used or 0) or None,
        cost_in_usd_ticks=ticks,
    )


def cost_usd(model: str | None, usage: Usage | None, service_tier: str | None = None) -> float:
    """One request's USD: the server's ticks when it sent them, else catalogue prices at
    the rates of the model that answers (a retired id's target), with the long-context
    tier of this request and the service tier's multiplier."""
    catalog = get_catalog()
    cost = priced(model or catalog.default_chat_model, usage, catalog, service_tier)
    return cost or 0.0


def estimate_round(
    messages: list[Message], tools: list[Any], text: str, reasoning: str
) -> Usage:
    """What a round that never sent its usage cost, by the shared tokenizer: the whole
    context it sent (a chained Responses turn is billed for the stored turns too,
    xai-api-2026.md section 8.7) and what had arrived."""
    wire_tools = [t.to_wire() if hasattr(t, "to_wire") else t for t in tools]
    body = {"messages": [m.to_wire() for m in messages], "tools": wire_tools or None}
    return estimate_usage(body, text, reasoning)


def add_tools(result: Any, counts: dict[str, int], usage: Usage | None, catalog: Any) -> None:
    """Add a round's server-side tool calls to ``result`` (a ``TurnResult``), priced at the
    catalogue's list prices. The server's ``cost_in_usd_ticks`` covers them already; a
    round priced from tokens alone (no ticks) gets them added, as the ledger does."""
    from ...client._usage import tool_cost_usd

    for name, n in counts.items():
        result.tool_counts[name] = result.tool_counts.get(name, 0) + n
    tools = tool_cost_usd(counts, catalog) or 0.0
    result.tool_cost_usd += tools
    if usage is None or usage.cost_in_usd_ticks is None:
        result.cost_usd += tools
