"""An answer with no text is kept as it came, but never sent back empty.

The API refuses a message with no content element (400 "Each message must have
at least one content element.", shared/xai-api.md section 1.2 [V]), so an empty
assistant message in the history would break every later turn of the chat, and a
chat saved with one would stay broken. What the user saw stays in the
conversation (an empty answer); what is *sent* in its place is a short
placeholder the model can read, on both APIs, so the turns keep their order.
"""

from __future__ import annotations

from ...client._types import Message

EMPTY_ANSWER = "[This answer had no text.]"


def is_empty_answer(message: Message) -> bool:
    """An assistant message with no text and no tool call: nothing the API would take."""
    return message.role == "assistant" and not message.text.strip() and not message.tool_calls


def sendable(message: Message) -> Message:
    """``message``, or the placeholder in place of an empty answer."""
    if is_empty_answer(message):
        return message.model_copy(update={"content": EMPTY_ANSWER})
    return message
