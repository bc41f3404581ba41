"""The emulator's uploaded files (``/v1/files``) and the text it reads from them.

Shapes follow shared/xai-api-2026.md section 5. Files are kept in memory,
listed oldest first; a page's ``pagination_token`` is the sequence number of
the next file, so a token stays valid while files are added or deleted. Text
is extracted once per file: PDFs with ``pypdf``, DOCX from its XML, any text
file as UTF-8 (or UTF-16 with a BOM); other files have no readable text.
"""

from __future__ import annotations

import codecs
import io
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ._errors import NOT_FOUND, EmulatorError

# The OAS gives 413 over 50 MB for /v1/files [U for today's limit]; serve(max_file_bytes=).
MAX_FILE_BYTES = 50 * 1024 * 1024
DEFAULT_PAGE = 100  # [U] the real default page size
MAX_PAGE = 1000  # LLM pages batch results by 1000; the same cap here [U]


@dataclass
class StoredFile:
    id: str
    filename: str
    data: bytes
    created_at: int
    seq: int
    purpose: str = ""
    expires_at: int | None = None  # set by the upload's expires_after (2026-09 section 4)
    # An input_file URL the offline emulator could not fetch: what the answer says instead.
    fetch_error: str | None = None
    _text: str | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            # xAI stores purpose as "" whatever was sent [V LLM docstring].
            "purpose": self.purpose,
            "status": "processed",  # nullable in the schemas [V]; the value is [U]
            "expires_at": self.expires_at,
        }

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    @property
    def text(self) -> str:
        """The file's readable text ("" when it has none), extracted on first use."""
        if self._text is None:
            self._text = extract_text(self.data, self.filename)
        return self._text


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, OSError):
        return ""  # a damaged PDF reads as no text, as a search over it would find nothing


def _docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("word/document.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return ""
    xml = re.sub(r"</w:p>", "\n", xml)
    return re.sub(r"<[^>]+>", "", xml)


def extract_text(data: bytes, filename: str = "") -> str:
    if data.startswith(b"%PDF-"):
        return _pdf_text(data)
    if data.startswith(b"PK\x03\x04"):
        return _docx_text(data) if filename.lower().endswith(".docx") else ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if b"\x00" in data[:65536]:
        return ""  # binary
    return data.decode("utf-8-sig", "replace")


def file_not_found(file_id: str) -> EmulatorError:
    """The 404 for an unknown file id, on /v1/files and for an ``input_file`` part."""
    # The real text is [U]; the code is tonic's NOT_FOUND, as on every xAI 404.
    return EmulatorError(404, f"File with id '{file_id}' not found.", NOT_FOUND)


class _Sequenced(Protocol):
    seq: int


_T = TypeVar("_T", bound=_Sequenced)


def seq_page(items: Iterable[_T], start_seq: int, limit: int) -> tuple[list[_T], str | None]:
    """Up to ``limit`` of ``items`` from sequence ``start_seq`` on, oldest first, and the
    next page's token (the sequence number it starts at; None on the last page)."""
    ordered = sorted((x for x in items if x.seq >= start_seq), key=lambda x: x.seq)
    page, rest = ordered[:limit], ordered[limit:]
    return page, (str(rest[0].seq) if rest else None)


class FileStore:
    """Every uploaded file of one emulator; shared by the server and test threads."""

    def __init__(self, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self._lock = threading.Lock()
        self.max_file_bytes = max_file_bytes
        self._files: dict[str, StoredFile] = {}
        self._seq = 0

    def add(self, filename: str, data: bytes, expires_after: int | None = None) -> StoredFile:
        """Keep an upload; ``expires_after``: seconds it lives (checked by the route)."""
        created = int(time.time())
        with self._lock:
            self._seq += 1
            stored = StoredFile(
                id=f"file_{uuid.uuid4()}",  # the prefix is [U] (fixtures use file_abc123)
                filename=filename,
                data=data,
                created_at=created,
                seq=self._seq,
                expires_at=created + expires_after if expires_after is not None else None,
            )
            self._files[stored.id] = stored
            return stored

    def _drop_expired(self) -> None:
        # An expired file is gone, as if deleted [U: when the real API removes it].
        now = time.time()
        for file_id in [i for i, f in self._files.items() if f.expired(now)]:
            del self._files[file_id]

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            self._drop_expired()
            return self._files.get(file_id)

    def delete(self, file_id: str) -> bool:
        with self._lock:
            return self._files.pop(file_id, None) is not None

    def page(self, limit: int, after_seq: int) -> tuple[list[StoredFile], str | None]:
        """Up to ``limit`` files from sequence ``after_seq`` on, and the next page's token."""
        with self._lock:
            self._drop_expired()
            files = list(self._files.values())
        return seq_page(files, after_seq, limit)

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
