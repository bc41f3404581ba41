"""The input items of a stored response: ``GET /v1/responses/{id}/input_items``.

The route exists (shared/xai-api-2026-09.md section 2, [DOC]) and pages with
``limit``, ``order`` and ``after``; its answer's shape is not recorded, so it
follows OpenAI's list object (``object: "list"``, ``data``, ``first_id``,
``last_id``, ``has_more``) and its defaults (20 items, newest first) [U].
Items are the request's own ``input`` (not those of the chain it continued),
each with an id: the one the client sent, else a new one.
"""

from __future__ import annotations

import uuid
from typing import Any

from ._errors import bad_request

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _message(item: dict[str, Any]) -> dict[str, Any]:
    role = item.get("role")
    content = item.get("content")
    if isinstance(content, str):
        part = "output_text" if role == "assistant" else "input_text"
        content = [{"type": part, "text": content}]
    return {
        "id": item.get("id") or f"msg_{uuid.uuid4().hex}",
        "type": "message",
        "role": role,
        "content": content,
        "status": item.get("status") or "completed",
    }


def input_items(raw_input: Any) -> list[dict[str, Any]]:
    """``input`` (already checked) as the list route returns its items, in order."""
    items = [{"role": "user", "content": raw_input}] if isinstance(raw_input, str) else raw_input
    listed = []
    for item in items:
        if item.get("type", "message") == "message":
            listed.append(_message(item))
        else:
            listed.append({"id": item.get("id") or f"item_{uuid.uuid4().hex}", **item})
    return listed


def page_params(query: Any) -> tuple[int, str, str | None]:
    """``limit`` (1..100, default 20), ``order`` (``asc``/``desc``, default desc), ``after``."""
    raw = query.get("limit")
    if raw is None:
        limit = DEFAULT_LIMIT
    elif raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT:
        limit = int(raw)
    else:
        raise bad_request(f"limit must be an integer from 1 to {MAX_LIMIT}, got {raw!r}.")
    order = query.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise bad_request(f"order must be 'asc' or 'desc', got {order!r}.")
    return limit, order, query.get("after") or None


def page(items: list[dict[str, Any]], limit: int, order: str, after: str | None) -> dict[str, Any]:
    """One page of ``items`` as a list object; ``after``: the id the page follows."""
    ordered = items if order == "asc" else items[::-1]
    if after is not None:
        ids = [item["id"] for item in ordered]
        if after not in ids:
            raise bad_request(f"after: no input item with id {after!r} in this response.")
        ordered = ordered[ids.index(after) + 1 :]
    data = ordered[:limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(ordered) > limit,
    }
