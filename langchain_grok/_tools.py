"""Tools and ``tool_choice`` in the form xAI's chat endpoint takes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool


def format_tools(tools: Sequence[Any], *, strict: bool | None = None) -> list[dict[str, Any]]:
    """Wire tool dicts from LangChain tools, functions, pydantic models or dicts.

    Server-side tool dicts (``{"type": "x_search", ...}``) pass as given, as
    langchain-openai passes OpenAI's built-in tools.
    """
    from langchain_grok._responses_request import is_server_tool

    return [t if is_server_tool(t) else convert_to_openai_tool(t, strict=strict) for t in tools]


def format_tool_choice(choice: Any, tools: list[dict[str, Any]]) -> str | dict[str, Any] | None:
    """Map LangChain's ``tool_choice`` spellings to xAI's.

    xAI knows ``"auto"``, ``"none"``, ``"required"`` and the object naming one
    function. ``"any"`` (LangChain's word) and ``True`` mean "must call a
    tool"; ``True`` with a single tool forces that tool.
    """
    names = [t["function"]["name"] for t in tools if t.get("type") == "function"]
    if choice is None or choice is False:
        return None
    if choice is True:
        return _named(names[0]) if len(names) == 1 else "required"
    if isinstance(choice, dict):
        return choice
    if choice == "any":
        return "required"
    if choice in ("auto", "none", "required"):
        return choice
    if isinstance(choice, str):
        if choice not in names:
            raise ValueError(f"tool_choice {choice!r} is not one of the bound tools {names}")
        return _named(choice)
    raise TypeError(f"tool_choice must be a str, bool or dict, not {type(choice).__name__}")


def _named(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}
