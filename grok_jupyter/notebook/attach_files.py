"""Attach a document to a turn: a path, or bytes and a file name, as an ``input_file`` part.

Front-end neutral: the magic's ``--file`` and the panel's attach control both call
``input_file_part(client, path_or_bytes, filename=...)``. What it does, in order:

1. reads the size and the first bytes (not the whole file) and refuses what the API
   would refuse, with ``client.files``'s own limit and type sniffing: a missing path
   is ``AttachmentNotFoundError`` naming the path, a file over the limit the client's
   ``FileTooLargeError`` naming the limit, a type the API does not read
   ``UnsupportedFileTypeError`` naming the types it does; all before anything is sent;
2. uploads the bytes through ``client.files.upload`` *once per distinct content and
   client* in this process: re-running a cell (or attaching the same file in the
   panel) reuses the file id instead of uploading again. A file id belongs to the
   account that uploaded it on the server it went to, so the cache is keyed by the
   client's base URL and a fingerprint of its key (a SHA-256 digest, never the key),
   then by the SHA-256 of the bytes: a sync and an async client on the same account
   share their uploads. It holds file ids only, never a key or the content.
   ``forget_uploads()`` empties it (e.g. after deleting files on the server);
3. returns ``{"type": "input_file", "file_id": ...}`` for the Responses API, whose
   ``attachment_search`` tool reads it.

Images are not documents: they keep going as image parts (``client.image_part``,
``--image``); ``is_image(name)`` / ``is_document(name)`` tell a front-end which path
a file takes.

Inside a ``Conversation`` an attachment is kept on the user message as a chat-shape
``FilePart`` (``{"type": "file", "file": {"file_id", "filename"}}``) so a later
Responses turn that has to resend the history sends the file again;
``responses_content`` turns a message's parts into Responses input parts.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any

from ..client._errors import InvalidRequestError
from ..client._types import FilePart, ImagePart, Message, TextPart

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]


# Enough of a file to tell its type (client.files sniffs the first 64 KiB).
HEAD_BYTES = 64 * 1024 + 1


class AttachmentNotFoundError(InvalidRequestError, FileNotFoundError):
    """The path given to attach does not exist (or is not a file)."""


# --- what the API reads ------------------------------------------------------


def _files() -> Any:
    # client.files owns the limits and the type sniffing: one source of truth.
    from ..client import _files

    return _files


def is_image(filename: str) -> bool:
    """True for an image name (``.png``, ``.jpg``...): those go as image parts, not files."""
    mime, _ = mimetypes.guess_type(filename)
    return bool(mime and mime.startswith("image/"))


# Names whose type says "not a document" before any byte is read (the API reads text of
# any extension, so only clearly binary kinds are ruled out by name).
_BINARY_KINDS = ("audio/", "video/", "font/")
_BINARY_TYPES = frozenset({"application/zip", "application/gzip", "application/x-tar",
                           "application/octet-stream", "application/x-msdownload",
                           "application/x-executable", "application/vnd.ms-excel"})  # fmt: skip


def is_document(filename: str) -> bool:
    """True when ``filename`` names a document the API reads (PDF, text, CSV, JSON, Office...).

    Judged by the name, for a front-end choosing between the image and the file path;
    ``check_attachment`` judges the content itself.
    """
    if is_image(filename):
        return False
    mime, _ = mimetypes.guess_type(filename)
    return not (mime and (mime.startswith(_BINARY_KINDS) or mime in _BINARY_TYPES))


def check_attachment(filename: str, size: int, head: bytes) -> None:
    """Refuse, before any request, a file the API would not take.

    ``size`` is the whole file's, ``head`` its first bytes (enough to tell its type).
    Over the Files API's limit: ``FileTooLargeError`` naming the limit; a type it does
    not read: ``UnsupportedFileTypeError`` naming the ones it does; an image:
    ``UnsupportedFileTypeError`` saying to send it as an image part instead.
    """
    files = _files()
    if size > files.MAX_FILE_BYTES:
        raise files._too_large(os.path.basename(filename) or "the file", size)
    media_type, _ = files.file_type(head, filename)
    if is_image(filename) or media_type.startswith("image/"):
        from ..client._errors import UnsupportedFileTypeError

        raise UnsupportedFileTypeError(
            f"{os.path.basename(filename) or 'the file'} is an image: attach it as an image "
            "(%%grok --image, client.image_part), not as a document.",
            readable=files.READABLE_TYPES,
        )


# --- reading a source --------------------------------------------------------


def check_path(path: str | os.PathLike[str], filename: str | None = None) -> Path:
    """The path, if it names a file the API takes; else a typed error. Only the first
    bytes are read (to tell the type) and nothing is sent."""
    checked = Path(os.path.expanduser(os.fspath(path)))
    if not checked.is_file():
        what = "is a folder, not a file" if checked.is_dir() else "does not exist"
        raise AttachmentNotFoundError(f"cannot attach {os.fspath(path)!r}: the path {what}.")
    with checked.open("rb") as f:
        head = f.read(HEAD_BYTES)
    check_attachment(filename or checked.name, checked.stat().st_size, head)
    return checked


def _read(src: Source, filename: str | None) -> tuple[bytes, str]:
    """(content, file name), checked before the whole content is read where it can be."""
    if isinstance(src, (str, os.PathLike)):
        path = check_path(src, filename)
        return path.read_bytes(), filename or path.name
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
    elif hasattr(src, "read"):
        data = src.read()
        if not isinstance(data, bytes):
            raise InvalidRequestError(
                "attach a file opened in binary mode (open(path, 'rb')), not text mode."
            )
        filename = filename or os.path.basename(str(getattr(src, "name", "")) or "")
    else:
        raise InvalidRequestError(
            f"cannot attach a {type(src).__name__}: give a path, bytes or a binary file."
        )
    if not filename:
        raise InvalidRequestError(
            "attached bytes need a file name (filename='report.pdf'): it is what Grok sees."
        )
    check_attachment(filename, len(data), data[:HEAD_BYTES])
    return data, filename


# --- uploading once ------------------------------------------------------------

# (base URL, key fingerprint) -> {sha256 of the bytes: FileObject}.
_uploads: dict[tuple[str, str], dict[str, Any]] = {}
_lock = threading.Lock()
# Bytes attached without a path (the panel's uploads), by SHA-256, newest last: the chat
# store keeps a copy of each beside the chat (``chat_copies.py``), from which the file is
# uploaded again when the server has lost it. Bounded: the oldest are let go first.
_copies: OrderedDict[str, bytes] = OrderedDict()
_COPIES_MAX_BYTES = 256 * 1024 * 1024


def _account(client: Any) -> tuple[str, str]:
    """Whose files ``client`` sees: its base URL and a digest of its key (never the key)."""
    settings = client.settings
    key = settings.api_key or ""
    return settings.base_url, hashlib.sha256(str(key).encode()).hexdigest()


def _cached(client: Any, digest: str) -> Any:
    with _lock:
        return _uploads.get(_account(client), {}).get(digest)


def _remember(client: Any, digest: str, uploaded: Any) -> None:
    with _lock:
        _uploads.setdefault(_account(client), {})[digest] = uploaded


def _keep_copy(digest: str, data: bytes) -> None:
    with _lock:
        _copies[digest] = data
        _copies.move_to_end(digest)
        while sum(map(len, _copies.values())) > _COPIES_MAX_BYTES and len(_copies) > 1:
            _copies.popitem(last=False)


def kept_copy(digest: str) -> bytes | None:
    """The bytes attached without a path in this process whose SHA-256 is ``digest``."""
    with _lock:
        return _copies.get(digest)


def _digest_of(file_id: str) -> str | None:
    """The SHA-256 of the bytes uploaded as ``file_id`` in this process, if known."""
    with _lock:
        for files in _uploads.values():
            for digest, uploaded in files.items():
                if getattr(uploaded, "id", None) == file_id:
                    return digest
    return None


def forget_uploads(client: Any = None) -> None:
    """Forget cached uploads (of ``client``'s account, or all, with the bytes kept of
    attachments without a path): the next attach uploads again."""
    with _lock:
        if client is None:
            _uploads.clear()
            _copies.clear()
        else:
            _uploads.pop(_account(client), None)


def upload_once(client: Any, src: Source, *, filename: str | None = None) -> Any:
    """The ``FileObject`` for ``src`` on ``client``: uploaded now, or the one from before."""
    data, name = _read(src, filename)
    digest = hashlib.sha256(data).hexdigest()
    if not isinstance(src, (str, os.PathLike)):
        _keep_copy(digest, data)
    uploaded = _cached(client, digest)
    if uploaded is None:
        uploaded = client.files.upload(data, filename=name)
        _remember(client, digest, uploaded)
    return uploaded


async def aupload_once(client: Any, src: Source, *, filename: str | None = None) -> Any:
    """``upload_once`` for an ``AsyncGrokClient``."""
    data, name = _read(src, filename)
    digest = hashlib.sha256(data).hexdigest()
    if not isinstance(src, (str, os.PathLike)):
        _keep_copy(digest, data)
    uploaded = _cached(client, digest)
    if uploaded is None:
        uploaded = await client.files.upload(data, filename=name)
        _remember(client, digest, uploaded)
    return uploaded


def upload_again(client: Any, src: Source, *, filename: str | None = None) -> Any:
    """Upload ``src`` even if this process uploaded the same bytes before: the server no
    longer has that file (deleted, expired, or an emulator that restarted). The new
    ``FileObject`` replaces the old one in the cache."""
    data, name = _read(src, filename)
    uploaded = client.files.upload(data, filename=name)
    _remember(client, hashlib.sha256(data).hexdigest(), uploaded)
    return uploaded


def input_file_part(client: Any, src: Source, *, filename: str | None = None) -> dict[str, Any]:
    """``{"type": "input_file", "file_id": ...}`` for a path, bytes or binary file.

    Checked (exists, type, size) before anything is sent, uploaded once per distinct
    content. ``filename`` names bytes (required for them) or overrides a path's name.
    """
    uploaded = upload_once(client, src, filename=filename)
    return {"type": "input_file", "file_id": uploaded.id}


async def ainput_file_part(
    client: Any, src: Source, *, filename: str | None = None
) -> dict[str, Any]:
    """``input_file_part`` for an ``AsyncGrokClient``."""
    uploaded = await aupload_once(client, src, filename=filename)
    return {"type": "input_file", "file_id": uploaded.id}


# --- inside a conversation ----------------------------------------------------


def message_part(
    part: dict[str, Any], filename: str | None = None, *, path: str | None = None
) -> FilePart:
    """An ``input_file`` part as the ``FilePart`` a ``Conversation``'s user message keeps.

    ``path``: where the file came from (the magic's ``--file``), kept in the saved chat so
    the file can be uploaded again when the server no longer has it (``reattach.py``);
    bytes attached without one keep their SHA-256, and the chat store a copy of them
    (``chat_copies.py``). Neither is ever sent (``responses_content`` sends the id only)."""
    file = {k: v for k, v in part.items() if k in ("file_id", "file_url") and v}
    if filename:
        file["filename"] = filename
    if path:
        file["path"] = path
    digest = _digest_of(file["file_id"]) if file.get("file_id") else None
    if digest:
        file["sha256"] = digest
    return FilePart(type="file", file=file)


def responses_content(message: Message) -> str | list[dict[str, Any]]:
    """A user message's content as Responses input parts (text, images, files)."""
    content = message.content
    if content is None or isinstance(content, str):
        return content or ""
    parts: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, TextPart):
            parts.append({"type": "input_text", "text": part.text})
        elif isinstance(part, ImagePart):
            image: dict[str, Any] = {"type": "input_image", "image_url": part.image_url.url}
            if part.image_url.detail:
                image["detail"] = part.image_url.detail
            parts.append(image)
        elif isinstance(part, FilePart):
            file = getattr(part, "file", None) or {}
            ref = {k: file[k] for k in ("file_id", "file_url") if file.get(k)}
            if ref:
                parts.append({"type": "input_file", **ref})
    return parts


def has_files(message: Message) -> bool:
    """True when the message carries an attached file."""
    return isinstance(message.content, list) and any(
        isinstance(p, FilePart) for p in message.content
    )
