"""LangChain ``file`` content blocks -> the Responses API's ``input_file`` parts.

Accepted spellings (langchain-core v1 standard blocks, the v0 ``source_type`` forms,
and OpenAI's chat form, as langchain-openai takes them):

* ``{"type": "file", "base64": ..., "mime_type": ..., "filename": ...}`` (v0:
  ``"source_type": "base64", "data": ...``; OpenAI: ``"file": {"file_data":
  "data:...;base64,...", "filename"}``): uploaded through ``client.files`` once per
  distinct content and client (grok_jupyter.notebook.attach_files), then sent by id.
  xAI's Responses API takes no inline file bytes, only a Files API id or a URL.
* ``{"type": "file", "file_id": ...}`` (v0: ``"source_type": "id", "id": ...``;
  OpenAI: ``"file": {"file_id"}``): sent as ``{"type": "input_file", "file_id"}``.
* ``{"type": "file", "url": ...}`` (v0: ``"source_type": "url"``): sent as
  ``{"type": "input_file", "file_url"}``; the server fetches it.

A message with a file block sends that call through ``/v1/responses`` when
``use_responses_api`` is None (``wants_files``); with ``use_responses_api=False`` the
chat path refuses it with what to change (``chat_file_error``).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from grok_jupyter.client import InvalidRequestError


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


def _inline(block: dict[str, Any]) -> tuple[bytes, str] | None:
    """(bytes, file name) of an inline (base64) block, or None when it references a file."""
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
    return raw, str(name)


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
    """A file block (already uploaded if it was inline) as an ``input_file`` part."""
    if _inline(block) is not None:
        # upload_file_blocks replaces inline blocks before conversion; reaching here is a bug
        # in the caller, not the user's input.
        raise InvalidRequestError("inline file bytes must be uploaded first (client.files).")
    return _reference(block)


def _inline_blocks(messages: Sequence[BaseMessage]) -> list[tuple[int, int, bytes, str]]:
    """(message index, block index, bytes, name) of each inline file block; every file
    block is checked here (shape, size, type), before anything is uploaded or sent."""
    from grok_jupyter.notebook.attach_files import HEAD_BYTES, check_attachment

    found = []
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
            data, name = inline
            check_attachment(name, len(data), data[:HEAD_BYTES])
            found.append((i, j, data, name))
    return found


def _replaced(
    messages: Sequence[BaseMessage], found: list[tuple[int, int, bytes, str]], ids: list[str]
) -> list[BaseMessage]:
    out = list(messages)
    by_message: dict[int, dict[int, str]] = {}
    for (i, j, _, _), file_id in zip(found, ids, strict=True):
        by_message.setdefault(i, {})[j] = file_id
    for i, ids_at in by_message.items():
        content = [
            {"type": "file", "file_id": ids_at[j]} if j in ids_at else block
            for j, block in enumerate(messages[i].content)
        ]
        out[i] = messages[i].model_copy(update={"content": content})
    return out


def upload_file_blocks(client: Any, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The messages with every inline file block uploaded (once per distinct content and
    client, see attach_files) and replaced by a ``file_id`` block."""
    from grok_jupyter.notebook.attach_files import upload_once

    found = _inline_blocks(messages)
    ids = [upload_once(client, data, filename=name).id for _, _, data, name in found]
    return _replaced(messages, found, ids)


async def aupload_file_blocks(client: Any, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """``upload_file_blocks`` for an ``AsyncGrokClient``."""
    from grok_jupyter.notebook.attach_files import aupload_once

    found = _inline_blocks(messages)
    ids = [(await aupload_once(client, data, filename=name)).id for _, _, data, name in found]
    return _replaced(messages, found, ids)
