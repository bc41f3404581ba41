"""Keep every API key this process knows out of what the notebook layer sends or writes:
prompts, tool outputs and history (the turn engine), a traceback quoted by
``%grok fix``, chat files and the panel's view.

The keys are ``XAI_API_KEY`` and every key a client was made with
(``client/_key_registry.py``, held in memory only).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from ..client._key_registry import known_keys

if TYPE_CHECKING:
    from ..client._types import Message

REDACTED = "[redacted API key]"

__all__ = ["REDACTED", "KeyInPromptWarning", "known_keys", "redact", "redact_message",
           "redact_messages", "warn_key_in_prompt"]


class KeyInPromptWarning(UserWarning):
    """A prompt (or a tool output, or the history) held an API key; it was replaced by
    ``[redacted API key]`` before anything was sent. The warning never names the key."""


def redact(text: str, keys: list[str] | None = None) -> str:
    """``text`` with every known API key replaced by ``[redacted API key]``."""
    for key in known_keys() if keys is None else keys:
        if key in text:
            text = text.replace(key, REDACTED)
    return text


def redact_message(message: Message, keys: list[str] | None = None) -> Message:
    """``message`` with every known key replaced in its text (string content and text parts);
    the same object when it held none."""
    from ..client._types import TextPart

    keys = known_keys() if keys is None else keys
    content = message.content
    if not keys or content is None:
        return message
    if isinstance(content, str):
        clean = redact(content, keys)
        return message if clean == content else message.model_copy(update={"content": clean})
    parts = [
        part.model_copy(update={"text": redact(part.text, keys)})
        if isinstance(part, TextPart) and any(k in part.text for k in keys)
        else part
        for part in content
    ]
    if all(new is old for new, old in zip(parts, content, strict=True)):
        return message
    return message.model_copy(update={"content": parts})


def redact_messages(
    messages: list[Message], keys: list[str] | None = None
) -> tuple[list[Message], bool]:
    """``messages`` redacted, and whether any of them held a key."""
    keys = known_keys() if keys is None else keys
    out = [redact_message(m, keys) for m in messages]
    return out, any(new is not old for new, old in zip(out, messages, strict=True))


def warn_key_in_prompt(what: str = "The prompt") -> None:
    """One ``KeyInPromptWarning``: ``what`` held a key, which was replaced before sending."""
    warnings.warn(
        f"{what} held an API key; it was replaced by {REDACTED!r} before sending. Keep "
        "keys in XAI_API_KEY, never in a prompt or in a value a prompt or a tool shows.",
        KeyInPromptWarning,
        stacklevel=3,
    )
