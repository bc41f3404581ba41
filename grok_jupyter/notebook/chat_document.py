"""A conversation as the JSON document the chat store saves, and back.

Schema 1: ``{schema, name, updated, system, model, conv_id, cost_usd, response_id,
response_turns, messages, turns, compactions, undo}``; messages are wire JSON with their
``data:`` images stored beside the chats (``chat_files.ChatImages``), ``turns``
holds one ``TurnMeta`` per turn, ``compactions`` one ``CompactionRecord`` per
compaction (the one in use with its items; added later, so an older file without it
loads with none), ``undo`` the state a live undo would restore. The messages are always
the full history: a compaction only changes what a turn sends.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..client._types import Usage
from .chat_compaction import CompactionRecord
from .chat_files import ChatImages
from .chat_history import Conversation, TurnMeta, _Snapshot

SCHEMA_VERSION = 1


def to_document(conversation: Conversation, images: ChatImages) -> dict[str, Any]:
    """What ``ChatStore.save`` writes for ``conversation`` (its images go to ``images``)."""
    messages, meta, undo = conversation._export_state()
    return {
        "schema": SCHEMA_VERSION,
        "name": conversation.name,
        "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "system": conversation.system,
        "model": conversation.model,
        "conv_id": conversation.conv_id,
        "cost_usd": conversation.cost_usd,
        "response_id": conversation.response_id,
        "response_turns": conversation.response_turns,
        "messages": [images.message_out(m) for m in messages],
        "turns": [_meta_out(m) for m in meta],
        "compactions": [_compaction_out(c) for c in conversation.compactions],
        "undo": None
        if undo is None
        else {
            "messages": [images.message_out(m) for m in undo.messages],
            "turns": [_meta_out(m) for m in undo.meta],
            "cost_usd": undo.cost_usd,
            "compactions": [_compaction_out(c) for c in undo.compactions],
        },
    }


def from_document(doc: dict[str, Any], images: ChatImages) -> Conversation:
    """The conversation saved as ``doc``. An entry this version cannot read raises
    ``ValueError``, ``TypeError``, ``KeyError`` or ``AttributeError``."""
    conversation = Conversation(doc["name"], system=doc.get("system"))
    conversation.model = doc.get("model")
    if doc.get("conv_id"):
        conversation.conv_id = str(doc["conv_id"])  # the same cached prompt prefix
    conversation.cost_usd = float(doc.get("cost_usd") or 0.0)
    messages = [images.message_in(m) for m in doc.get("messages") or []]
    meta = [_meta_in(m) for m in doc.get("turns") or []]
    undo = None
    if isinstance(doc.get("undo"), dict):
        u = doc["undo"]
        undo = _Snapshot(
            [images.message_in(m) for m in u.get("messages") or []],
            [_meta_in(m) for m in u.get("turns") or []],
            float(u.get("cost_usd") or 0.0),
            None,
            0,
            compactions=_compactions_in(u.get("compactions")),
        )
    conversation._import_state(messages, meta, undo, _compactions_in(doc.get("compactions")))
    # Chain on the stored response only if the history is the one it answered.
    if doc.get("response_id") and doc.get("response_turns") == len(messages):
        conversation.response_id = str(doc["response_id"])
        conversation.response_turns = len(messages)
    return conversation


def document_title(doc: dict[str, Any]) -> str:
    """The chat's first prompt on one line, shortened to 60 characters (for a chat list)."""
    first = next((m for m in doc.get("messages") or [] if m.get("role") == "user"), None)
    title = " ".join(_wire_text(first).split()) if first else ""
    return title[:59] + "…" if len(title) > 60 else title


def _wire_text(wire: dict[str, Any]) -> str:
    content = wire.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _meta_out(meta: TurnMeta) -> dict[str, Any]:
    return {
        "usage": meta.usage.to_wire() if meta.usage is not None else None,
        "cost_usd": meta.cost_usd,
        "model": meta.model,
        "citations": meta.citations,
        "usage_estimated": meta.usage_estimated,
    }


def _meta_in(raw: dict[str, Any]) -> TurnMeta:
    usage = raw.get("usage")
    return TurnMeta(
        usage=Usage.model_validate(usage) if usage else None,
        cost_usd=float(raw.get("cost_usd") or 0.0),
        model=raw.get("model"),
        citations=[dict(c) for c in raw.get("citations") or []],
        usage_estimated=bool(raw.get("usage_estimated")),
    )


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
