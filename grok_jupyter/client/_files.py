"""The Files API (``/v1/files``): upload, list, retrieve, download and delete files.

Routes and shapes follow shared/xai-api-2026.md section 5: a multipart upload
with a ``file`` field (``purpose`` optional, stored as ``""``), xAI's own
paging (``{"data": [...], "pagination_token": ...}``, not OpenAI's
``has_more``), raw bytes from ``/content`` and ``{"id", "deleted"}`` from
delete. A file's size and type are checked before anything is sent, so a
file the API would refuse costs no upload. ``expires_after`` (seconds, in
[3600, 2592000], else the API answers 400: xai-api-2026-09.md §4 [DOC]) goes
as a multipart field before ``file`` and sets the stored file's ``expires_at``.
"""

from __future__ import annotations

import codecs
import mimetypes
import os
from collections.abc import AsyncIterator, Iterator
from typing import IO, TYPE_CHECKING

from pydantic import Field

from ._arguments import check_filename
from ._errors import (
    AnswerLostError,
    FileTooLargeError,
    InvalidRequestError,
    InvalidValueError,
    UnsupportedFileTypeError,
)
from ._http import httpx
from ._lost_creates import FileIdentity, afind_file, file_identity, find_file, not_found
from ._resource import AsyncResource, SyncResource, afollow_pages, follow_pages, list_path, path_id
from ._types import WireModel

if TYPE_CHECKING:
    from ._base import BaseGrokClient

PATH = "/files"

# 50 MB per the OAS (413 over it) [U for today's limit; a 2025 announcement said 48 MB].
# Read as MiB, the larger reading: the client must not refuse what the API takes.
MAX_FILE_BYTES = 50 * 1024 * 1024

# ``expires_after`` bounds in seconds: one hour to 30 days (xai-api-2026-09.md §4 [DOC]).
MIN_EXPIRES_AFTER = 3600
MAX_EXPIRES_AFTER = 2_592_000

# What the API reads, by best evidence: the files guide and its announcement list
# "plain text, markdown, Python, JavaScript, CSV, JSON, PDF, and more" [U beyond those];
# Office documents and images (media references) are accepted too, so that the
# client refuses only what is clearly not a document: other binary files.
READABLE_TYPES: tuple[str, ...] = (
    "PDF",
    "plain text",
    "Markdown",
    "CSV",
    "JSON",
    "source code and other UTF-8 text",
    "DOCX/XLSX/PPTX",
    "PNG/JPEG/GIF/WebP images",
)

_OFFICE = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_TEXT_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv",
               ".tsv": "text/tab-separated-values", ".json": "application/json",
               ".jsonl": "application/jsonl"}  # fmt: skip
_SNIFF_BYTES = 64 * 1024

FileInput = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]


class FileObject(WireModel):
    """One stored file (section 5): ``object``, ``status`` and ``expires_at`` may be null;
    ``public_url`` is set once a public link was made (``POST /v1/files/{id}/public-url``)."""

    id: str
    object: str | None = None
    bytes: int = 0
    created_at: int | str | None = None
    filename: str = ""
    purpose: str | None = None
    status: str | None = None
    expires_at: int | str | None = None  # set by upload(expires_after=...)
    public_url: str | None = None
    public_url_expires_at: int | str | None = None


class FilePage(WireModel):
    """One page of ``GET /v1/files``; ``pagination_token`` is None on the last page."""

    data: list[FileObject] = Field(default_factory=list)
    pagination_token: str | None = None


class FileDeleted(WireModel):
    id: str
    deleted: bool = False


# --- reading and checking a file before upload -----------------------------


def _too_large(name: str, size: int) -> FileTooLargeError:
    return FileTooLargeError(
        f"{name} is {size:,} bytes ({size / 2**20:.1f} MB); the Files API takes files up to "
        f"{MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES // 2**20} MB). Split it or upload a "
        "smaller extract.",
        size=size,
        limit=MAX_FILE_BYTES,
    )


def _read_limited(stream: IO[bytes], name: str) -> bytes:
    """At most ``MAX_FILE_BYTES`` from ``stream``; refused (unread past the limit) if longer."""
    try:
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
    except (OSError, AttributeError, ValueError):
        pass  # not seekable: read and count instead
    else:
        if end - start > MAX_FILE_BYTES:
            raise _too_large(name, end - start)
    data = stream.read(MAX_FILE_BYTES + 1)
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidRequestError(
            f"{name} was opened in text mode; open it with open(path, 'rb') or pass its path."
        )
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(name, len(data) + len(stream.read()))
    return bytes(data)


def read_upload(file: FileInput, filename: str | None) -> tuple[str, bytes]:
    """The upload's filename and bytes; size checked before the file is read in full."""
    if filename is not None:
        check_filename(filename)
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        if not os.path.isfile(path):
            raise InvalidRequestError(
                f"No file at {path!r}: pass an existing path, bytes or a file."
            )
        name = filename or os.path.basename(path)
        with open(path, "rb") as f:  # _read_limited refuses an oversized file unread
            return name, _read_limited(f, name)
    if isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
        name = filename or ""
        if len(data) > MAX_FILE_BYTES:
            raise _too_large(name or "The file", len(data))
        return name, data
    if hasattr(file, "read"):
        own = getattr(file, "name", None)
        name = filename or (os.path.basename(own) if isinstance(own, str) else "")
        return name, _read_limited(file, name or "The file")
    raise InvalidRequestError(
        f"upload() takes a path, bytes or a binary file object, not {type(file).__name__}."
    )


def _is_text(data: bytes) -> bool:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = data[:_SNIFF_BYTES]
    if b"\x00" in sample:
        return False
    try:
        # Incremental: a sample cut inside a multi-byte character is still text.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(data) <= _SNIFF_BYTES)
    except UnicodeDecodeError:
        return False
    return True


def _image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def file_type(data: bytes, filename: str) -> tuple[str, str]:
    """``(media type, extension)`` of a readable file, judged by its content first."""
    ext = os.path.splitext(filename)[1].lower()
    if data.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    image = _image_type(data)
    if image is not None:
        return image, mimetypes.guess_extension(image) or ""
    if data.startswith(b"PK\x03\x04") and ext in _OFFICE:
        return _OFFICE[ext], ext
    if _is_text(data):
        return _TEXT_TYPES.get(ext, "text/plain"), ext or ".txt"
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    what = f" ({guessed})" if guessed else ""
    raise UnsupportedFileTypeError(
        f"{filename or 'The file'}{what} is a binary file of a type the Files API does not "
        f"read. Upload one of: {', '.join(READABLE_TYPES)}; convert other documents to PDF "
        "or text first.",
        readable=READABLE_TYPES,
    )


def check_expires_after(seconds: object) -> int | None:
    """``expires_after`` as sent, or ``InvalidValueError`` naming the range the API takes."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not (
        MIN_EXPIRES_AFTER <= seconds <= MAX_EXPIRES_AFTER
    ):
        raise InvalidValueError(
            f"expires_after must be a whole number of seconds from {MIN_EXPIRES_AFTER:,} "
            f"(1 hour) to {MAX_EXPIRES_AFTER:,} (30 days), not {seconds!r}; the API answers "
            "400 outside that range.",
            parameter="expires_after",
        )
    return seconds


def _multipart(
    client: BaseGrokClient,
    file: FileInput,
    filename: str | None,
    purpose: str | None,
    expires_after: int | None = None,
) -> tuple[bytes, httpx.Headers, FileIdentity]:
    """The checked file as a multipart body (httpx2 encodes it), the request headers, and
    what identifies the upload if its answer is lost (name, size, hash)."""
    if purpose is not None and not isinstance(purpose, str):
        raise InvalidRequestError(f"purpose must be a string, not {type(purpose).__name__}.")
    expires_after = check_expires_after(expires_after)  # before the file is read
    name, data = read_upload(file, filename)
    media_type, ext = file_type(data, name)
    name = name or f"upload{ext}"
    # httpx2 writes the data fields before the files: expires_after precedes ``file``,
    # as the API wants it (§4).
    fields: dict[str, str] = {}
    if purpose is not None:
        fields["purpose"] = purpose
    if expires_after is not None:
        fields["expires_after"] = str(expires_after)
    encoded = httpx.Request(
        "POST", "http://upload.invalid/", data=fields or None,
        files={"file": (name, data, media_type)},
    )
    body = encoded.read()
    _, headers = client._prepare(None, {"Content-Type": encoded.headers["Content-Type"]})
    return body, headers, file_identity(name, data)


# --- answers ----------------------------------------------------------------


def _file_of(response: httpx.Response) -> FileObject:
    return FileObject.model_validate_json(response.content)


def _page_of(response: httpx.Response) -> FilePage:
    return FilePage.model_validate_json(response.content)


def _deleted_of(response: httpx.Response) -> FileDeleted:
    return FileDeleted.model_validate_json(response.content)


def _content_of(response: httpx.Response) -> bytes:
    return response.content


def _id(file_id: str) -> str:
    return path_id(file_id, "file_id", " (file_...)")


class Files(SyncResource):
    """``client.files``: the Files API."""

    def upload(
        self,
        file: FileInput,
        *,
        filename: str | None = None,
        purpose: str | None = None,
        expires_after: int | None = None,
    ) -> FileObject:
        """Upload a path, bytes or a binary file object; returns the stored ``FileObject``.

        Refused before sending: over ``MAX_FILE_BYTES`` (``FileTooLargeError``), not a
        type the API reads (``UnsupportedFileTypeError``), or ``expires_after`` outside
        3600..2592000 seconds (``InvalidValueError``). ``filename`` defaults to the
        path's or file object's name; ``purpose`` is sent only when given;
        ``expires_after`` (seconds) makes the API delete the file then (``expires_at``).

        Never stored twice by a lost answer: if the connection breaks after the file was
        sent, the stored files are searched (name, size, content) and the one found is
        returned; else ``AnswerLostError``, and the next identical upload looks again."""
        body, headers, ident = _multipart(self._client, file, filename, purpose, expires_after)
        memory = self._client._creates
        if ident in memory.lost_files:  # an identical upload's answer was lost: look first
            found = find_file(memory, ident, self.iter(), self.content)
            if found is not None:
                return found
        try:
            stored = self._send("POST", PATH, _file_of, prepared=(body, headers))
        except AnswerLostError as lost:
            memory.lose_file(ident)
            found = find_file(memory, ident, self.iter(), self.content)
            if found is not None:
                return found
            raise not_found(lost, "file of that name, size and content", "upload") from lost
        memory.made(stored.id)
        return stored

    def list(self, *, limit: int | None = None, pagination_token: str | None = None) -> FilePage:
        """One page of files; pass the page's ``pagination_token`` for the next one."""
        path = list_path(PATH, limit, pagination_token)
        return self._send("GET", path, _page_of, idempotent=True)

    def iter(self, *, limit: int | None = None) -> Iterator[FileObject]:
        """Every file, following ``pagination_token`` (``limit``: the page size)."""
        return follow_pages(
            lambda token: self.list(limit=limit, pagination_token=token), lambda p: p.data
        )

    def retrieve(self, file_id: str) -> FileObject:
        return self._send("GET", f"{PATH}/{_id(file_id)}", _file_of, idempotent=True)

    def content(self, file_id: str) -> bytes:
        """The file's bytes, as uploaded."""
        return self._send("GET", f"{PATH}/{_id(file_id)}/content", _content_of, idempotent=True)

    def delete(self, file_id: str) -> FileDeleted:
        return self._send("DELETE", f"{PATH}/{_id(file_id)}", _deleted_of)


class AsyncFiles(AsyncResource):
    """``client.files`` of an ``AsyncGrokClient``: the same, awaited."""

    async def upload(
        self,
        file: FileInput,
        *,
        filename: str | None = None,
        purpose: str | None = None,
        expires_after: int | None = None,
    ) -> FileObject:
        """As ``Files.upload``; the file is read and checked in a worker thread."""
        import asyncio

        check_expires_after(expires_after)  # refused here, before the thread starts
        body, headers, ident = await asyncio.to_thread(
            _multipart, self._client, file, filename, purpose, expires_after
        )
        memory = self._client._creates
        if ident in memory.lost_files:
            found = await afind_file(memory, ident, self.iter(), self.content)
            if found is not None:
                return found
        try:
            stored = await self._send("POST", PATH, _file_of, prepared=(body, headers))
        except AnswerLostError as lost:
            memory.lose_file(ident)
            found = await afind_file(memory, ident, self.iter(), self.content)
            if found is not None:
                return found
            raise not_found(lost, "file of that name, size and content", "upload") from lost
        memory.made(stored.id)
        return stored

    async def list(
        self, *, limit: int | None = None, pagination_token: str | None = None
    ) -> FilePage:
        path = list_path(PATH, limit, pagination_token)
        return await self._send("GET", path, _page_of, idempotent=True)

    def iter(self, *, limit: int | None = None) -> AsyncIterator[FileObject]:
        """Every file, following ``pagination_token`` (``async for f in client.files.iter()``)."""
        return afollow_pages(
            lambda token: self.list(limit=limit, pagination_token=token), lambda p: p.data
        )

    async def retrieve(self, file_id: str) -> FileObject:
        return await self._send("GET", f"{PATH}/{_id(file_id)}", _file_of, idempotent=True)

    async def content(self, file_id: str) -> bytes:
        return await self._send(
            "GET", f"{PATH}/{_id(file_id)}/content", _content_of, idempotent=True
        )

    async def delete(self, file_id: str) -> FileDeleted:
        return await self._send("DELETE", f"{PATH}/{_id(file_id)}", _deleted_of)
