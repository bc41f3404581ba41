"""The one deterministic tokenizer shared by the emulator and the client.

The emulator counts usage and answers ``/v1/tokenize-text`` with it; the
client uses it for the cheap pre-flight estimate of whether a prompt fits the
context window. It is not xAI's tokenizer (that one is private), but it lands
in the same range (about four characters a token of English), and the client
adds a safety margin before refusing anything.
"""

from __future__ import annotations

import math
import re
import zlib

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
