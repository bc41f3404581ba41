"""The files of a chat folder: safe file names, atomic writes, and the images a chat
sent, stored once each beside the chats (``images/<sha256>.<ext>``).

A ``data:`` image in a message is written to ``images/`` and the message refers to
it as ``grok-image:images/<sha256>.<ext>``: a screenshot would otherwise be
rewritten into the chat's JSON after every turn. Reading a chat puts the
``data:`` URL back. ``chat_store.py`` builds on this; the errors it raises are
defined here, below both.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..client._errors import InvalidRequestError
from ..client._types import Message

IMAGE_REF = "grok-image:"  # an image stored beside the chats: grok-image:images/<sha>.<ext>
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_MIME = {ext: mime for mime, ext in _EXTENSIONS.items()}
_IMAGE_NAME = re.compile(re.escape(IMAGE_REF) + r"images/([0-9a-f]+\.\w+)")


class ChatStoreError(InvalidRequestError):
    """A chat cannot be saved, loaded or exported as asked (the message says what to change)."""


class ChatStoreWarning(UserWarning):
    """A saved chat could not be read or written; the message says what happened to it."""


def file_stem(name: str) -> str:
    """A file name (without extension) safe on every OS and unique to ``name``."""
    if not isinstance(name, str) or not name:
        raise ChatStoreError("a chat name must be a non-empty string, e.g. 'analysis'.")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "chat"
    return f"{slug}-{digest}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file and rename it over ``path``: a crash never
    leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _split_data_url(url: str) -> tuple[str, bytes] | None:
    match = re.match(r"data:([\w.+-]+/[\w.+-]+)?(?:;[^,]*)?;base64,", url)
    if match is None:
        return None
    try:
        return match.group(1) or "application/octet-stream", base64.b64decode(
            url[match.end() :], validate=False
        )
    except (binascii.Error, ValueError):
        return None


class ChatImages:
    """The images of the chats saved in ``directory``, by content hash."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def message_out(self, message: Message) -> dict[str, Any]:
        """``message`` as wire JSON, its ``data:`` images stored and referred to."""
        wire = message.model_dump(mode="json", exclude_none=True, by_alias=True)
        for part in wire.get("content") if isinstance(wire.get("content"), list) else ():
            image = part.get("image_url") if part.get("type") == "image_url" else None
            url = image.get("url", "") if isinstance(image, dict) else ""
            if url.startswith("data:"):
                split = _split_data_url(url)
                if split is not None:
                    image["url"] = IMAGE_REF + self._store(*split)
        return wire

    def _store(self, mime: str, data: bytes) -> str:
        relative = f"images/{hashlib.sha256(data).hexdigest()}.{_EXTENSIONS.get(mime, 'bin')}"
        target = self.directory / relative
        if not target.exists():  # the name is the content's hash: same name, same bytes
            write_atomically(target, data)
        return relative

    def message_in(self, wire: dict[str, Any]) -> Message:
        """The message saved as ``wire``, its stored images back as ``data:`` URLs; a
        missing image becomes a text placeholder, with a ``ChatStoreWarning``."""
        content = wire.get("content")
        if isinstance(content, list):
            for i, part in enumerate(content):
                image = part.get("image_url") if isinstance(part, dict) else None
                url = image.get("url", "") if isinstance(image, dict) else ""
                if url.startswith(IMAGE_REF):
                    relative = url[len(IMAGE_REF) :]
                    target = self.directory / relative
                    try:
                        data = target.read_bytes()
                    except OSError:
                        warnings.warn(
                            f"the chat image {relative} is missing from "
                            f"{self.directory}; the turn keeps a placeholder.",
                            ChatStoreWarning,
                            stacklevel=4,
                        )
                        content[i] = {"type": "text", "text": f"[image missing: {relative}]"}
                        continue
                    mime = _MIME.get(target.suffix.lstrip("."), "application/octet-stream")
                    image["url"] = f"data:{mime};base64,{base64.b64encode(data).decode()}"
        return Message.model_validate(wire)

    def drop_unused(self, chat_files: Iterable[Path]) -> None:
        """Delete the images none of ``chat_files`` refers to."""
        folder = self.directory / "images"
        if not folder.is_dir():
            return
        used: set[str] = set()
        for path in chat_files:
            with contextlib.suppress(OSError):
                used.update(_IMAGE_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
        for image in folder.iterdir():
            if image.name not in used:
                with contextlib.suppress(OSError):
                    image.unlink()
