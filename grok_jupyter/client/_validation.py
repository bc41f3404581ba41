"""Checks made before a request is sent, so a doomed call costs nothing.

Each failure is an ``InvalidRequestError`` whose message names the problem
and what to do about it. The checks read the catalogue; a model it does not
know is sent anyway (with ``UnknownModelWarning``), as new models must work the
day they ship. ``GrokClient(validate=False)`` skips all of this.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from typing import Any

from . import _tokens
from ._catalog import Catalog, ModelInfo
from ._errors import (
    ContextWindowExceededError,
    ImageInputError,
    InvalidValueError,
    UnknownModelWarning,
    UnknownParameterWarning,
    UnsupportedParameterError,
)
from ._images import check_image_url

# The local token count is an estimate; refuse only what is surely too long.
CONTEXT_SAFETY_MARGIN = 0.95
# Values some Grok model accepts (xai-api-2026.md §4.1); the catalogue has each model's set.
KNOWN_REASONING_EFFORTS = ("none", "low", "medium", "high", "xhigh")
MAX_TOP_LOGPROBS = 8  # the API's bound (OAS ChatRequest)
_UNKNOWN_IMAGE_SIZE = (1024, 1024)  # an http(s) image we cannot measure without fetching
# The API's own bounds, each [V] in xai-api.md §1.1: (lowest, lowest included, highest).
# max_tokens / max_completion_tokens < 1 ask for no answer at all: invalid on their face.
NUMERIC_BOUNDS: dict[str, tuple[float, bool, float | None]] = {
    "temperature": (0.0, True, 2.0),
    "top_p": (0.0, False, 1.0),
    "n": (1, True, None),
    "max_tokens": (1, True, None),
    "max_completion_tokens": (1, True, None),
}
# Chat keywords the client knows: ChatRequest's fields, and names the API lists
# but the client does not model (sent as given, without a warning).
_EXTRA_KNOWN = frozenset({"logit_bias"})
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def external_stacklevel() -> int:
    """A ``stacklevel`` for ``warnings.warn`` called by our caller that points at user code:
    the first frame outside ``grok_jupyter.client``, however the call got here."""
    frame = sys._getframe(1)  # the function that will call warnings.warn
    level = 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == (
        _PACKAGE_DIR
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def known_chat_parameters() -> frozenset[str]:
    from ._types import ChatRequest

    return frozenset(ChatRequest.model_fields) | _EXTRA_KNOWN


def warn_unknown_parameters(params: dict[str, Any]) -> None:
    """One warning for keywords the client does not know, with the closest known names.

    They are still sent: the API may have added them since this release."""
    known = known_chat_parameters()
    unknown = sorted(k for k in params if k not in known)
    if not unknown:
        return
    import difflib

    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    which = "parameter" if len(unknown) == 1 else "parameters"
    warnings.warn(
        f"Unknown chat {which} {', '.join(parts)}: sent as given, since the API may have "
        "added it; check the spelling if that is not what you meant.",
        UnknownParameterWarning,
        stacklevel=external_stacklevel(),
    )


def check_bounds(wire: dict[str, Any]) -> None:
    """Refuse numbers outside the API's own bounds (``NUMERIC_BOUNDS``), and NaN/inf."""
    for name, (low, low_included, high) in NUMERIC_BOUNDS.items():
        value = wire.get(name)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not math.isfinite(value):
            from ._encode import non_finite

            raise non_finite(name, value)
        too_low = value < low if low_included else value <= low
        if too_low or (high is not None and value > high):
            if high is None:
                allowed = f"an integer >= {low:g}"
            else:
                allowed = f"{'from' if low_included else 'above'} {low:g} to {high:g}"
            raise InvalidValueError(
                f"{name}={value!r} is out of range: the API takes {allowed} (it would answer "
                f"400). Change {name}, or leave it out for the default.",
                parameter=name,
            )


def validate_chat(
    wire: dict[str, Any], catalog: Catalog, *, stacklevel: int | None = None
) -> None:
    """Raise if the chat request ``wire`` (the JSON body) would surely fail or cannot fit.

    A retired id is checked against the model that answers it (its redirect
    target), and only [V] rejections are refused (``catalog.must_refuse``): for
    a [U] one the request is sent and the server's 400 comes back typed.
    """
    if stacklevel is None:
        stacklevel = external_stacklevel()
    check_bounds(wire)
    model = wire["model"]
    if catalog.resolve(model) is None:
        hint = ""
        if model in catalog.retired_aliases:  # gone with no redirect (grok-beta)
            hint = " It has been retired; the server will answer 404."
        warnings.warn(
            f"Model {model!r} is not in the catalogue; sending it as is.{hint} "
            "catalog.refresh(client) updates the catalogue from the server.",
            UnknownModelWarning,
            stacklevel=stacklevel,
        )
    info = catalog.effective_model(model)  # what answers (and bills) the request
    _check_reasoning_effort(wire, catalog)
    _check_parameters(wire, catalog)
    _check_logprobs(wire, info)
    image_tokens = _check_images(wire, info, catalog)
    # Only a [V] window is enforced: a wrong refusal is worse than the server's 400.
    if info is not None and info.context_window and info.is_verified("context_window"):
        _check_context(wire, info, catalog, image_tokens)


def _answering_id(model: str, catalog: Catalog) -> str:
    info = catalog.effective_model(model)
    return info.id if info is not None else model


def _check_parameters(wire: dict[str, Any], catalog: Catalog) -> None:
    """Refuse a parameter only where a source verifies the model's 400 ([V])."""
    model = wire["model"]
    for name in sorted(wire):
        value = wire[name]
        if name in ("model", "messages", "reasoning_effort") or value is None:
            continue
        if not catalog.must_refuse(model, name, value):
            continue
        takers = [
            m.id
            for m in sorted(catalog.current_models("chat"), key=lambda m: -m.created)
            if name not in m.rejected_parameters and not m.must_refuse(name, value)
        ]
        pick = f" or pick {takers[0]}, which takes it" if takers else ""
        answering = _answering_id(model, catalog)
        raise UnsupportedParameterError(
            f"{answering} does not accept the parameter {name!r} (the API would answer 400). "
            f"Drop {name}{pick}.",
            parameter=name,
            model=answering,
        )


def _efforts_text(catalog: Catalog, model: str) -> str:
    accepted = catalog.accepted_efforts(model)
    if not accepted:
        return "no value"
    default = catalog.default_effort(model)
    text = ", ".join(repr(a) for a in accepted)
    return f"{text} (default {default!r})" if default else text


def _check_reasoning_effort(wire: dict[str, Any], catalog: Catalog) -> None:
    """Refuse ``reasoning_effort`` only for a [V] rejection (grok-4.20 takes none at all).

    A value the catalogue does not list (``xhigh`` on grok-4.3) is sent: the
    value sets are partly [U], and the server's 400 says what it takes.
    """
    effort = wire.get("reasoning_effort")
    if effort is None or not catalog.must_refuse_effort(wire["model"], effort):
        return
    model = wire["model"]
    answering = _answering_id(model, catalog)
    if catalog.accepted_efforts(model):
        what = f"reasoning_effort={effort!r} is not a value {answering} takes"
        fix = f"Use one of {_efforts_text(catalog, model)}, or drop reasoning_effort"
    else:
        what = (
            f"{answering} does not accept the parameter 'reasoning_effort' for any value "
            f"(got reasoning_effort={effort!r})"
        )
        fix = "Drop reasoning_effort"
    # The default chat model first, then the newest.
    current = sorted(
        catalog.current_models("chat"),
        key=lambda m: (m.id != catalog.default_chat_model, -m.created),
    )
    takers = [
        m.id
        for m in current
        if effort in catalog.accepted_efforts(m.id) and not catalog.must_refuse_effort(m.id, effort)
    ]
    pick = (
        f" or pick {takers[0]}, which takes {_efforts_text(catalog, takers[0])}" if takers else ""
    )
    raise UnsupportedParameterError(
        f"{what} (the API would answer 400). {fix}{pick}.",
        parameter="reasoning_effort",
        model=answering,
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
    if info is not None and not info.supports_images and info.is_verified("input_modalities"):
        vision = catalog.resolve(catalog.default_vision_model)
        if vision is None or not vision.supports_images:
            vision = next((m for m in catalog.current_models("chat") if m.supports_images), None)
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
        for m in sorted(catalog.current_models("chat"), key=lambda m: -(m.context_window or 0))
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
