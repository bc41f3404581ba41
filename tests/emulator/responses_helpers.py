"""Helpers for the /v1/responses tests: model choice by catalogue, SSE decoding."""

from __future__ import annotations

from typing import Any

from grok_jupyter.client._catalog import get_catalog
from tests.emulator.emulator_helpers import parse_sse


def model(*, reasoning: bool, images: bool = False) -> str:
    """A current catalogue model with or without reasoning (the catalogue changes over time)."""
    catalog = get_catalog()
    for info in catalog.chat_models():
        if info.id in catalog.retired_aliases or info.reasoning != reasoning:
            continue
        if images and not info.supports_images:
            continue
        if info.price_per_million.cached_input is None:
            continue  # the cache tests need a cached-input price
        return info.id
    raise LookupError("no such model in the catalogue")


def events(response: Any) -> list[dict[str, Any]]:
    """The JSON events of a streamed response (a trailing ``[DONE]`` dropped)."""
    return [e for e in parse_sse(response.text) if e != "[DONE]"]


def message_of(body: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in body["output"] if i["type"] == "message")


def text_of(body: dict[str, Any]) -> str:
    return message_of(body)["content"][0]["text"]


def cited(body: dict[str, Any]) -> list[str]:
    return [a["url"] for a in message_of(body)["content"][0]["annotations"]]
