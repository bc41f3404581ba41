"""The files of a chat folder: safe file names, atomic writes, plain-file reads, files
set aside, and the images a chat sent, stored once each beside the chats
(``images/<sha256>.<ext>``).

A ``data:`` image in a message is written to ``images/`` and the message refers to
it as ``grok-image:images/<sha256>.<ext>``: a screenshot would otherwise be
rewritten into the chat's JSON after every turn. Reading a chat puts the
``data:`` URL back. ``chat_store.py`` builds on this; the errors it raises are
defined here, below both.

A chat folder is often committed and pulled, so what it holds is untrusted: the store
reads only plain files inside it (no symbolic link, no device or pipe), and an image
reference only as ``images/<sha256>.<ext>`` whose bytes hash to that name. Anything
else is never read.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import stat
import tempfile
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..client._errors import InvalidRequestError
from ..client._types import ImagePart, Message, TextPart

IMAGE_REF = "grok-image:"  # an image stored beside the chats: grok-image:images/<sha>.<ext>
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_MIME = {ext: mime for mime, ext in _EXTENSIONS.items()}
_IMAGE_NAME = re.compile(re.escape(IMAGE_REF) + r"images/([0-9a-f]+\.\w+)")
# The only image reference read back: a content hash and an extension this module writes.
_STORED_IMAGE = re.compile(r"images/([0-9a-f]{64})\.(png|jpg|gif|webp|bin)")
FileIdentity = tuple[int, int, int, int]  # device, inode, size, mtime (ns): "the same file"


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


def write_atomically(path: Path, data: bytes) -> FileIdentity:
    """Write ``data`` to a temporary file and rename it over ``path``: a crash never
    leaves half a file. Returns the identity of the file written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            written = identity(os.fstat(f.fileno()))
        os.replace(tmp, path)  # a rename keeps the inode, size and mtime
        return written
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def identity(st: os.stat_result) -> FileIdentity:
    """What tells one version of a file from another: a rename over it changes the inode."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class NotAPlainFileError(OSError):
    """The path is a symbolic link, a folder, a pipe or a device: the store does not read it."""


def read_plain_file(path: Path) -> tuple[bytes, FileIdentity]:
    """The bytes of ``path`` and its identity, if it is a plain file; a symbolic link (never
    followed), a folder, a pipe (never waited on) or a device raises ``NotAPlainFileError``."""
    if path.is_symlink():  # checked before opening, and O_NOFOLLOW where the OS has it
        raise NotAPlainFileError(f"{path.name} is a symbolic link, not a plain file")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if path.is_symlink():  # swapped in between the check and the open
            raise NotAPlainFileError(f"{path.name} is a symbolic link, not a plain file") from exc
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise NotAPlainFileError(f"{path.name} is not a plain file")
        return f.read(), identity(st)


def move_aside(path: Path, kind: str) -> Path:
    """Rename ``path`` to ``<stem>.<kind>-<time>.json`` beside it (never over another file);
    returns the new path. A symbolic link is moved as the link, its target untouched."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        aside = path.with_name(f"{path.stem}.{kind}-{stamp}{f'-{n}' if n else ''}.json")
        if not os.path.lexists(aside):
            os.replace(path, aside)
            return aside
    raise OSError(f"too many files named {path.stem}.{kind}-{stamp}-*.json")


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

    @property
    def folder(self) -> Path:
        return self.directory / "images"

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
        if self.folder.is_symlink():
            raise ChatStoreError(
                f"{self.folder} is a symbolic link; the chat's images are not written through "
                "it. Make it a plain folder (or set another GrokMagics.chat_dir)."
            )
        relative = f"images/{hashlib.sha256(data).hexdigest()}.{_EXTENSIONS.get(mime, 'bin')}"
        target = self.directory / relative
        # The name is the content's hash: a plain file of that name and size holds these
        # bytes. Anything else there (a link, a planted file) is replaced, never written
        # through (a rename replaces the name, not what a link points at).
        try:
            st = os.lstat(target)
            kept = stat.S_ISREG(st.st_mode) and st.st_size == len(data)
        except FileNotFoundError:
            kept = False
        if not kept:
            write_atomically(target, data)
        return relative

    def message_in(self, message: Message) -> Message:
        """``message`` with its stored images back as ``data:`` URLs. An image that is
        missing, or a reference that is not ``images/<sha256>.<ext>`` naming a plain file
        with those bytes, becomes a text placeholder with a ``ChatStoreWarning``: it is
        never read, so never sent nor copied."""
        content = message.content
        if not isinstance(content, list) or not any(_is_ref(p) for p in content):
            return message
        parts: list[Any] = []
        for part in content:
            if not _is_ref(part):
                parts.append(part)
                continue
            relative = part.image_url.url[len(IMAGE_REF) :]
            url, why = self._data_url(relative)
            if url is None:
                shown = relative if len(relative) <= 80 else relative[:77] + "..."
                missing = why == _MISSING
                warnings.warn(
                    f"the chat image {shown} is missing from {self.directory}; the turn keeps "
                    "a placeholder."
                    if missing
                    else f"the chat image reference {shown!r} in {self.directory} was dropped "
                    f"unread ({why}); the turn keeps a placeholder.",
                    ChatStoreWarning,
                    stacklevel=5,
                )
                label = "image missing" if missing else "image dropped"
                parts.append(TextPart(text=f"[{label}: {shown}]"))
            else:
                image_url = part.image_url.model_copy(update={"url": url})
                parts.append(part.model_copy(update={"image_url": image_url}))
        return message.model_copy(update={"content": parts})

    def _data_url(self, relative: str) -> tuple[str | None, str]:
        """The ``data:`` URL of a stored image, or None and why it is not read."""
        match = _STORED_IMAGE.fullmatch(relative)
        if match is None:
            return None, "not an image of this chat folder, images/<sha256>.<ext>"
        if self.folder.is_symlink():
            return None, f"{self.folder.name}/ is a symbolic link"
        try:
            data, _ = read_plain_file(self.folder / relative.split("/", 1)[1])
        except NotAPlainFileError as exc:
            return None, str(exc)
        except FileNotFoundError:
            return None, _MISSING
        except OSError as exc:
            return None, f"unreadable: {exc.strerror or type(exc).__name__}"
        if hashlib.sha256(data).hexdigest() != match.group(1):
            return None, "its bytes do not match its name"
        mime = _MIME.get(match.group(2), "application/octet-stream")
        return f"data:{mime};base64,{base64.b64encode(data).decode()}", ""

    def drop_unused(self, chat_files: Iterable[Path]) -> None:
        """Delete the images none of ``chat_files`` refers to."""
        if not self.folder.is_dir() or self.folder.is_symlink():
            return
        used: set[str] = set()
        for path in chat_files:
            with contextlib.suppress(OSError):
                data, _ = read_plain_file(path)
                used.update(_IMAGE_NAME.findall(data.decode("utf-8", errors="replace")))
        for image in self.folder.iterdir():
            if image.name not in used:
                with contextlib.suppress(OSError):
                    image.unlink()  # a link is removed as the link, never its target


_MISSING = "missing"


def _is_ref(part: Any) -> bool:
    return isinstance(part, ImagePart) and part.image_url.url.startswith(IMAGE_REF)
