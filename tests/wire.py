"""What the emulator received for a turn, read the same way whichever API carried it.

A plain turn goes to ``/v1/responses`` by default (``GrokMagics.api = "auto"``); a turn
pinned to chat goes to ``/v1/chat/completions``. These read the request bodies of
either, so a test asserts what the user asked for, not how one API spells it.
"""

from __future__ import annotations

from typing import Any

CHAT = "/v1/chat/completions"
RESPONSES = "/v1/responses"


def responses_requests(emu: Any) -> list[Any]:
    """The turns sent to the Responses API (POSTs; reads of stored answers left out)."""
    return [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"]


def turn_requests(emu: Any) -> list[Any]:
    """Every turn request, on either API, in order."""
    return [r for r in emu.requests if r.method == "POST" and r.path in (CHAT, RESPONSES)]


def last_body(emu: Any) -> dict[str, Any]:
    """The body of the last turn request, on either API."""
    return turn_requests(emu)[-1].body


def sent_items(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages (chat) or input items (Responses) of a request body."""
    if "messages" in body:
        return list(body["messages"])
    items = body.get("input")
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    return list(items or [])


def sent_roles(body: dict[str, Any]) -> list[str]:
    """The roles sent (chat's system message included; Responses items without one, such
    as ``function_call_output``, by their type)."""
    return [i.get("role") or i.get("type", "") for i in sent_items(body)]


def system_prompt(body: dict[str, Any]) -> str | None:
    """The system prompt: chat's leading system message, or Responses ``instructions``."""
    if "messages" in body:
        first = body["messages"][0] if body["messages"] else {}
        return first.get("content") if first.get("role") == "system" else None
    return body.get("instructions")


def user_content(body: dict[str, Any]) -> Any:
    """The content of the last user message or input item, as sent."""
    users = [i for i in sent_items(body) if i.get("role") == "user"]
    return users[-1]["content"]


def text_of(content: Any) -> str:
    """The text parts of a content, joined (``text`` on chat, ``input_text`` on Responses)."""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if p.get("type") in ("text", "input_text"))


def user_text(body: dict[str, Any]) -> str:
    """The text of the last user message sent."""
    return text_of(user_content(body))


def image_urls(content: Any) -> list[str]:
    """The image URLs of a content (``image_url`` parts on chat, ``input_image`` on Responses)."""
    if isinstance(content, str):
        return []
    urls = []
    for part in content:
        if part.get("type") == "image_url":
            urls.append(part["image_url"]["url"])
        elif part.get("type") == "input_image":
            urls.append(part["image_url"])
    return urls
