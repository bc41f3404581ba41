"""LangChain ``file`` content blocks -> the Responses API's ``input_file`` parts.

Accepted spellings (langchain-core v1 standard blocks, the v0 ``source_type`` forms,
and OpenAI's chat form, as langchain-openai takes them):

* ``{"type": "file", "base64": ..., "mime_type": ..., "filename": ...}`` (v0:
  ``"source_type": "base64", "data": ...``; OpenAI: ``"file": {"file_data":
  "data:...;base64,...", "filename"}``): inline bytes. The Responses API takes them
  inline, as ``input_file`` with ``file_data`` + ``filename`` + ``mime_type``
  (xai-api-2026-09.md §2 [DOC]; the older "inline non-image bytes are refused" is
  out of date). A small file (``ChatGrok.max_inline_file_bytes``, 1 MiB by default)
  the model has not sent before goes inline: no upload round trip, nothing left
  stored on the account. A larger file, or one sent again (a conversation resends
  its history every turn), is uploaded through ``client.files`` once per distinct
  content and account (grok_jupyter.notebook.attach_files) and sent by id.
* ``{"type": "file", "file_id": ...}`` (v0: ``"source_type": "id", "id": ...``;
  OpenAI: ``"file": {"file_id"}``): sent as ``{"type": "input_file", "file_id"}``.
* ``{"type": "file", "url": ...}`` (v0: ``"source_type": "url"``): sent as
  ``{"type": "input_file", "file_url"}``; the server fetches it.

A message with a file block sends that call through ``/v1/responses`` when
``use_responses_api`` is None (``has_file_block``); with ``use_responses_api=False``
the chat path refuses it with what to change (``chat_file_error``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage

from grok_jupyter.client import InvalidRequestError
from langchain_grok._inline_memory import InlineMemory


def is_file_block(block: Any) -> bool:
    return isinstance(block, dict) and block.get("type") == "file"


def has_file_block(messages: Sequence[BaseMessage]) -> bool:
    """True when any message carries a ``file`` content block."""
    return any(
        isinstance(m.content, list) and any(is_file_block(b) for b in m.content) for m in messages
    )


def chat_file_error() -> InvalidRequestError:
    return InvalidRequestError(
        "a 'file' content block needs the Responses API (input_file parts), and "
        "use_responses_api=False keeps this call on Chat Completions: drop "
        "use_responses_api=False (a file block then switches the call by itself)."
    )


@dataclass(frozen=True)
class InlineFile:
    """The bytes of an inline (base64) file block, with its name and media type."""

    data: bytes
    name: str
    mime: str | None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _inline(block: dict[str, Any]) -> InlineFile | None:
    """The file in an inline (base64) block, or None when the block references a file."""
    inner = block.get("file") if isinstance(block.get("file"), dict) else None
    mime = block.get("mime_type")
    if "base64" in block:
        data = block["base64"]
    elif block.get("source_type") == "base64":
        data = block.get("data")
    elif inner and isinstance(inner.get("file_data"), str):
        head, _, data = inner["file_data"].partition(",")
        if not head.startswith("data:") or ";base64" not in head:
            raise InvalidRequestError(
                "a file block's file_data must be a base64 data URL (data:<type>;base64,...)."
            )
        mime = mime or head[5:].split(";")[0]
    else:
        return None
    try:
        raw = base64.b64decode(data or "", validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise InvalidRequestError("a file block's base64 data is not valid base64.") from None
    extras = block.get("extras") or block.get("metadata") or {}
    name = block.get("filename") or (inner or {}).get("filename") or extras.get("filename")
    if not name:
        # The name tells the server what the file is; derive one from the MIME type.
        name = "document" + ((mimetypes.guess_extension(mime) if mime else None) or ".txt")
    return InlineFile(raw, str(name), mime or mimetypes.guess_type(str(name))[0])


def _reference(block: dict[str, Any]) -> dict[str, Any]:
    """The ``input_file`` part of a block that names a stored file or a URL."""
    inner = block.get("file") if isinstance(block.get("file"), dict) else {}
    if block.get("file_id") or inner.get("file_id"):
        return {"type": "input_file", "file_id": block.get("file_id") or inner["file_id"]}
    if block.get("source_type") == "id" and block.get("id"):
        return {"type": "input_file", "file_id": block["id"]}
    if block.get("url"):
        return {"type": "input_file", "file_url": block["url"]}
    raise InvalidRequestError(
        "a file block needs one of base64 (with mime_type and filename), file_id or url."
    )


def input_file(block: dict[str, Any]) -> dict[str, Any]:
    """A file block as an ``input_file`` part: inline bytes as ``file_data``, else by id or URL.

    Which inline blocks stay inline is ``prepare_file_blocks``'s choice, made before.
    """
    inline = _inline(block)
    if inline is None:
        return _reference(block)
    part = {
        "type": "input_file",
        "file_data": base64.b64encode(inline.data).decode(),
        "filename": inline.name,
    }
    if inline.mime:
        part["mime_type"] = inline.mime
    return part


# (message index, block index, file) of each inline block to upload rather than send inline.
Uploads = list[tuple[int, int, InlineFile]]


def _plan(messages: Sequence[BaseMessage], memory: InlineMemory, max_inline_bytes: int) -> Uploads:
    """Every file block checked (shape, base64, size, type) before anything is sent; the
    inline ones to upload: those too big to go inline, or sent by this model before."""
    from grok_jupyter.notebook.attach_files import HEAD_BYTES, check_attachment

    uploads: Uploads = []
    decided: dict[str, bool] = {}  # digest -> inline; the same bytes twice go the same way
    for i, message in enumerate(messages):
        if not isinstance(message.content, list):
            continue
        for j, block in enumerate(message.content):
            if not is_file_block(block):
                continue
            inline = _inline(block)
            if inline is None:
                _reference(block)  # a block with no file in it is refused now
                continue
            check_attachment(inline.name, len(inline.data), inline.data[:HEAD_BYTES])
            digest = inline.digest
            if digest not in decided:
                small = len(inline.data) <= max_inline_bytes
                decided[digest] = small and memory.first_time(digest)
            if not decided[digest]:
                uploads.append((i, j, inline))
    return uploads


def _replaced(
    messages: Sequence[BaseMessage], uploads: Uploads, ids: list[str]
) -> list[BaseMessage]:
    out = list(messages)
    by_message: dict[int, dict[int, str]] = {}
    for (i, j, _), file_id in zip(uploads, ids, strict=True):
        by_message.setdefault(i, {})[j] = file_id
    for i, ids_at in by_message.items():
        content = [
            {"type": "file", "file_id": ids_at[j]} if j in ids_at else block
            for j, block in enumerate(messages[i].content)
        ]
        out[i] = messages[i].model_copy(update={"content": content})
    return out


def prepare_file_blocks(
    client: Any, messages: Sequence[BaseMessage], memory: InlineMemory, max_inline_bytes: int
) -> list[BaseMessage]:
    """The messages with each inline file block that is not sent inline uploaded (once
    per distinct content and account, see attach_files) and replaced by a ``file_id``."""
    from grok_jupyter.notebook.attach_files import upload_once

    uploads = _plan(messages, memory, max_inline_bytes)
    ids = [upload_once(client, f.data, filename=f.name).id for _, _, f in uploads]
    return _replaced(messages, uploads, ids)


async def aprepare_file_blocks(
    client: Any, messages: Sequence[BaseMessage], memory: InlineMemory, max_inline_bytes: int
) -> list[BaseMessage]:
    """``prepare_file_blocks`` for an ``AsyncGrokClient``."""
    from grok_jupyter.notebook.attach_files import aupload_once

    uploads = _plan(messages, memory, max_inline_bytes)
    ids = [(await aupload_once(client, f.data, filename=f.name)).id for _, _, f in uploads]
    return _replaced(messages, uploads, ids)
