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

The emulator compacts without loss: the next turn reads every message back, and counts
them as input tokens as it would the history they were ([U]: how much the real
compaction shrinks a conversation, and what it keeps, is not documented).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from typing import Any

from ._errors import bad_request

MARK = "grokemu-compaction-1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, f"{MARK}.{payload}".encode(), hashlib.sha256).digest())


def seal(secret: bytes, model_id: str, messages: list[dict[str, Any]]) -> str:
    """The ``encrypted_content`` of a compaction item carrying ``messages`` for ``model_id``."""
    document = {"model": model_id, "messages": messages}
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
    """The messages ``blob`` carries, if it is ours, unchanged and made for ``model_id``."""
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
    if not isinstance(messages, list):
        raise _damaged()
    if made_for != model_id:
        # Bound to the model that made it [U: that the real API refuses it, and how].
        raise bad_request(
            f"This compaction item was made for model {made_for}, not {model_id}: "
            f"continue the conversation with {made_for}, or compact it again with {model_id}."
        )
    return messages
