"""LangChain integration for xAI's Grok models on grok-jupyter's shared client.

``ChatGrok`` is loaded on first use (PEP 562), so ``import langchain_grok``
costs next to nothing until the model class is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_grok.chat_models import ChatGrok

__all__ = ["ChatGrok"]


def __getattr__(name: str) -> Any:
    if name == "ChatGrok":
        from langchain_grok.chat_models import ChatGrok

        return ChatGrok
    raise AttributeError(f"module 'langchain_grok' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
