"""The cost guard: a turn's price, estimated before anything is sent.

Every front end states a threshold (``GrokMagics.confirm_over_usd``, the panel's
``confirm_over_usd``); a turn estimated above it stops with the estimate and the
way on, having spent nothing. Crossing a long-context tier (every token of the
request at the higher price) is always said, with both prices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...client._errors import InvalidRequestError
from ...client._estimate import estimate_cost
from ...client._tokens import count_prompt_tokens
from ...client._validation import _check_context
from .token_counts import count_messages

if TYPE_CHECKING:
    from ...client._catalog import Catalog
    from ...client._estimate import CostEstimate
    from ...client._types import Message
    from .types import TurnRequest

# What ``GrokMagics.confirm_over_usd`` set; the panel and %grok fix follow it.
_default_threshold: float = 0.50


def set_default_threshold(usd: float) -> None:
    global _default_threshold
    _default_threshold = float(usd)


def default_threshold() -> float:
    return _default_threshold


# The answer's length when nothing caps it: a guess, so the guard errs on the side of
# the prompt, which is what a pasted 3 MB string or a long chat makes expensive.
DEFAULT_ANSWER_TOKENS = 1_000


class CostGuardError(InvalidRequestError):
    """A turn estimated above the confirmation threshold; nothing was sent.

    ``estimate`` is the ``CostEstimate``; ``threshold`` the USD it went over. Front ends
    add how to go on (the magic's ``--yes``, the panel's second Send).
    """

    def __init__(self, estimate: CostEstimate, threshold: float) -> None:
        self.estimate = estimate
        self.threshold = threshold
        super().__init__(
            f"This turn is estimated at ${estimate.usd:,.4f} ({estimate.describe()}), over "
            f"the confirmation threshold of ${threshold:,.2f}. Nothing was sent."
        )


def wire_messages(context: list[Message]) -> list[dict[str, Any]]:
    """``context`` in wire form: made once a turn, read by the window check and the guard."""
    return [m.to_wire() for m in context]


def estimate_turn(
    request: TurnRequest,
    context: list[Message],
    tools: list[Any],
    catalog: Catalog,
    *,
    conversation: Any = None,
) -> CostEstimate:
    """The first request's price: the whole context it carries (a chained Responses turn
    is billed for the stored turns too), the answer up to its cap, one call of each
    server-side tool. With ``conversation``, its messages' kept counts are used."""
    wire_tools = [t.to_wire() if hasattr(t, "to_wire") else t for t in tools]
    function_tools = [t for t in wire_tools if t.get("type") == "function"]
    prompt = count_messages(context, conversation)
    if function_tools:
        prompt += count_prompt_tokens([], function_tools)
    answer = request.params.get("max_tokens") or DEFAULT_ANSWER_TOKENS
    tool_calls = {str(t["type"]): 1 for t in request.server_tools if t.get("type") != "mcp"}
    return estimate_cost(
        request.model or catalog.default_chat_model,
        prompt_tokens=prompt,
        output_tokens=int(answer),
        tool_calls=tool_calls,
        service_tier=request.params.get("service_tier"),
        catalog=catalog,
    )


def tier_note(estimate: CostEstimate) -> str | None:
    """One line when the request crosses the long-context tier, with both prices."""
    if not estimate.long_context or estimate.usd is None or estimate.usd_without_tier is None:
        return None
    return (
        f"Long-context price: this request's prompt is about {estimate.prompt_tokens:,} tokens, "
        f"at or past {estimate.priced_as or estimate.model}'s {estimate.tier_threshold:,}-token "
        f"tier, so every token costs more: about ${estimate.usd:,.4f} instead of "
        f"${estimate.usd_without_tier:,.4f}."
    )


def check_window(
    client: Any,
    request: TurnRequest,
    context: list[Message],
    tools: list[Any],
    *,
    wire: list[dict[str, Any]] | None = None,
) -> None:
    """Refuse a request that cannot fit the model's context window, before sending (and
    before the cost guard: "shorten the prompt" is the answer there, not "--yes"). Only a
    [V] window is enforced, as on chat; ``GrokClient(validate=False)`` skips it.
    ``wire``: ``context`` already in wire form."""
    if not client.validate:
        return
    catalog = client.catalog
    info = catalog.effective_model(request.model or catalog.default_chat_model)
    if info is None or not info.context_window or not info.is_verified("context_window"):
        return
    wire: dict[str, Any] = {
        "model": info.id,
        "messages": wire if wire is not None else wire_messages(context),
        "max_tokens": request.params.get("max_tokens"),
        "tools": [t.to_wire() if hasattr(t, "to_wire") else t for t in tools] or None,
        "response_format": request.params.get("response_format"),
    }
    _check_context(wire, info, catalog, {})


def check_cost(
    request: TurnRequest,
    context: list[Message],
    tools: list[Any],
    catalog: Catalog,
    *,
    conversation: Any = None,
) -> CostEstimate | None:
    """Estimate the turn; raise ``CostGuardError`` over ``request.confirm_over_usd``.

    None when the model has no price (an unknown model is not refused for that)."""
    estimate = estimate_turn(request, context, tools, catalog, conversation=conversation)
    if estimate.usd is None:
        return None
    threshold = request.confirm_over_usd
    if threshold is not None and estimate.usd > threshold:
        raise CostGuardError(estimate, threshold)
    return estimate
