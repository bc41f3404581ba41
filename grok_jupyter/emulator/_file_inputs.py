"""The files ``input_file`` parts name on ``/v1/responses``: an upload, inline bytes, or a URL.

Three shapes (shared/xai-api-2026-09.md section 2, which makes REF section 2.2's
"inline non-image bytes are refused" out of date):

* ``file_id``: a file uploaded to ``/v1/files`` (404 for an unknown id);
* ``file_data`` (base64, or a ``data:`` URL) with ``filename`` and ``mime_type``: read
  like an upload, without being stored;
* ``file_url``: the emulator's own ``/v1/files/{id}/content`` reads that upload; a URL on
  this machine (127.0.0.1, localhost, ::1) is fetched for real; any other URL is
  accepted but not fetched (the emulator is offline), and the answer says so, as it
  does for an image URL it cannot reach (``_vision``).

Every file is resolved before anything is answered or billed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx2

from . import _errors as errors
from ._file_store import FileStore, StoredFile, file_not_found

_CONTENT_URL = re.compile(r"/v1/files/(file_[^/?#]+)/content(?:[?#].*)?$")
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_FETCH_TIMEOUT_S = 20.0


def parts_of(item: Any) -> list[dict[str, Any]]:
    """The ``input_file`` parts of one input item (only user messages carry files)."""
    content = item.get("content") if isinstance(item, dict) else None
    if not isinstance(item, dict) or item.get("role") != "user" or not isinstance(content, list):
        return []
    return [p for p in content if isinstance(p, dict) and p.get("type") == "input_file"]


def attached_parts(items: Any) -> list[dict[str, Any]]:
    """The ``input_file`` parts of this request's user messages, in order."""
    parts: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        parts += parts_of(item)
    return parts


def _transient(name: str, data: bytes, key: str) -> StoredFile:
    """A file read for this request only (inline or fetched): not listed on /v1/files."""
    digest = hashlib.sha256(key.encode() + b"\0" + data).hexdigest()[:24]
    return StoredFile(
        id=f"inline_{digest}", filename=name, data=data, created_at=int(time.time()), seq=0
    )


def _inline(part: dict[str, Any], max_bytes: int) -> StoredFile:
    raw = part.get("file_data")
    if not isinstance(raw, str):
        raise errors.bad_request("input_file.file_data must be a base64 string.")
    header, sep, payload = raw.partition(",")
    if sep and header.startswith("data:"):
        raw = payload  # a data URL, as OpenAI's clients send it
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise errors.bad_request("input_file.file_data is not valid base64.") from None
    if len(data) > max_bytes:
        raise errors.payload_too_large()
    name = part.get("filename")
    # The real API's rule for a missing filename is [U]: the file is read anyway.
    return _transient(name if isinstance(name, str) and name else "file", data, "data")


def _name_in(url: str) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or url


async def _fetch(url: str, max_bytes: int) -> bytes:
    """The body at a URL on this machine; 400 if it cannot be had ([U]: the real text)."""
    try:
        async with httpx2.AsyncClient(timeout=_FETCH_TIMEOUT_S, follow_redirects=True) as http:
            async with http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise errors.bad_request(
                        f"Could not fetch file_url {url!r}: HTTP {response.status_code}."
                    )
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise errors.payload_too_large()
                    chunks.append(chunk)
                return b"".join(chunks)
    except httpx2.HTTPError as exc:
        raise errors.bad_request(f"Could not fetch file_url {url!r}: {exc}.") from None


async def _from_url(url: str, files: FileStore) -> StoredFile:
    own = _CONTENT_URL.search(url)
    if own is not None:
        stored = files.get(own.group(1))
        if stored is None:
            raise file_not_found(own.group(1))
        return stored
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise errors.bad_request(f"input_file.file_url must be an http(s) URL, got {url!r}.")
    if parts.hostname in _LOCAL_HOSTS:
        return _transient(_name_in(url), await _fetch(url, files.max_file_bytes), url)
    unreachable = _transient(_name_in(url), b"", url)
    unreachable.fetch_error = (
        f"I could not fetch the file at {url}: the emulator does not reach the internet, "
        "so I cannot say what it holds."
    )
    return unreachable


async def _resolve(part: dict[str, Any], files: FileStore) -> StoredFile:
    if part.get("file_id") is not None:
        file_id = part["file_id"]
        stored = files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            # The real status and text are [U]; a missing file is NOT_FOUND as on /v1/files.
            raise file_not_found(str(file_id))
        return stored
    if part.get("file_data") is not None:
        return _inline(part, files.max_file_bytes)
    if isinstance(part.get("file_url"), str):
        return await _from_url(part["file_url"], files)
    raise errors.bad_request(
        "An input_file part needs file_id (file_...), file_data (base64, with filename) "
        "or file_url."
    )


async def resolve_attachments(items: Any, files: FileStore) -> list[StoredFile]:
    """The attached files in order, each checked (and fetched) before anything is answered."""
    return [await _resolve(part, files) for part in attached_parts(items)]
