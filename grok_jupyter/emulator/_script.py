"""Scripted model turns: exact answers queued ahead of the deterministic responder.

``emu.script([...])``, ``POST /_emulator/script`` and ``--script FILE.json`` queue items;
each API request to chat or Responses takes the next one, in order, instead of what
the responder would say. An item is text (``"Done."`` or ``{"text": "Done."}``) or tool
calls (``{"tool": "run_code", "arguments": {"code": "1 + 1"}}``, or several as
``{"tool_calls": [{"name": ..., "arguments": {...}}, ...]}``).
"""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING, Any

from ._responder import Reply, respond

if TYPE_CHECKING:
    from ._state import EmulatorState
    from ._validation import ChatPlan


class ScriptError(ValueError):
    """An item that is neither text nor tool calls; says what a valid one looks like."""


_SHAPE = ('an item is text ("Done." or {"text": "Done."}) or tool calls '
          '({"tool": NAME, "arguments": {...}} or {"tool_calls": [{"name": ..., '
          '"arguments": {...}}]})')


def checked_item(item: Any) -> dict[str, Any]:
    """``item`` in one form: ``{"text": str}`` or ``{"tool_calls": [{"name", "arguments"}]}``."""
    if isinstance(item, str):
        return {"text": item}
    if not isinstance(item, dict):
        raise ScriptError(f"script item {item!r}: {_SHAPE}")
    if isinstance(item.get("text"), str) and len(item) == 1:
        return {"text": item["text"]}
    calls = item.get("tool_calls")
    if "tool" in item:
        calls = [{"name": item["tool"], "arguments": item.get("arguments") or {}}]
    if not isinstance(calls, list) or not calls:
        raise ScriptError(f"script item {item!r}: {_SHAPE}")
    out = []
    for call in calls:
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise ScriptError(f"script item {item!r}: each tool call needs a \"name\"; {_SHAPE}")
        arguments = call.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise ScriptError(f"script item {item!r}: \"arguments\" must be an object")
        out.append({"name": call["name"], "arguments": arguments})
    return {"tool_calls": out}


def scripted_reply(item: dict[str, Any], seed: str) -> Reply:
    """The ``Reply`` a checked item stands for (tool call ids from the request, so stable)."""
    if "text" in item:
        return Reply(content=item["text"], finish_reason="stop")
    calls = []
    for i, call in enumerate(item["tool_calls"]):
        digits = zlib.crc32(f"{seed}|script|{i}".encode()) % 100_000_000
        calls.append({"id": f"call_{digits:08d}", "type": "function", "function": {
            "name": call["name"],
            "arguments": json.dumps(call["arguments"], ensure_ascii=False, separators=(",", ":")),
        }})
    return Reply(content="", finish_reason="tool_calls", tool_calls=calls)


def reply_for(plan: ChatPlan, state: EmulatorState) -> Reply:
    """The next scripted item's reply when one is queued, else the responder's."""
    item = state.next_script()
    if item is None:
        return respond(plan)
    return scripted_reply(item, json.dumps(plan.messages, sort_keys=True, default=str))
