"""One ChatGrok call, as LangChain hands it over, on its way to a route.

``chat_models.ChatGrok`` picks the route per call (``_responses.wants_responses``)
and hands it a ``Call``: ``_chat_completions`` and ``_responses`` then take the
same thing, invoked or streamed, sync or async.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from langchain_grok.chat_models import ChatGrok


@dataclass
class Call:
    """The model object, the conversation, LangChain's stop words and the call's kwargs."""

    llm: ChatGrok
    messages: list[BaseMessage]
    stop: list[str] | None
    kwargs: dict[str, Any]

    def request_fields(self, messages: list[BaseMessage] | None = None) -> dict[str, Any]:
        """What both APIs' request builders take from the call (``messages``: the call's
        own, unless given as prepared): the model's fields, overridden by the call's."""
        llm = self.llm
        return {
            "model": llm.model,
            "conversation_id": llm.conversation_id,
            "messages": self.messages if messages is None else messages,
            "stop": self.stop,
            "kwargs": self.kwargs,
        }
