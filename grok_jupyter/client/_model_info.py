"""One catalogue entry: what a model accepts, what it costs, and whether it is retired.

The facts come from ``catalog.json`` (and, at run time, from the server's model
lists). Each entry says which of its fields are unverified (``unverified``), and
keeps two sets of rejections apart: ``rejected_parameters`` is the best evidence
(the emulator enforces it), ``verified_rejected_parameters`` the part a source
verified (the only part the client may refuse before sending).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from ._types import Usage

LONG_CONTEXT_FROM = 200_000  # prompt tokens; xAI's usual threshold for the higher tier


class PriceTier(BaseModel):
    """USD per 1M tokens. ``cached_input``/``image_input`` None: the ``input`` rate."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    input: float = 0.0
    cached_input: float | None = None
    output: float = 0.0
    image_input: float | None = None

    @property
    def cached_rate(self) -> float:
        return self.cached_input if self.cached_input is not None else self.input

    @property
    def image_rate(self) -> float:
        return self.image_input if self.image_input is not None else self.input


class Prices(PriceTier):
    """The standard tier, plus the tier for long prompts where one exists.

    "When the prompt reaches 200k tokens the higher rate applies for all tokens
    in the request" (docs.x.ai grok-4.20-0309, xai-api-2026.md §1.1).
    """

    long_context: PriceTier | None = None
    long_context_from: int | None = None  # prompt tokens at which long_context applies

    @property
    def long_context_threshold(self) -> int | None:
        """Prompt tokens from which ``long_context`` prices the whole request; None: no tier."""
        if self.long_context is None:
            return None
        return self.long_context_from or LONG_CONTEXT_FROM

    def tier_for(self, prompt_tokens: int) -> PriceTier:
        """The tier that prices every token of a request with ``prompt_tokens`` in its prompt."""
        start = self.long_context_threshold
        if self.long_context is not None and start is not None and prompt_tokens >= start:
            return self.long_context
        return self


class Retirement(BaseModel):
    """When a model was retired and what answers for it now."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    date: str | None = None  # ISO date (or month) of the retirement
    redirect_to: str | None = None  # the model that answers requests for the retired id
    implied_effort: str | None = None  # the target's reasoning_effort the redirect applies
    verified: bool = False  # a source documents the redirect ([V]); else best evidence
    note: str | None = None


class ModelInfo(BaseModel):
    """A catalogue entry. Unknown JSON keys are kept (``extra="allow"``)."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    id: str
    aliases: tuple[str, ...] = ()
    created: int = 0
    owned_by: str = "xai"
    kind: Literal["chat", "image", "video"] = "chat"
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_modalities: tuple[str, ...] = ("text",)
    output_modalities: tuple[str, ...] = ("text",)
    price_per_million: Prices = Field(default_factory=Prices)
    image_price_usd: float | None = None  # image models: USD per image
    video_price_usd_per_second: float | None = None
    max_prompt_length: int | None = None
    reasoning: bool = False  # reasons by default
    reasoning_content: bool = False  # streams ``reasoning_content`` (grok-3-mini, grok-code-fast-1)
    reasoning_efforts: tuple[str, ...] = ()  # values known to be accepted
    default_reasoning_effort: str | None = None
    # Best evidence ([V] and [U]) of what the API answers 400 to: the emulator enforces it.
    rejected_parameters: frozenset[str] = frozenset()
    # The [V] subset: the only rejections the client refuses before sending.
    verified_rejected_parameters: frozenset[str] = frozenset()
    # Values of an accepted parameter that a source verifies the API refuses.
    verified_rejected_values: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    parameter_values: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # known enums
    parameter_defaults: dict[str, str] = Field(default_factory=dict)
    ignored_parameters: frozenset[str] = frozenset()  # accepted but without effect (logprobs)
    apis: tuple[str, ...] | None = None  # "chat", "responses"; None: not recorded
    batch: bool | None = None  # takes Batch API requests; None: unknown
    released: str | None = None  # ISO date the model reached the API
    # Multi-agent models: reasoning.effort -> how many agents run (grok-4.20-multi-agent).
    agents_by_effort: dict[str, int] = Field(default_factory=dict)
    retired: Retirement | None = None
    unverified: tuple[str, ...] = ()  # field names (dotted) the sources do not verify
    source: Literal["bundled", "live"] = "bundled"
    notes: str | None = None

    @property
    def supports_images(self) -> bool:
        return "image" in self.input_modalities

    @property
    def is_retired(self) -> bool:
        return self.retired is not None

    def is_verified(self, field: str) -> bool:
        """False if ``field`` (or its parent, e.g. ``price_per_million``) is marked [U]."""
        parts = field.split(".")
        return not any(".".join(parts[: i + 1]) in self.unverified for i in range(len(parts)))

    def agents_for(self, effort: str | None) -> int | None:
        """Agents a multi-agent model runs at ``effort``; None if not recorded."""
        return self.agents_by_effort.get(effort) if effort is not None else None

    def must_refuse(self, parameter: str, value: object = None) -> bool:
        """True only if a source verifies that the API refuses ``parameter`` (=``value``)."""
        if parameter in self.verified_rejected_parameters:
            return True
        return isinstance(value, str) and value in self.verified_rejected_values.get(parameter, ())

    # --- prices ------------------------------------------------------------

    def cost_usd(self, usage: Usage) -> float:
        """The cost of ``usage`` at catalogue prices (when the server sends no cost)."""
        return self.token_cost_usd(
            prompt_tokens=usage.prompt_tokens,
            cached_tokens=usage.cached,
            image_tokens=usage.image,
            output_tokens=usage.completion_tokens + usage.reasoning,
        )

    def token_cost_usd(
        self,
        *,
        prompt_tokens: int,
        cached_tokens: int = 0,
        image_tokens: int = 0,
        output_tokens: int = 0,
        tier: PriceTier | None = None,
    ) -> float:
        """The one price formula: the ledger, the estimator and the emulator all use it.

        ``prompt_tokens`` includes the cached and image ones; ``output_tokens``
        includes reasoning. Cached tokens are billed at the cached rate, and a
        prompt at or past the long-context threshold bills every token of the
        request at the higher tier (``tier`` forces one, for comparisons).
        """
        tier = tier or self.price_per_million.tier_for(prompt_tokens)
        text = max(prompt_tokens - cached_tokens - image_tokens, 0)
        total = (
            text * tier.input
            + cached_tokens * tier.cached_rate
            + image_tokens * tier.image_rate
            + output_tokens * tier.output
        )
        return total / 1_000_000

    def cache_savings_usd(self, usage: Usage) -> float:
        """What the cached prompt tokens saved against the full input price."""
        tier = self.price_per_million.tier_for(usage.prompt_tokens)
        return usage.cached * max(tier.input - tier.cached_rate, 0.0) / 1_000_000
