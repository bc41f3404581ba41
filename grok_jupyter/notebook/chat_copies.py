"""Copies of the documents a chat attached without a path (the panel's uploads), kept
beside the chats as ``files/<sha256>``, so a file the server lost (deleted, expired, an
emulator restarted) can be uploaded again after a kernel restart (``reattach.py``).

A document attached by path (the magic's ``--file``) is uploaded again from that path
and gets no copy. What a chat folder holds is untrusted (it is often committed and
pulled): a copy is read only as ``files/<sha256>``, a plain file whose bytes hash to
its name, when it is needed; anything else is never read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from ..client._types import FilePart, Message
from .attach_files import kept_copy
from .chat_files import NotAPlainFileError, read_plain_file, write_atomically

COPY_KEY = "copy"  # in the saved part: "files/<sha256>"
COPY_PATH_KEY = "copy_path"  # in memory only: where that copy is on this machine
_COPY = re.compile(r"files/([0-9a-f]{64})")


def copy_out(directory: Path, file: dict[str, Any]) -> dict[str, Any]:
    """A file part's ``file`` dict as saved: bytes kept in this process without a path are
    written to ``files/<sha256>`` (once) and referred to."""
    saved = {k: v for k, v in file.items() if k != COPY_PATH_KEY}
    digest = saved.get("sha256")
    if saved.get("path") or not isinstance(digest, str) or not re.fullmatch("[0-9a-f]{64}",
                                                                           digest):
        return saved
    relative = f"files/{digest}"
    target = directory / relative
    try:
        st = os.lstat(target)
        kept = stat.S_ISREG(st.st_mode)
    except FileNotFoundError:
        kept = False
    if not kept:
        data = kept_copy(digest)
        if data is None or (directory / "files").is_symlink():
            return saved  # nothing to copy from (or a folder it would be written through)
        write_atomically(target, data)
    saved[COPY_KEY] = relative
    return saved


def copy_in(directory: Path, file: dict[str, Any]) -> dict[str, Any]:
    """A saved ``file`` dict, with where its copy is on this machine (not read yet)."""
    file = {k: v for k, v in file.items() if k != COPY_PATH_KEY}  # never taken from the file
    match = _COPY.fullmatch(str(file.get(COPY_KEY) or ""))
    if match is None:
        return file
    return {**file, COPY_PATH_KEY: str(directory / file[COPY_KEY])}


def read_copy(file: dict[str, Any]) -> tuple[bytes | None, str]:
    """The bytes of a part's stored copy (in this process, else beside the chat), or None
    and why not. A copy is used only if it is a plain file whose bytes hash to its name."""
    digest = file.get("sha256")
    if not isinstance(digest, str):
        return None, "there is no copy of it to upload again"
    data = kept_copy(digest)
    if data is not None:
        return data, ""
    where = file.get(COPY_PATH_KEY)
    if not where:
        return None, "there is no copy of it to upload again"
    try:
        if Path(where).parent.is_symlink():
            raise NotAPlainFileError("files/ is a symbolic link")
        data, _ = read_plain_file(Path(where))
    except FileNotFoundError:
        return None, "its stored copy is gone too"
    except OSError as exc:
        return None, f"its stored copy cannot be read ({exc})"
    if hashlib.sha256(data).hexdigest() != digest:
        return None, "its stored copy does not match it"
    return data, ""


def used_copies(text: str) -> set[str]:
    """The copies a saved chat's JSON text refers to (file names under ``files/``)."""
    return {m.group(1) for m in re.finditer(r'"files/([0-9a-f]{64})"', text)}


def wire_out(directory: Path, wire: dict[str, Any]) -> dict[str, Any]:
    """A message as saved (``ChatImages.message_out``'s JSON), its file parts' copies kept."""
    content = wire.get("content")
    for part in content if isinstance(content, list) else ():
        if isinstance(part, dict) and part.get("type") == "file" and isinstance(
            part.get("file"), dict
        ):
            part["file"] = copy_out(directory, part["file"])
    return wire


def message_in(directory: Path, message: Message) -> Message:
    """A saved message, its file parts told where their copies are."""
    content = message.content
    if not isinstance(content, list) or not any(isinstance(p, FilePart) for p in content):
        return message
    parts = [
        p.model_copy(update={"file": copy_in(directory, p.file)})
        if isinstance(p, FilePart) and isinstance(getattr(p, "file", None), dict)
        else p
        for p in content
    ]
    return message.model_copy(update={"content": parts})


def drop_unused(directory: Path, chat_texts: list[str]) -> None:
    """Delete the copies none of the chats (their JSON ``chat_texts``) refers to."""
    folder = directory / "files"
    if not folder.is_dir() or folder.is_symlink():
        return
    used: set[str] = set()
    for text in chat_texts:
        used |= used_copies(text)
    for copy in folder.iterdir():
        if copy.name not in used:
            with contextlib.suppress(OSError):
                copy.unlink()  # a link is removed as the link, never its target
