"""Compaction items (``POST /v1/responses/compact``): the conversation, sealed for the model.

The real ``encrypted_content`` is xAI's own opaque blob (shared/xai-api-2026-09.md
section 2); a client only passes it back as an input item. This emulator's blob is
its own format, marked ``grokemu-compaction-1``: the conversation so far (chat-shaped
messages) and the id of the model it was made for, as zlib-compressed JSON, base64url,
with an HMAC-SHA256 over both made with a secret of this emulator process
(``EmulatorState.compaction_secret``): signed, not encrypted, so opaque only in that
clients must not rely on what is inside. So the blob really carries the conversation,
a later turn is answered from it, and a changed blob, one made by another emulator or
one made for another model is refused with a 400, before anything is billed.

The emulator answers from every carried message (a later question about something said
only in the compacted history is still answered), but bills them as real compaction
would: the item counts as its compacted size, ``compacted_size`` of the history it
replaced, spread over the messages it carries (``CompactedShare``, under the key
``COMPACTED``). So a compacted conversation is cheap to continue, as it is on the real
API, where the history is replaced by something much smaller. [U]: xAI documents no
ratio; the emulator's is about 1% of the history, at least 256 and at most 4,096 tokens,
and never more than the history itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..client._tokens import count_prompt_tokens, unknown_size_image_tokens
from ._errors import bad_request

MARK = "grokemu-compaction-1"
# The key a carried message has (in the emulator only, never on the wire): its share of the
# compaction's size. Its value is a ``CompactedShare``, which no JSON body can produce, so a
# client cannot claim the discount by sending the key itself.
COMPACTED = "_grokemu_compacted"
RATIO = 0.01  # [U] compacted size / history size: xAI documents none
MIN_TOKENS, MAX_TOKENS = 256, 4_096  # [U] bounds of the compacted size


@dataclass(frozen=True)
class CompactedShare:
    """The tokens one carried message is billed as (its share of the compacted size)."""

    tokens: int


def compacted_size(history_tokens: int) -> int:
    """What a compaction of ``history_tokens`` tokens is billed as, read and written ([U])."""
    size = max(MIN_TOKENS, min(MAX_TOKENS, round(history_tokens * RATIO)))
    return min(size, max(history_tokens, 1))


def billed_prompt_tokens(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    *,
    image_tokens_of: Callable[[dict[str, Any]], int] = unknown_size_image_tokens,
) -> int:
    """Prompt tokens as billed: ``count_prompt_tokens``, except that a message a
    compaction item carried counts as its share of the compacted size."""
    plain: list[dict[str, Any]] = []
    carried = 0
    for message in messages:
        share = message.get(COMPACTED)
        if isinstance(share, CompactedShare):
            carried += share.tokens
        else:
            plain.append(message)
    return count_prompt_tokens(plain, tools, image_tokens_of=image_tokens_of) + carried


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, f"{MARK}.{payload}".encode(), hashlib.sha256).digest())


def seal(secret: bytes, model_id: str, messages: list[dict[str, Any]], tokens: int) -> str:
    """The ``encrypted_content`` of a compaction item carrying ``messages`` for ``model_id``,
    billed as ``tokens`` when a later request sends it."""
    # An earlier compaction's messages are carried whole; the new item's size replaces theirs.
    bare = [{k: v for k, v in m.items() if k != COMPACTED} for m in messages]
    document = {"model": model_id, "messages": bare, "tokens": tokens}
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    payload = _b64(zlib.compress(raw, 6))
    return f"{MARK}.{payload}.{_signature(secret, payload)}"


def _damaged() -> Exception:
    # The real text is [U]; an invalid argument (400), as for any bad input item.
    return bad_request(
        "Invalid compaction item: its encrypted_content is damaged or was not made by this "
        "server. Pass back the output of POST /v1/responses/compact unchanged."
    )


def open_sealed(secret: bytes, model_id: str, blob: Any) -> list[dict[str, Any]]:
    """The messages ``blob`` carries, if it is ours, unchanged and made for ``model_id``;
    each marked with its share of the compacted size (``COMPACTED``)."""
    if not isinstance(blob, str) or not blob:
        raise bad_request("A compaction input item needs encrypted_content, a string.")
    mark, _, rest = blob.partition(".")
    payload, _, signature = rest.partition(".")
    if mark != MARK or not payload or not signature:
        raise _damaged()
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise _damaged()
    try:
        document = json.loads(zlib.decompress(_unb64(payload)))
    except (binascii.Error, zlib.error, ValueError):
        raise _damaged() from None
    made_for = document.get("model") if isinstance(document, dict) else None
    messages = document.get("messages") if isinstance(document, dict) else None
    tokens = document.get("tokens") if isinstance(document, dict) else None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise _damaged()
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
        raise _damaged()
    if made_for != model_id:
        # Bound to the model that made it [U: that the real API refuses it, and how].
        raise bad_request(
            f"This compaction item was made for model {made_for}, not {model_id}: "
            f"continue the conversation with {made_for}, or compact it again with {model_id}."
        )
    n = len(messages)
    return [
        {**m, COMPACTED: CompactedShare(tokens * (i + 1) // n - tokens * i // n)}
        for i, m in enumerate(messages)
    ]
