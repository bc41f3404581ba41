"""The one deterministic tokenizer shared by the emulator and the client.

The emulator counts usage and answers ``/v1/tokenize-text`` with it; the
client uses it for the cheap pre-flight estimate of whether a prompt fits the
context window. It is not xAI's tokenizer (that one is private), but it lands
in the same range (about four characters a token of English), and the client
adds a safety margin before refusing anything.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Callable
from typing import Any

# Words of at most eight letters (longer ones split), runs of up to three
# digits, single punctuation marks; each may carry one leading space.
_TOKEN_RE = re.compile(r" ?[^\W\d_]{1,8}| ?\d{1,3}| ?[^\w\s]| ?_+|\s+?(?=\S)|\s+")

VOCAB_SIZE = 131_072
IMAGE_TILE_PX = 448
IMAGE_TOKENS_PER_TILE = 256
IMAGE_TOKENS_LOW_DETAIL = 256
MESSAGE_OVERHEAD_TOKENS = 3  # role marker + separators per message, as chat templates do


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into token strings; joining them gives ``text`` back."""
    return _TOKEN_RE.findall(text)


def count_tokens(text: str) -> int:
    return len(_TOKEN_RE.findall(text))


def token_id(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) % VOCAB_SIZE


def image_tokens(width: int, height: int, detail: str | None = "auto") -> int:
    """Tokens an image costs: one block per 448 px tile, or a flat rate at low detail."""
    if detail == "low":
        return IMAGE_TOKENS_LOW_DETAIL
    tiles = math.ceil(width / IMAGE_TILE_PX) * math.ceil(height / IMAGE_TILE_PX)
    return IMAGE_TOKENS_PER_TILE * max(1, tiles)


def message_text(message: dict[str, Any]) -> str:
    """The text of a wire message: its string content, or its text parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def unknown_size_image_tokens(part: dict[str, Any]) -> int:
    """What an ``image_url`` part costs when its size is not known: a 1024 px square."""
    image_url = part.get("image_url")
    detail = image_url.get("detail") if isinstance(image_url, dict) else None
    return image_tokens(1024, 1024, detail or "auto")


def count_prompt_tokens(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    *,
    image_tokens_of: Callable[[dict[str, Any]], int] = unknown_size_image_tokens,
) -> int:
    """Prompt tokens of a chat request in wire form, as the emulator bills them.

    Each message costs ``MESSAGE_OVERHEAD_TOKENS`` plus its text, plus the name
    and the arguments of each tool call it makes, plus ``image_tokens_of(part)``
    for each ``image_url`` part; offered ``tools`` add their JSON. One rule, so
    the emulator's usage and the client's pre-flight estimate cannot drift apart.
    """
    total = 0
    for message in messages:
        total += MESSAGE_OVERHEAD_TOKENS + count_tokens(message_text(message))
        for call in message.get("tool_calls") or ():
            fn = call.get("function") or {}
            total += count_tokens(str(fn.get("name", ""))) + count_tokens(
                str(fn.get("arguments", ""))
            )
        content = message.get("content")
        for part in content if isinstance(content, list) else ():
            if isinstance(part, dict) and part.get("type") == "image_url":
                total += image_tokens_of(part)
    if tools:
        total += count_tokens(json.dumps(tools, ensure_ascii=False))
    return total
