"""Checks made before a request is sent, so a doomed call costs nothing.

Each failure is an ``InvalidRequestError`` whose message names the problem
and what to do about it. The checks read the catalogue; a model it does not
know is sent anyway (with ``UnknownModelWarning``), as new models must work the
day they ship. ``GrokClient(validate=False)`` skips all of this.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from . import _tokens
from ._catalog import Catalog, ModelInfo
from ._errors import (
    ContextWindowExceededError,
    ImageInputError,
    UnknownModelWarning,
    UnsupportedParameterError,
)
from ._images import check_image_url

# The local token count is an estimate; refuse only what is surely too long.
CONTEXT_SAFETY_MARGIN = 0.95
# Values some Grok model accepts; a model the catalogue lists narrows them.
KNOWN_REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high")
MAX_TOP_LOGPROBS = 8  # the API's bound (OAS ChatRequest)
_UNKNOWN_IMAGE_SIZE = (1024, 1024)  # an http(s) image we cannot measure without fetching


def validate_chat(wire: dict[str, Any], catalog: Catalog, *, stacklevel: int = 4) -> None:
    """Raise if the chat request ``wire`` (the JSON body) would surely fail or cannot fit."""
    model = wire["model"]
    info = catalog.resolve(model)
    if info is None:
        hint = ""
        if model in catalog.retired_aliases:
            hint = " It has been retired; the server will answer 404."
        warnings.warn(
            f"Model {model!r} is not in the catalogue; sending it as is.{hint} "
            "catalog.refresh(client) updates the catalogue from the server.",
            UnknownModelWarning,
            stacklevel=stacklevel,
        )
    else:
        _check_parameters(wire, info, catalog)
    _check_reasoning_effort(wire, info)
    _check_logprobs(wire, info)
    image_tokens = _check_images(wire, info, catalog)
    if info is not None and info.context_window:
        _check_context(wire, info, catalog, image_tokens)


def _check_parameters(wire: dict[str, Any], info: ModelInfo, catalog: Catalog) -> None:
    for name in sorted(info.rejected_parameters):
        if wire.get(name) is None:
            continue
        takers = [
            m.id
            for m in sorted(catalog.chat_models(), key=lambda m: -m.created)
            if name not in m.rejected_parameters
        ]
        pick = f" or pick {takers[0]}, which takes it" if takers else ""
        raise UnsupportedParameterError(
            f"{info.id} does not accept the parameter {name!r} (the API would answer 400). "
            f"Drop {name}{pick}.",
            parameter=name,
            model=info.id,
        )


def _check_reasoning_effort(wire: dict[str, Any], info: ModelInfo | None) -> None:
    effort = wire.get("reasoning_effort")
    if effort is None:
        return
    allowed = (info.reasoning_efforts if info else ()) or KNOWN_REASONING_EFFORTS
    if effort not in allowed:
        model = info.id if info else wire["model"]
        raise UnsupportedParameterError(
            f"reasoning_effort={effort!r} is not a value {model} takes; use one of "
            f"{', '.join(repr(a) for a in allowed)}.",
            parameter="reasoning_effort",
            model=model,
        )


def _check_logprobs(wire: dict[str, Any], info: ModelInfo | None) -> None:
    """The API's rules for ``top_logprobs`` (0 to 8, and only with ``logprobs=True``)."""
    top = wire.get("top_logprobs")
    if top is None:
        return
    model = info.id if info else wire["model"]
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MAX_TOP_LOGPROBS:
        raise UnsupportedParameterError(
            f"top_logprobs={top!r} is out of range (the API would answer 400); "
            f"use an integer from 0 to {MAX_TOP_LOGPROBS}.",
            parameter="top_logprobs",
            model=model,
        )
    if wire.get("logprobs") is not True:
        raise UnsupportedParameterError(
            f"top_logprobs={top} needs logprobs=True (the API would answer 400); "
            "pass logprobs=True as well, or drop top_logprobs.",
            parameter="top_logprobs",
            model=model,
        )


def _image_parts(wire: dict[str, Any]) -> list[dict[str, Any]]:
    parts = []
    for message in wire["messages"]:
        content = message.get("content")
        if isinstance(content, list):
            parts.extend(p for p in content if isinstance(p, dict) and p.get("type") == "image_url")
    return parts


def _check_images(
    wire: dict[str, Any], info: ModelInfo | None, catalog: Catalog
) -> dict[int, int]:
    """Refuse images the model or the API cannot take; return each part's tokens by ``id``."""
    parts = _image_parts(wire)
    if not parts:
        return {}
    if info is not None and not info.supports_images:
        vision = catalog.resolve(catalog.default_vision_model)
        if vision is None or not vision.supports_images:
            vision = next((m for m in catalog.chat_models() if m.supports_images), None)
        hint = f" Use a vision model, e.g. model={vision.id!r}." if vision else ""
        raise ImageInputError(f"{info.id} reads text only and cannot take images.{hint}")
    limits = catalog.image_input_limits
    tokens = {}
    for n, part in enumerate(parts, 1):
        image_url = part.get("image_url") or {}
        url = image_url.get("url") if isinstance(image_url, dict) else None
        if not isinstance(url, str):
            raise ImageInputError(f"Image {n} has no URL; build it with image_part(...).")
        size = check_image_url(
            url,
            max_bytes=int(limits.get("max_bytes", 10 * 1024 * 1024)),
            max_side=int(limits.get("max_pixels_per_side", 8192)),
            label=f"Image {n}",
        )
        w, h = size or _UNKNOWN_IMAGE_SIZE
        tokens[id(part)] = _tokens.image_tokens(w, h, image_url.get("detail"))
    return tokens


def _check_context(
    wire: dict[str, Any],
    info: ModelInfo,
    catalog: Catalog,
    image_tokens: dict[int, int],
) -> None:
    window = info.context_window or 0
    limit = int(window * CONTEXT_SAFETY_MARGIN)
    reserved = wire.get("max_completion_tokens") or wire.get("max_tokens") or 0
    # A token is at least one character: skip the tokenizer when even that cannot overflow.
    characters = len(json.dumps(wire, ensure_ascii=False)) + sum(image_tokens.values())
    if characters + reserved <= limit:
        return
    # The emulator's own billing rule, so the estimate and its usage agree; a
    # structured-output schema is counted on top, as the real API reads it too.
    schema = wire.get("response_format")
    estimate = (
        _tokens.count_prompt_tokens(
            wire["messages"],
            wire.get("tools"),
            image_tokens_of=lambda part: image_tokens.get(
                id(part), _tokens.unknown_size_image_tokens(part)
            ),
        )
        + (_tokens.count_tokens(json.dumps(schema)) if schema else 0)
        + reserved
    )
    if estimate <= limit:
        return
    bigger = [
        m
        for m in sorted(catalog.chat_models(), key=lambda m: -(m.context_window or 0))
        if (m.context_window or 0) * CONTEXT_SAFETY_MARGIN >= estimate
    ]
    options = ["shorten the prompt or the conversation"]
    if reserved:
        options.append(f"lower max_tokens (now {reserved:,})")
    if bigger:
        options.append(
            f"use a model with a bigger window ({bigger[0].id}: {bigger[0].context_window:,})"
        )
    raise ContextWindowExceededError(
        f"The request needs about {estimate:,} tokens (local estimate, including "
        f"{reserved:,} reserved for the answer) but {info.id}'s context window is "
        f"{window:,} (refused above {limit:,}, a {1 - CONTEXT_SAFETY_MARGIN:.0%} safety margin). "
        f"To fix: {'; '.join(options)}. client.count_tokens(text) gives the exact count; "
        "GrokClient(validate=False) skips this check.",
        estimated_tokens=estimate,
        context_window=window,
    )
