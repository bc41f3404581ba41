"""What a request will cost before it is sent: ``estimate_cost(model, prompt_tokens=...)``.

The one estimator every layer calls (the table map's pre-flight, a budget
check, a user's own sums). It prices with the formula the ledger and the
emulator use (``ModelInfo.token_cost_usd``), so an estimate for the tokens a
call then reports equals what the ledger records for it:

- the long-context tier bills **every** token of the request at the tier
  price once the prompt reaches the threshold (200,000 prompt tokens on the
  2026 models: xai-api-2026-09.md §1), so 230k prompt tokens on grok-4.6 cost
  $0.92, not $0.46;
- server-side tool calls add their per-call fee (web search $5 per 1,000);
- ``service_tier="priority"`` multiplies the token price (2x) and ``batch=True``
  takes the Batch API discount off it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._catalog import get_catalog
from ._errors import InvalidValueError

if TYPE_CHECKING:
    from ._catalog import Catalog

__all__ = ["CostEstimate", "estimate_cost"]


@dataclass(frozen=True)
class CostEstimate:
    """USD for one request; ``usd`` is None when the model has no price in the catalogue."""

    model: str
    priced_as: str | None  # the catalogue entry whose prices apply (a retired id's target)
    prompt_tokens: int
    output_tokens: int
    cached_tokens: int
    usd: float | None  # tokens and tools: what the request costs
    token_usd: float | None  # the tokens alone (tier, priority and batch applied)
    tool_usd: float  # server-side tool calls
    long_context: bool  # the prompt reached the tier threshold: every token at the tier price
    usd_without_tier: float | None  # the same request at the standard prices
    tier_threshold: int | None  # prompt tokens from which the tier applies; None: no tier
    service_tier_multiplier: float = 1.0
    batch_discount: float = 0.0
    unpriced_tools: tuple[str, ...] = field(default=())  # tool counters with no known fee

    def describe(self) -> str:
        """One line, e.g. ``grok-4.6: ≈ $0.9200 (230,000 prompt tokens ≥ 200,000: ...)``."""
        if self.usd is None:
            return f"{self.model}: price unknown (not in the model catalogue)"
        notes = []
        if self.long_context and self.usd_without_tier is not None:
            notes.append(
                f"{self.prompt_tokens:,} prompt tokens ≥ {self.tier_threshold:,}: every token "
                f"at the long-context price, ${self.usd_without_tier:,.4f} below it"
            )
        if self.tool_usd:
            notes.append(f"incl. ${self.tool_usd:,.4f} for tool calls")
        if self.service_tier_multiplier != 1.0:
            notes.append(f"priority x{self.service_tier_multiplier:g}")
        if self.batch_discount:
            notes.append(f"batch -{self.batch_discount:.0%}")
        if self.unpriced_tools:
            notes.append(f"plus {', '.join(self.unpriced_tools)} at an unknown price")
        head = f"{self.model}: ≈ ${self.usd:,.4f}"
        return f"{head} ({'; '.join(notes)})" if notes else head


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(
            f"{name} must be a whole number of tokens, 0 or more, not {value!r}.",
            parameter=name,
        )
    return value


def estimate_cost(
    model: str,
    *,
    prompt_tokens: int,
    output_tokens: int = 0,
    cached_tokens: int = 0,
    image_tokens: int = 0,
    tool_calls: Mapping[str, int] | None = None,
    service_tier: str | None = None,
    batch: bool = False,
    catalog: Catalog | None = None,
) -> CostEstimate:
    """The USD a request costs at catalogue prices (the shared catalogue unless given).

    ``prompt_tokens`` counts the whole prompt, ``cached_tokens`` and
    ``image_tokens`` included; ``output_tokens`` counts the answer and its
    reasoning. ``tool_calls`` maps a tool (``"web_search"``) or its usage counter
    (``"web_search_calls"``) to a number of calls. A retired id is priced as the
    model that answers it. Bad counts raise ``InvalidValueError``.
    """
    catalog = catalog if catalog is not None else get_catalog()
    prompt = _count("prompt_tokens", prompt_tokens)
    output = _count("output_tokens", output_tokens)
    cached = _count("cached_tokens", cached_tokens)
    image = _count("image_tokens", image_tokens)
    if cached + image > prompt:
        raise InvalidValueError(
            f"cached_tokens ({cached:,}) and image_tokens ({image:,}) are part of prompt_tokens "
            f"({prompt:,}), so together they cannot exceed it.",
            parameter="cached_tokens",
        )
    tool_usd, unpriced = _tool_fees(tool_calls or {}, catalog)
    multiplier = catalog.service_tier_multiplier(service_tier)
    discount = catalog.batch_discount if batch else 0.0
    factor = multiplier * (1.0 - discount)
    info = catalog.price_model(model)
    if info is None or (not info.price_per_million.input and not info.price_per_million.output):
        return CostEstimate(
            model=model, priced_as=info.id if info else None, prompt_tokens=prompt,
            output_tokens=output, cached_tokens=cached, usd=None, token_usd=None,
            tool_usd=tool_usd, long_context=False, usd_without_tier=None, tier_threshold=None,
            service_tier_multiplier=multiplier, batch_discount=discount, unpriced_tools=unpriced,
        )  # fmt: skip
    prices = info.price_per_million
    counts = {"prompt_tokens": prompt, "cached_tokens": cached, "image_tokens": image,
              "output_tokens": output}  # fmt: skip
    tokens = info.token_cost_usd(**counts) * factor
    standard = info.token_cost_usd(**counts, tier=prices) * factor
    return CostEstimate(
        model=model,
        priced_as=info.id,
        prompt_tokens=prompt,
        output_tokens=output,
        cached_tokens=cached,
        usd=tokens + tool_usd,
        token_usd=tokens,
        tool_usd=tool_usd,
        long_context=prices.tier_for(prompt) is not prices,
        usd_without_tier=standard + tool_usd,
        tier_threshold=prices.long_context_threshold,
        service_tier_multiplier=multiplier,
        batch_discount=discount,
        unpriced_tools=unpriced,
    )


def _tool_fees(calls: Mapping[str, int], catalog: Catalog) -> tuple[float, tuple[str, ...]]:
    total = 0.0
    unpriced: list[str] = []
    for name, n in calls.items():
        n = _count(f"tool_calls[{name!r}]", n)
        price = catalog.tool_price_usd(name)
        if price is None:
            if n:
                unpriced.append(name)
            continue
        total += price * n
    return total, tuple(unpriced)
