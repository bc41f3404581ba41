"""What a map will cost, before anything is sent: tokens with the client's own counter,
USD at the catalogue's prices.

Prompt tokens are counted per row with the rule the client uses for its
context-window check (``client._tokens``), the schema's JSON included. The
answer's length is not known in advance: it is taken as ``max_tokens`` (or
``max_completion_tokens``) when given, else ``ANSWER_TOKENS`` (hidden
reasoning, which some models add, is not in the figure; the running budget
check covers it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..client._estimate import estimate_cost
from ..client._tokens import count_prompt_tokens, count_tokens

ANSWER_TOKENS = 256  # assumed answer length when the call sets no max_tokens


@dataclass
class Estimate:
    rows: int  # rows that will be sent (cached rows and duplicates excluded)
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None  # None when the model has no price in the catalogue
    model: str
    discount: float = 0.0  # the batch discount applied, 0.2 = 20% off
    answer_tokens_assumed: bool = True

    def describe(self) -> str:
        cost = "price unknown" if self.cost_usd is None else f"≈ ${self.cost_usd:,.4f}"
        each = self.completion_tokens // max(self.rows, 1)
        basis = f" (answers assumed {each} tokens each)" if self.answer_tokens_assumed else ""
        off = f", batch -{self.discount:.0%}" if self.discount else ""
        return (
            f"{self.rows:,} request(s) to {self.model}: ≈ {self.prompt_tokens:,} prompt + "
            f"{self.completion_tokens:,} answer tokens, {cost}{off}{basis}"
        )


def estimate(
    messages: list[list[dict[str, Any]]],
    model: str,
    params: dict[str, Any],
    catalog: Any,
    *,
    discount: float = 0.0,
) -> Estimate:
    """Tokens and USD for sending each of ``messages`` with ``params`` to ``model``."""
    schema = params.get("response_format")
    extra = count_tokens(json.dumps(schema)) if schema else 0
    cap = params.get("max_completion_tokens") or params.get("max_tokens")
    answer = int(cap) if cap else ANSWER_TOKENS
    info = catalog.price_model(model)
    prompt_total = 0
    cost = 0.0 if info is not None else None
    for msgs in messages:
        prompt = count_prompt_tokens(msgs) + extra
        prompt_total += prompt
        if info is not None:
            # Per row, through the client's one estimator: the long-context tier depends on
            # each request's own prompt; the service tier and batch discount apply.
            row = estimate_cost(model, prompt_tokens=prompt, output_tokens=answer,
                                service_tier=params.get("service_tier"), catalog=catalog)
            cost += row.token_usd or 0.0
    if cost is not None:
        cost *= 1.0 - discount
    return Estimate(
        rows=len(messages),
        prompt_tokens=prompt_total,
        completion_tokens=answer * len(messages),
        cost_usd=cost,
        model=model,
        discount=discount,
        answer_tokens_assumed=not cap,
    )
