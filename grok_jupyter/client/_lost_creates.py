"""Finding what a create whose answer was lost made, so it is not made (and paid) twice.

When the connection breaks after an upload or a batch create was sent
(``AnswerLostError``), the server may have stored the file or made the batch.
The client does not send it again blindly (``_retry``); it looks first, with
GETs, which are safe to repeat:

* a file by its name, size and content (SHA-256 of ``files.content``);
* a batch by its name.

What this client made and was told of is known by id and never taken for the
lost one. The memory is per client (one session): a create lost here and looked
for in vain is looked for again before the next identical call sends anything.
The lookups are the same for the sync and async clients; only the I/O differs,
so each side passes its listing and download (``find_file`` / ``afind_file``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from ._errors import AnswerLostError

if TYPE_CHECKING:
    from ._batches import Batch
    from ._files import FileObject

FileIdentity = tuple[str, int, str]  # (filename, size, sha256 hex)


def file_identity(name: str, data: bytes) -> FileIdentity:
    return name, len(data), hashlib.sha256(data).hexdigest()


class CreateMemory:
    """One client's memory of its creates: the ids it was told of, the creates it lost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.known: set[str] = set()
        self.lost_files: set[FileIdentity] = set()
        self.lost_batches: set[str] = set()

    def made(self, object_id: str) -> None:
        with self._lock:
            self.known.add(object_id)

    def lose_file(self, ident: FileIdentity) -> None:
        with self._lock:
            self.lost_files.add(ident)

    def lose_batch(self, name: str) -> None:
        with self._lock:
            self.lost_batches.add(name)

    def found_file(self, ident: FileIdentity, object_id: str) -> None:
        with self._lock:
            self.lost_files.discard(ident)
            self.known.add(object_id)

    def found_batch(self, name: str, object_id: str) -> None:
        with self._lock:
            self.lost_batches.discard(name)
            self.known.add(object_id)


def file_candidates(
    files: Iterable[FileObject], ident: FileIdentity, known: set[str]
) -> Iterator[FileObject]:
    """Stored files with the lost upload's name and size that this client was not told of."""
    name, size, _ = ident
    for f in files:
        if f.filename == name and f.bytes == size and f.id not in known:
            yield f


def find_batch(memory: CreateMemory, name: str, batches: Iterable[Batch]) -> Batch | None:
    """The newest batch named ``name`` that this client was not told of (then known)."""
    known = set(memory.known)
    found = [b for b in batches if b.name == name and b.id not in known]
    if not found:
        return None
    batch = max(found, key=lambda b: b.create_time or "")
    memory.found_batch(name, batch.id)
    return batch


def find_file(
    memory: CreateMemory,
    ident: FileIdentity,
    files: Iterable[FileObject],
    content: Callable[[str], bytes],
) -> FileObject | None:
    for f in file_candidates(files, ident, set(memory.known)):
        if hashlib.sha256(content(f.id)).hexdigest() == ident[2]:
            memory.found_file(ident, f.id)
            return f
    return None


async def afind_file(
    memory: CreateMemory,
    ident: FileIdentity,
    files: AsyncIterator[FileObject],
    content: Callable[[str], Awaitable[bytes]],
) -> FileObject | None:
    name, size, digest = ident
    known = set(memory.known)
    async for f in files:
        if f.filename == name and f.bytes == size and f.id not in known:
            if hashlib.sha256(await content(f.id)).hexdigest() == digest:
                memory.found_file(ident, f.id)
                return f
    return None


def not_found(lost: AnswerLostError, what: str, call: str) -> AnswerLostError:
    """The lost create's error, saying it was looked for and what the next call does."""
    error = AnswerLostError(
        f"{lost.message} No {what} was found afterwards; calling {call} again looks once "
        "more before sending."
    )
    error.request_id = lost.request_id
    return error
