"""The model catalogue: what each Grok model accepts, costs and answers with.

The data lives in ``catalog.json`` beside this file, not in code. The real
list changes every few months, so ``Catalog.refresh(client)`` overlays what
``/v1/language-models`` says; a model the catalogue does not know is passed
through with a warning by the client, never refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from ._types import LanguageModel, Usage

USD_TICKS_PER_USD = 10_000_000_000
_CENTS_PER_100M_PER_USD_PER_1M = 10_000  # /v1/language-models: USD cents per 100M tokens


class Prices(BaseModel):
    """USD per 1M tokens."""

    model_config = ConfigDict(defer_build=True)  # built when the catalogue first loads

    input: float = 0.0
    cached_input: float | None = None
    output: float = 0.0
    image_input: float | None = None


class ModelInfo(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    id: str
    aliases: tuple[str, ...] = ()
    created: int = 0
    owned_by: str = "xai"
    kind: Literal["chat", "image"] = "chat"
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_modalities: tuple[str, ...] = ("text",)
    output_modalities: tuple[str, ...] = ("text",)
    price_per_million: Prices = Field(default_factory=Prices)
    reasoning: bool = False
    reasoning_content: bool = False  # streams ``reasoning_content`` (grok-3-mini, grok-code-fast-1)
    reasoning_efforts: tuple[str, ...] = ()
    rejected_parameters: frozenset[str] = frozenset()
    image_price_usd: float | None = None
    max_prompt_length: int | None = None
    notes: str | None = None

    @property
    def supports_images(self) -> bool:
        return "image" in self.input_modalities

    def cost_usd(self, usage: Usage) -> float:
        """The cost of ``usage`` at catalogue prices (when the server sends no cost)."""
        p = self.price_per_million
        cached = usage.cached
        image = usage.image
        text = max(usage.prompt_tokens - cached - image, 0)
        total = (
            text * p.input
            + cached * (p.cached_input if p.cached_input is not None else p.input)
            + image * (p.image_input if p.image_input is not None else p.input)
            + (usage.completion_tokens + usage.reasoning) * p.output
        )
        return total / 1_000_000


class Catalog:
    """Models by canonical id and alias. Thread-safe; ``refresh`` swaps atomically."""

    def __init__(self, models: list[ModelInfo], *, defaults: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._defaults = dict(defaults or {})
        self._set(models)

    def _set(self, models: list[ModelInfo]) -> None:
        by_name: dict[str, ModelInfo] = {}
        for info in models:
            by_name[info.id] = info
            for alias in info.aliases:
                by_name.setdefault(alias, info)
        with self._lock:
            self._models = list(models)
            self._by_name = by_name

    @classmethod
    def bundled(cls) -> Catalog:
        raw = json.loads(resources.files(__package__).joinpath("catalog.json").read_text("utf-8"))
        models = [ModelInfo.model_validate(m) for m in raw["models"]]
        defaults = {k: v for k, v in raw.items() if k not in ("models", "_about")}
        return cls(models, defaults=defaults)

    # --- lookups -----------------------------------------------------------

    def resolve(self, name: str) -> ModelInfo | None:
        """The model that ``name`` (an id or alias) means, or None if unknown."""
        return self._by_name.get(name)

    def __getitem__(self, name: str) -> ModelInfo:
        info = self.resolve(name)
        if info is None:
            raise KeyError(name)
        return info

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._by_name

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)

    def chat_models(self) -> list[ModelInfo]:
        return [m for m in self._models if m.kind == "chat"]

    def image_models(self) -> list[ModelInfo]:
        return [m for m in self._models if m.kind == "image"]

    def names(self) -> list[str]:
        """Every id and alias, for completion and "did you mean" hints."""
        return sorted(self._by_name)

    @property
    def default_chat_model(self) -> str:
        return self._defaults.get("default_chat_model", "grok-4-1-fast-non-reasoning")

    @property
    def default_vision_model(self) -> str:
        return self._defaults.get("default_vision_model", self.default_chat_model)

    @property
    def default_image_model(self) -> str:
        return self._defaults.get("default_image_model", "grok-2-image-1212")

    @property
    def retired_aliases(self) -> frozenset[str]:
        return frozenset(self._defaults.get("retired_aliases", ()))

    @property
    def image_input_limits(self) -> dict[str, Any]:
        return dict(
            self._defaults.get(
                "image_input",
                {
                    "max_bytes": 10 * 1024 * 1024,
                    "formats": ["jpeg", "png"],
                    "max_pixels_per_side": 8192,
                },
            )
        )

    # --- refresh -----------------------------------------------------------

    def update_from_language_models(self, listed: list[LanguageModel]) -> None:
        """Overlay prices, modalities and aliases from ``/v1/language-models``.

        What the endpoint does not say (context window, rejected parameters,
        reasoning) is kept from the bundled entry; a new model gets none.
        """
        merged = {m.id: m for m in self._models}
        for lm in listed:
            old = merged.get(lm.id)
            prices = Prices(
                input=lm.prompt_text_token_price / _CENTS_PER_100M_PER_USD_PER_1M,
                cached_input=lm.cached_prompt_text_token_price / _CENTS_PER_100M_PER_USD_PER_1M,
                output=lm.completion_text_token_price / _CENTS_PER_100M_PER_USD_PER_1M,
                image_input=lm.prompt_image_token_price / _CENTS_PER_100M_PER_USD_PER_1M
                if "image" in lm.input_modalities
                else None,
            )
            fields = {
                "aliases": tuple(lm.aliases),
                "created": lm.created,
                "input_modalities": tuple(lm.input_modalities),
                "output_modalities": tuple(lm.output_modalities),
                "price_per_million": prices,
            }
            merged[lm.id] = (
                old.model_copy(update=fields) if old else ModelInfo(id=lm.id, kind="chat", **fields)
            )
        self._set(list(merged.values()))

    def refresh(self, client: Any) -> Catalog:
        """Update from the server that ``client`` (a ``GrokClient``) talks to."""
        listed = client.language_models()
        if hasattr(listed, "__await__"):
            listed.close()  # an AsyncGrokClient's coroutine: do not leave it un-awaited
            raise TypeError(
                "catalog.refresh needs a GrokClient; use `await catalog.arefresh(client)`"
            )
        self.update_from_language_models(listed)
        return self

    async def arefresh(self, client: Any) -> Catalog:
        """``refresh`` for an ``AsyncGrokClient``."""
        self.update_from_language_models(await client.language_models())
        return self


_default_catalog: Catalog | None = None


def get_catalog() -> Catalog:
    """The process-wide catalogue, loaded from the bundled file on first use."""
    global _default_catalog
    if _default_catalog is None:
        _default_catalog = Catalog.bundled()
    return _default_catalog
