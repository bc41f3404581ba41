"""A conversation as the JSON document the chat store saves, and back.

Schema 1: ``{schema, name, updated, system, model, conv_id, cost_usd, response_id,
response_turns, messages, turns, undo}``; messages are wire JSON with their
``data:`` images stored beside the chats (``chat_files.ChatImages``), ``turns``
holds one ``TurnMeta`` per turn, ``compactions`` one ``CompactionRecord`` per
compaction (the one in use with its items; added later, so an older file without it
loads with none), ``undo`` the state a live undo would restore. The messages are always
the full history: a compaction only changes what a turn sends. ``draft`` (only while a
turn runs: ``chat_draft.py``) holds the turn so far, ``{messages, cost_usd}``; loaded, it
becomes an interrupted turn.

Reading is all or nothing: ``parse_document`` checks every entry's type and raises
``ChatDocumentError`` (``NewerChatError`` for a newer schema) naming the first one it
cannot read, so the store never opens half a chat and then saves the half over the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from ..client._types import Message, Usage
from . import chat_copies
from .chat_compaction import CompactionRecord
from .chat_draft import draft_of, recovered
from .chat_files import ChatImages
from .chat_history import Conversation, TurnMeta, _Snapshot, _turn_starts

SCHEMA_VERSION = 1


class ChatDocumentError(ValueError):
    """A saved chat this version cannot read in full; the message names the entry."""


class NewerChatError(ChatDocumentError):
    """A saved chat written by a newer grok-jupyter (a higher schema number)."""

    def __init__(self, schema: int) -> None:
        super().__init__(f"chat schema {schema}; this version reads {SCHEMA_VERSION}")
        self.schema = schema


@dataclass
class SavedUndo:
    messages: list[Message]
    meta: list[TurnMeta]
    cost_usd: float
    compactions: list[CompactionRecord] = field(default_factory=list)


@dataclass
class SavedChat:
    """A chat document, every entry checked (its image references not yet resolved)."""

    name: str
    updated: str
    system: str | None
    model: str | None
    conv_id: str | None
    cost_usd: float
    response_id: str | None
    response_turns: int | None
    messages: list[Message]
    meta: list[TurnMeta]
    undo: SavedUndo | None
    compactions: list[CompactionRecord] = field(default_factory=list)
    draft: list[Message] = field(default_factory=list)  # a turn its kernel never ended
    draft_cost_usd: float = 0.0

    @property
    def title(self) -> str:
        """The chat's first prompt on one line, shortened to 60 characters (for a chat list)."""
        first = next((m for m in self.messages if m.role == "user"), None)
        title = " ".join(_text(first).split()) if first is not None else ""
        return title[:59] + "…" if len(title) > 60 else title


def to_document(conversation: Conversation, images: ChatImages) -> dict[str, Any]:
    """What ``ChatStore.save`` writes for ``conversation`` (its images go to ``images``)."""
    messages, meta, undo = conversation._export_state()
    draft = draft_of(conversation)
    doc = {
        "schema": SCHEMA_VERSION,
        "name": conversation.name,
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "system": conversation.system,
        "model": conversation.model,
        "conv_id": conversation.conv_id,
        "cost_usd": conversation.cost_usd,
        "response_id": conversation.response_id,
        "response_turns": conversation.response_turns,
        "messages": [_out(images, m) for m in messages],
        "turns": [_meta_out(m) for m in meta],
        "compactions": [_compaction_out(c) for c in conversation.compactions],
        "undo": None
        if undo is None
        else {
            "messages": [_out(images, m) for m in undo.messages],
            "turns": [_meta_out(m) for m in undo.meta],
            "cost_usd": undo.cost_usd,
            "compactions": [_compaction_out(c) for c in undo.compactions],
        },
    }
    if draft is not None:
        doc["draft"] = {"messages": [_out(images, m) for m in draft.messages],
                        "cost_usd": draft.cost_usd}
    return doc


def _out(images: ChatImages, message: Message) -> dict[str, Any]:
    # Images go to images/, documents attached without a path to files/ (chat_copies.py).
    return chat_copies.wire_out(images.directory, images.message_out(message))


def _in(images: ChatImages, message: Message) -> Message:
    return chat_copies.message_in(images.directory, images.message_in(message))


def parse_document(data: bytes) -> SavedChat:
    """The chat saved as ``data``; ``ChatDocumentError`` names what cannot be read."""
    try:
        doc = json.loads(data.decode("utf-8", errors="surrogatepass"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChatDocumentError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ChatDocumentError("not a grok-jupyter chat (not a JSON object)")
    schema = doc.get("schema")
    if type(schema) is not int or schema < 1:
        raise ChatDocumentError("not a grok-jupyter chat (no schema version)")
    if schema > SCHEMA_VERSION:
        raise NewerChatError(schema)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise ChatDocumentError("not a grok-jupyter chat (no name)")
    undo = _entry(doc, "undo", dict)
    draft = _entry(doc, "draft", dict) or {}
    return SavedChat(
        name=name,
        updated=_entry(doc, "updated", str) or "",
        system=_entry(doc, "system", str),
        model=_entry(doc, "model", str),
        conv_id=_entry(doc, "conv_id", str),
        cost_usd=_cost(doc, "cost_usd"),
        response_id=_entry(doc, "response_id", str),
        response_turns=_entry(doc, "response_turns", int),
        messages=_messages(doc, "messages"),
        meta=_metas(doc, "turns"),
        undo=None
        if undo is None
        else SavedUndo(_messages(undo, "messages", "undo."), _metas(undo, "turns", "undo."),
                       _cost(undo, "cost_usd", "undo."), _compactions_in(undo.get("compactions"))),
        compactions=_compactions_in(doc.get("compactions")),
        draft=_messages(draft, "messages", "draft.") if draft else [],
        draft_cost_usd=_cost(draft, "cost_usd", "draft.") if draft else 0.0,
    )


def to_conversation(saved: SavedChat, images: ChatImages) -> Conversation:
    """The conversation ``saved`` holds, its stored images back as ``data:`` URLs."""
    conversation = Conversation(saved.name, system=saved.system)
    conversation.model = saved.model
    if saved.conv_id:
        conversation.conv_id = saved.conv_id  # the same cached prompt prefix
    conversation.cost_usd = saved.cost_usd
    messages = [_in(images, m) for m in saved.messages]
    undo = None
    if saved.undo is not None:
        u = saved.undo
        undo = _Snapshot([_in(images, m) for m in u.messages], u.meta, u.cost_usd, None, 0,
                         compactions=u.compactions)
    meta = saved.meta
    if saved.draft:  # the kernel stopped mid-turn: the steps done, as an interrupted turn
        meta = [*meta[: len(_turn_starts(messages))], TurnMeta(cost_usd=saved.draft_cost_usd)]
        messages += recovered([_in(images, m) for m in saved.draft])
        conversation.cost_usd += saved.draft_cost_usd
    conversation._import_state(messages, meta, undo, saved.compactions)
    # Chain on the stored response only if the history is the one it answered.
    if saved.response_id and saved.response_turns == len(messages):
        conversation.response_id = saved.response_id
        conversation.response_turns = len(messages)
    return conversation


# --- checked reading ----------------------------------------------------------------


def _entry(doc: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    """``doc[key]`` if it is a ``kind`` (or missing/null: None)."""
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ChatDocumentError(f"{where}{key} is {_kind(value)}, not {_kind(kind())}")
    return value


def _cost(doc: dict[str, Any], key: str, where: str = "") -> float:
    value = doc.get(key)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ChatDocumentError(f"{where}{key} is {_kind(value)}, not a number of dollars")
    return float(value)


def _messages(doc: dict[str, Any], key: str, where: str = "") -> list[Message]:
    out = []
    for i, raw in enumerate(_entry(doc, key, list, where) or []):
        if not isinstance(raw, dict):
            raise ChatDocumentError(f"{where}{key}[{i}] is {_kind(raw)}, not a message")
        try:
            out.append(Message.model_validate(raw))
        except ValidationError as exc:
            raise ChatDocumentError(f"{where}{key}[{i}] is not a message: {_first(exc)}") from None
    return out


def _metas(doc: dict[str, Any], key: str, where: str = "") -> list[TurnMeta]:
    out = []
    for i, raw in enumerate(_entry(doc, key, list, where) or []):
        at = f"{where}{key}[{i}]"
        if not isinstance(raw, dict):
            raise ChatDocumentError(f"{at} is {_kind(raw)}, not a turn's record")
        usage = _entry(raw, "usage", dict, f"{at}.")
        citations = _entry(raw, "citations", list, f"{at}.") or []
        if not all(isinstance(c, dict) for c in citations):
            raise ChatDocumentError(f"{at}.citations holds an entry that is not an object")
        try:
            parsed_usage = Usage.model_validate(usage) if usage else None
        except ValidationError as exc:
            raise ChatDocumentError(f"{at}.usage: {_first(exc)}") from None
        out.append(
            TurnMeta(
                usage=parsed_usage,
                cost_usd=_cost(raw, "cost_usd", f"{at}."),
                model=_entry(raw, "model", str, f"{at}."),
                citations=[dict(c) for c in citations],
                usage_estimated=bool(_entry(raw, "usage_estimated", bool, f"{at}.")),
                tool_calls=_tool_calls(raw),
                tool_cost_usd=_cost(raw, "tool_cost_usd", f"{at}."),
                activity=[
                    {"kind": str(a.get("kind", "status")), "text": str(a.get("text", ""))}
                    for a in _entry(raw, "activity", list, f"{at}.") or []
                    if isinstance(a, dict)
                ],
            )
        )
    return out


def _kind(value: Any) -> str:
    names = {str: "a string", int: "a whole number", float: "a number", bool: "true/false",
             list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _first(exc: ValidationError) -> str:
    """The first problem pydantic found, without echoing the value (it could be anything)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))


def _text(message: Message) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(getattr(p, "text", "") or "" for p in content)
    return ""


def _meta_out(meta: TurnMeta) -> dict[str, Any]:
    return {
        "usage": meta.usage.to_wire() if meta.usage is not None else None,
        "cost_usd": meta.cost_usd,
        "model": meta.model,
        "citations": meta.citations,
        "usage_estimated": meta.usage_estimated,
        "tool_calls": meta.tool_calls,
        "tool_cost_usd": meta.tool_cost_usd,
        "activity": meta.activity,
    }


def _tool_calls(raw: dict[str, Any]) -> dict[str, int]:
    """A turn's server-side tool calls (absent before they were kept: none)."""
    calls = raw.get("tool_calls")
    if not isinstance(calls, dict):
        return {}
    return {str(k): v for k, v in calls.items() if type(v) is int and v > 0}


def _compaction_out(record: CompactionRecord) -> dict[str, Any]:
    return {
        "upto": record.upto,
        "tokens_before": record.tokens_before,
        "tokens_after": record.tokens_after,
        "model": record.model,
        "created": record.created,
        "items": record.items,
        "cost_usd": record.cost_usd,
        "automatic": record.automatic,
        "dropped": record.dropped,
    }


def _compactions_in(raw: Any) -> list[CompactionRecord]:
    """The saved compactions; one this version cannot read is left out (the full history
    is in the messages, so nothing is lost: the next turn compacts again if it must)."""
    out = []
    for entry in raw if isinstance(raw, list) else ():
        try:
            items = entry.get("items")
            record = CompactionRecord(
                upto=int(entry["upto"]),
                tokens_before=int(entry["tokens_before"]),
                tokens_after=int(entry["tokens_after"]),
                model=str(entry["model"]),
                created=str(entry.get("created") or ""),
                items=[dict(i) for i in items] if isinstance(items, list) else None,
                cost_usd=float(entry.get("cost_usd") or 0.0),
                automatic=bool(entry.get("automatic", True)),
                dropped=entry.get("dropped") if isinstance(entry.get("dropped"), str) else None,
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
        out.append(record)
    return out
