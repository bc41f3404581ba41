"""The model catalogue: which models exist, which are retired, and what answers for them.

The data lives in ``catalog.json`` beside this file, not in code. The real
list changes every few months, so ``_catalog_cache.refresh_live(client)``
overlays what ``/v1/language-models`` and ``/v1/image-generation-models`` say
(cached on disk for a day); a model the catalogue does not know is passed
through with a warning by the client, never refused.

A retired id is kept as an entry with ``retired`` set: the API still answers
it, with the redirect target (xai-api-2026.md §1.3), so ``effective_model``
(alias ``price_model``) gives the entry whose prices and rules apply.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

from ._errors import BatchSupportUnknownWarning, ModelNotBatchableError
from ._model_info import LONG_CONTEXT_FROM, ModelInfo, Prices, PriceTier, Retirement

if TYPE_CHECKING:
    from ._types import ImageGenerationModel, LanguageModel, Usage

__all__ = [
    "LONG_CONTEXT_FROM",
    "USD_TICKS_PER_USD",
    "Catalog",
    "ModelInfo",
    "PriceTier",
    "Prices",
    "RetiredModelWarning",
    "Retirement",
    "get_catalog",
]

USD_TICKS_PER_USD = 10_000_000_000
_CENTS_PER_100M_PER_USD_PER_1M = 10_000  # /v1/language-models: USD cents per 100M tokens
# /v1/image-generation-models gives ``image_price`` in USD cents (OLD §5.4). A figure
# over $1 per image would mean the unit is not cents: keep the bundled price then.
_MAX_PLAUSIBLE_IMAGE_USD = 1.0


class RetiredModelWarning(UserWarning):
    """A retired model id was requested; the API answers with (and bills) another model."""


_warned_lock = threading.Lock()
_warned: set[str] = set()  # retired entry ids already warned about in this process


class Catalog:
    """Models by canonical id and alias. Thread-safe; a refresh swaps atomically."""

    def __init__(self, models: list[ModelInfo], *, defaults: dict[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._defaults = dict(defaults or {})
        self._set(models)

    def _set(self, models: list[ModelInfo]) -> None:
        # Ids first, so an alias never shadows another model's canonical id.
        by_name: dict[str, ModelInfo] = {info.id: info for info in models}
        for info in models:
            for alias in info.aliases:
                by_name.setdefault(alias, info)
        with self._lock:
            self._models = list(models)
            self._by_name = by_name

    @classmethod
    def bundled(cls) -> Catalog:
        """A fresh catalogue from the bundled ``catalog.json``."""
        raw = json.loads(resources.files(__package__).joinpath("catalog.json").read_text("utf-8"))
        models = [ModelInfo.model_validate(m) for m in raw["models"]]
        defaults = {k: v for k, v in raw.items() if k not in ("models", "_about")}
        return cls(models, defaults=defaults)

    # --- lookups -----------------------------------------------------------

    def resolve(self, name: str) -> ModelInfo | None:
        """The entry ``name`` (an id or alias) means, retired or not; None if unknown."""
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
        """Every chat entry, retired ones included (``current_models("chat")`` skips them)."""
        return [m for m in self._models if m.kind == "chat"]

    def image_models(self) -> list[ModelInfo]:
        return [m for m in self._models if m.kind == "image"]

    def video_models(self) -> list[ModelInfo]:
        return [m for m in self._models if m.kind == "video"]

    def current_models(self, kind: str | None = None) -> list[ModelInfo]:
        """The entries that are not retired (of ``kind`` "chat"/"image"/"video" if given)."""
        return [m for m in self._models if not m.is_retired and kind in (None, m.kind)]

    def names(self) -> list[str]:
        """Every id and alias, for completion and "did you mean" hints."""
        return sorted(self._by_name)

    # --- retired ids ---------------------------------------------------------

    def is_retired(self, name: str) -> bool:
        """True for a retired entry (or alias of one) and for a long-gone alias."""
        info = self.resolve(name)
        return (info is not None and info.is_retired) or name in self.retired_aliases

    def redirect_target(self, name: str) -> tuple[ModelInfo, str | None] | None:
        """``(target, implied_effort)`` the API answers a retired ``name`` with, else None."""
        info = self.resolve(name)
        if info is None or info.retired is None or not info.retired.redirect_to:
            return None
        target = self.resolve(info.retired.redirect_to)
        if target is None or target.is_retired:  # a broken chain: better none than a loop
            return None
        return target, info.retired.implied_effort

    def effective_model(self, name: str) -> ModelInfo | None:
        """The entry that answers ``name``: the redirect target for a retired id."""
        redirect = self.redirect_target(name)
        return redirect[0] if redirect is not None else self.resolve(name)

    def price_model(self, name: str) -> ModelInfo | None:
        """The entry whose prices apply to a request for ``name`` (see ``effective_model``)."""
        return self.effective_model(name)

    def warn_if_retired(self, name: str, *, stacklevel: int = 2) -> bool:
        """Warn (``RetiredModelWarning``) once per process per retired model; True if it did.

        ``stacklevel`` counts from the caller: 1 blames the line that called this,
        2 (the default) that line's caller, as for a call inside a client method.
        """
        info = self.resolve(name)
        if info is None or info.retired is None:
            return False
        with _warned_lock:
            if info.id in _warned:
                return False
            _warned.add(info.id)
        warnings.warn(_retired_message(name, info, self.redirect_target(name)),
                      RetiredModelWarning, stacklevel=stacklevel + 1)
        return True

    # --- parameters ----------------------------------------------------------

    def accepted_efforts(self, name: str) -> tuple[str, ...]:
        """The ``reasoning_effort`` values the answering model is known to take (may be ())."""
        info = self.effective_model(name)
        if info is None or "reasoning_effort" in info.rejected_parameters:
            return ()
        return info.reasoning_efforts

    def default_effort(self, name: str) -> str | None:
        """The effort a request without one gets: a redirect's implied effort, else the default."""
        redirect = self.redirect_target(name)
        if redirect is not None and redirect[1] is not None:
            return redirect[1]
        info = self.effective_model(name)
        return info.default_reasoning_effort if info is not None else None

    def must_refuse(self, name: str, parameter: str, value: object = None) -> bool:
        """True only for a [V] rejection by the model that answers ``name``.

        A [U] rejection, an unknown model or an unknown value is sent: the
        server's own 400 is better than refusing a request that would work.
        """
        info = self.effective_model(name)
        return info is not None and info.must_refuse(parameter, value)

    def must_refuse_effort(self, name: str, effort: str) -> bool:
        """``must_refuse(name, "reasoning_effort", effort)``."""
        return self.must_refuse(name, "reasoning_effort", effort)

    # --- prices --------------------------------------------------------------

    def cost_usd(self, name: str, usage: Usage) -> float | None:
        """``usage`` at the prices of the model that answers ``name``; None if unknown."""
        info = self.price_model(name)
        return info.cost_usd(usage) if info is not None else None

    def tool_price_usd(self, tool: str) -> float | None:
        """USD per call of a server-side tool (``web_search`` or ``web_search_calls``)."""
        prices = self._defaults.get("tool_prices_per_1k_calls", {})
        key = tool.removesuffix("_calls")
        # input_file parts bill attachment_search under this usage counter [U] (section 5).
        key = "attachment_search" if key == "document_search" else key
        return prices[key] / 1000 if key in prices else None

    @property
    def batch_discount(self) -> float:
        return float(self._defaults.get("batch_discount", 0.0))

    def service_tier_multiplier(self, service_tier: str | None) -> float:
        """The token price factor of a ``service_tier`` (``"priority"``: 2.0); 1.0 otherwise."""
        factors = self._defaults.get("service_tier_multipliers", {})
        return float(factors.get(service_tier, 1.0)) if service_tier else 1.0

    # --- the Batch API -------------------------------------------------------

    def batchable_models(self) -> list[str]:
        """Current chat models a source says take Batch API requests."""
        return [m.id for m in self.current_models("chat") if m.batch is True]

    def check_batchable(self, name: str, *, stacklevel: int = 2) -> None:
        """Refuse a Batch API request for a model that takes none; warn when unknown.

        ``ModelNotBatchableError`` (an ``InvalidRequestError``) when the answering
        model's ``batch`` is False (grok-4.5, grok-4.6: xai-api-2026-09.md §5 [DOC]);
        one ``BatchSupportUnknownWarning`` when it is None ([U]: sent anyway, the
        server decides). A model the catalogue does not know passes silently here.
        """
        info = self.effective_model(name)
        if info is None or info.batch is True:
            return
        if info.batch is False:
            takers = tuple(self.batchable_models())
            called = name if name == info.id else f"{name} ({info.id})"
            raise ModelNotBatchableError(
                f"{called} does not take Batch API requests. Models that do: "
                f"{', '.join(takers) or 'none known'}; or send these requests one by one.",
                model=info.id,
                batchable=takers,
            )
        warnings.warn(
            f"Whether {info.id} takes Batch API requests is unknown (no source says); "
            "sending it anyway: the batch results will show the server's answer.",
            BatchSupportUnknownWarning,
            stacklevel=stacklevel + 1,
        )

    # --- defaults ------------------------------------------------------------

    @property
    def default_chat_model(self) -> str:
        return self._defaults.get("default_chat_model", "grok-4.3")

    @property
    def default_vision_model(self) -> str:
        return self._defaults.get("default_vision_model", self.default_chat_model)

    @property
    def default_image_model(self) -> str:
        return self._defaults.get("default_image_model", "grok-imagine-image")

    @property
    def default_video_model(self) -> str:
        return self._defaults.get("default_video_model", "grok-imagine-video")

    @property
    def retired_aliases(self) -> frozenset[str]:
        """Long-gone names with no entry (grok-beta): the API answers 404."""
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

        What the endpoint does not say (context window, long-context tier,
        rejected parameters, efforts, retirement) is kept from the bundled
        entry; a new model gets none of it.
        """
        merged = {m.id: m for m in self._models}
        for lm in listed:
            old = merged.get(lm.id)
            base = old.price_per_million if old is not None else Prices()
            prices = base.model_copy(update={
                "input": lm.prompt_text_token_price / _CENTS_PER_100M_PER_USD_PER_1M,
                "cached_input": lm.cached_prompt_text_token_price / _CENTS_PER_100M_PER_USD_PER_1M,
                "output": lm.completion_text_token_price / _CENTS_PER_100M_PER_USD_PER_1M,
                "image_input": lm.prompt_image_token_price / _CENTS_PER_100M_PER_USD_PER_1M
                if "image" in lm.input_modalities
                else None,
            })
            fields = {
                "aliases": tuple(lm.aliases),
                "created": lm.created,
                "input_modalities": tuple(lm.input_modalities),
                "output_modalities": tuple(lm.output_modalities),
                "price_per_million": prices,
                "source": "live",
            }
            merged[lm.id] = _overlay(old, lm.id, "chat", fields)
        self._set(list(merged.values()))

    def update_from_image_models(self, listed: list[ImageGenerationModel]) -> None:
        """Overlay prices, modalities and aliases from ``/v1/image-generation-models``."""
        merged = {m.id: m for m in self._models}
        for im in listed:
            old = merged.get(im.id)
            fields: dict[str, Any] = {
                "aliases": tuple(im.aliases),
                "created": im.created,
                "input_modalities": tuple(im.input_modalities),
                "output_modalities": tuple(im.output_modalities),
                "source": "live",
            }
            if im.max_prompt_length is not None:
                fields["max_prompt_length"] = im.max_prompt_length
            if im.image_price is not None and im.image_price / 100 <= _MAX_PLAUSIBLE_IMAGE_USD:
                fields["image_price_usd"] = im.image_price / 100
            merged[im.id] = _overlay(old, im.id, "image", fields)
        self._set(list(merged.values()))

    def refresh(self, client: Any) -> Catalog:
        """Update from the server ``client`` (a ``GrokClient``) talks to, now; errors raise.

        ``%grok models --refresh`` uses this; it also rewrites the disk cache
        (not for a loopback server such as the emulator).
        """
        from ._catalog_cache import fetch_listing, is_loopback, store_listing

        if hasattr(client, "__aenter__"):
            raise TypeError(
                "catalog.refresh needs a GrokClient; use `await catalog.arefresh(client)`"
            )
        listing = fetch_listing(client)
        self.apply_listing(listing)
        if not is_loopback(client.base_url):
            store_listing(client, listing)
        return self

    async def arefresh(self, client: Any) -> Catalog:
        """``refresh`` for an ``AsyncGrokClient``."""
        from ._catalog_cache import afetch_listing, is_loopback, store_listing

        listing = await afetch_listing(client)
        self.apply_listing(listing)
        if not is_loopback(client.base_url):
            store_listing(client, listing)
        return self

    def apply_listing(self, listing: dict[str, list[Any]]) -> None:
        """Overlay a ``{"language_models": [...], "image_models": [...]}`` listing."""
        self.update_from_language_models(listing.get("language_models", []))
        self.update_from_image_models(listing.get("image_models", []))


def _overlay(old: ModelInfo | None, model_id: str, kind: str, fields: dict[str, Any]) -> ModelInfo:
    if old is None:
        return ModelInfo(id=model_id, kind=kind, **fields)  # type: ignore[arg-type]
    # What the server just told us is no longer unverified.
    told = {"created", "input_modalities", "output_modalities", "aliases", "max_prompt_length"}
    told |= {"price_per_million", "image_price_usd"} & fields.keys()
    unverified = tuple(
        f for f in old.unverified
        if f.split(".")[0] not in told or f == "price_per_million.long_context"
    )
    return old.model_copy(update={**fields, "unverified": unverified})


def _retired_message(
    name: str, info: ModelInfo, redirect: tuple[ModelInfo, str | None] | None
) -> str:
    r = info.retired
    assert r is not None
    called = name if name == info.id else f"{name} ({info.id})"
    when = f" on {r.date}" if r.date else ""
    if redirect is None:
        return (f"Model {called} was retired{when}; the server may refuse it. "
                "Pick a current model (`%grok models`).")
    target, effort = redirect
    with_effort = f" with reasoning_effort={effort!r}" if effort else ""
    hedge = "" if r.verified else " (redirect not confirmed by xAI; best evidence)"
    return (
        f"Model {called} was retired{when}. The API answers it with {target.id}{with_effort}"
        f" and bills {target.id}'s prices{hedge}. Ask for {target.id!r} to silence this."
    )


_default_catalog: Catalog | None = None
_default_lock = threading.Lock()


def get_catalog() -> Catalog:
    """The process-wide catalogue, loaded from the bundled file on first use."""
    global _default_catalog
    if _default_catalog is None:
        with _default_lock:
            if _default_catalog is None:
                _default_catalog = Catalog.bundled()
    return _default_catalog
