"""A chat's file the server no longer has: uploaded again from where it came, or the
turn goes on without it and says so.

A conversation keeps each attached document as a ``FilePart`` holding the server's
file id (``attach_files.message_part``). The id dies when the file is deleted or
expires on xAI, and on every restart of an in-kernel emulator; a history resent with
it gets 404 "File with id … not found", and every later turn of the chat would fail
the same way. ``recover`` finds which files are gone, uploads each again from the
path it was attached from (``--file``) if it still holds the bytes attached (a chat
folder is untrusted: a path it names is never read to be sent otherwise), and puts
the new id in place in the messages (the conversation's own, so the saved chat holds
the new id after the turn); a file attached without a path (the panel's) from the
copy the chat store keeps (``chat_copies.py``). A file whose path (or copy) is gone
too is replaced by a short text part naming it, and a notice says the turn went on
without it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from typing import Any

from ..client._errors import GoneError, GrokError, InvalidRequestError, NotFoundError
from ..client._types import FilePart, Message, TextPart
from .attach_files import check_path, upload_again
from .chat_copies import read_copy

FileGone = (NotFoundError, GoneError)  # an expired file: 404 on xAI [U: 410 is possible]


def _file_parts(messages: Iterable[Message]) -> list[tuple[Message, int, dict[str, Any]]]:
    """(message, index in its content, the part's ``file`` dict) for each uploaded file."""
    found = []
    for message in messages:
        if message.role != "user" or not isinstance(message.content, list):
            continue
        for n, part in enumerate(message.content):
            file = getattr(part, "file", None) if isinstance(part, FilePart) else None
            if isinstance(file, dict) and file.get("file_id"):
                found.append((message, n, file))
    return found


def file_ids(messages: Iterable[Message]) -> list[str]:
    """The distinct uploaded files ``messages`` hold, in order."""
    return list(dict.fromkeys(file["file_id"] for _, _, file in _file_parts(messages)))


def _gone_ids(client: Any, error: Exception, ids: list[str]) -> list[str]:
    """The ids among ``ids`` the server no longer has: those the 404 names, else (a wording
    that names none) those the Files API no longer finds."""
    text = str(getattr(error, "message", None) or error)
    named = [i for i in ids if i in text]
    if named:
        return named
    gone = []
    for file_id in ids:
        try:
            client.files.retrieve(file_id)
        except FileGone:
            gone.append(file_id)
    return gone


def recover(client: Any, error: Exception, messages: list[Message]) -> list[str] | None:
    """After ``error`` (a 404 or 410 on a request that resent ``messages``): upload each
    file the server lost again, in place in ``messages``; returns the notices to show,
    or None when the error was not about a file of these messages (then re-raise it)."""
    parts = _file_parts(messages)
    ids = list(dict.fromkeys(file["file_id"] for _, _, file in parts))  # file_ids(), once
    gone = _gone_ids(client, error, ids) if ids else []
    if not gone:
        return None
    notices = []
    for file_id in gone:
        holders = [(m, n, f) for m, n, f in parts if f["file_id"] == file_id]
        name = str(holders[0][2].get("filename") or file_id)
        path = next((f["path"] for _, _, f in holders if f.get("path")), None)
        if path:
            new_id, why = _upload(client, path, holders[0][2].get("sha256"), name)
            source = path
        else:  # attached without a path (the panel): its stored copy (chat_copies.py)
            new_id, why = _upload_copy(client, holders[0][2], name)
            source = "its stored copy"
        if new_id is not None:
            for _, _, file in holders:
                file["file_id"] = new_id
            notices.append(f"{name} was no longer on the server; it was uploaded again "
                           f"from {source}.")  # fmt: skip
            continue
        for message, n, _ in holders:
            content = message.content
            assert isinstance(content, list)
            content[n] = TextPart(text=f"[attached file {name}: no longer available]")
        notices.append(f"{name} is no longer on the server and {why}: this turn went on "
                       "without it.")  # fmt: skip
    return notices


def _upload_copy(client: Any, file: dict[str, Any], name: str) -> tuple[str | None, str]:
    data, why = read_copy(file)
    if data is None:
        return None, why
    try:
        return upload_again(client, data, filename=name).id, ""
    except GrokError as exc:
        return None, f"uploading it again failed ({exc})"


def _upload(client: Any, path: str, digest: Any, name: str) -> tuple[str | None, str]:
    """(the new file id, "") or (None, why it could not be uploaded again). Only the bytes
    that were attached go: a chat folder is untrusted (it is often committed and pulled),
    so a path it names is read and sent only if it still holds the same content."""
    try:
        data = check_path(path, name).read_bytes()
    except (InvalidRequestError, OSError) as exc:
        if not os.path.exists(os.path.expanduser(path)):
            return None, f"{path} is gone too"
        return None, f"{path} cannot be attached again ({exc})"
    if not isinstance(digest, str) or hashlib.sha256(data).hexdigest() != digest:
        return None, (f"{path} has changed since it was attached (attach it again with "
                      "--file to send the current version)")  # fmt: skip
    try:
        uploaded = upload_again(client, data, filename=name)
    except GrokError as exc:
        return None, f"uploading it again failed ({exc})"
    return uploaded.id, ""
