"""Named conversations saved as JSON files, so a chat survives a kernel restart.

Where: ``GrokMagics.chat_dir`` (``set_chat_dir``), else ``$GROK_JUPYTER_CHAT_DIR``,
else ``.grok/chats/`` in the kernel's working directory, which Jupyter sets to
the notebook's folder. ``off`` (or ``none``, ``0``) turns saving off.

One file per conversation, ``<readable part>-<hash of the name>.json``, so any
name (slashes, emoji, ``..``) gives a safe, unique file name; the real name is
inside. Writes go to a temporary file that is then renamed over the old one,
so a crash never leaves half a file. Images sent as ``data:`` URLs are stored
once each, by content hash, in ``images/`` beside the chats and referenced
from the JSON (``chat_files.py``; the document itself is ``chat_document.py``).
The API key is never written (any occurrence is redacted).

A file that cannot be read in full (cut short, an entry of the wrong type, a symbolic
link) is moved aside as ``*.corrupt-<time>.json``, one written by a newer grok-jupyter as
``*.newer-<time>.json``, with one ``ChatStoreWarning`` naming it; the conversation starts
empty and the set-aside bytes are never touched again. A save never writes over a file it
has not read: one that a newer version wrote meanwhile is refused ("saved by a newer
grok-jupyter"), an unreadable one is moved aside first.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..client._errors import InvalidRequestError
from . import chat_copies, chat_registry
from .chat_document import (
    SCHEMA_VERSION,
    ChatDocumentError,
    NewerChatError,
    SavedChat,
    parse_document,
    to_conversation,
    to_document,
)
from .chat_draft import draft_of
from .chat_files import (
    IMAGE_REF,
    ChatImages,
    ChatStoreError,
    ChatStoreWarning,
    FileIdentity,
    file_stem,
    identity,
    move_aside,
    read_plain_file,
    write_atomically,
)
from .chat_history import Conversation
from .secrets import redact

__all__ = [
    "DEFAULT_CHAT_DIR",
    "ENV_CHAT_DIR",
    "IMAGE_REF",
    "SCHEMA_VERSION",
    "ChatStore",
    "ChatStoreError",
    "ChatStoreWarning",
    "ChatSummary",
    "autosave",
    "chat_dir",
    "chat_names",
    "delete_chat",
    "export_markdown",
    "file_stem",
    "get_store",
    "load_default",
    "saver",
    "set_chat_dir",
    "store_for",
]

ENV_CHAT_DIR = "GROK_JUPYTER_CHAT_DIR"
DEFAULT_CHAT_DIR = os.path.join(".grok", "chats")
_OFF = frozenset({"off", "none", "0", "false", "no"})
_OURS = re.compile(r"[A-Za-z0-9_-]*-[0-9a-f]{12}\.json")
_SET_ASIDE = re.compile(r"[A-Za-z0-9_-]*-[0-9a-f]{12}\.(corrupt|newer)-[0-9-]+\.json")


@dataclass(frozen=True)
class ChatSummary:
    """One saved chat, for a chat list."""

    name: str
    turns: int
    updated: str  # ISO 8601, UTC
    title: str  # the first prompt, shortened
    cost_usd: float
    path: Path


class ChatStore:
    """The chats saved in one folder: ``names``, ``load``, ``save``, ``delete``,
    ``export_markdown``, ``summaries``, ``set_aside``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser().absolute()
        self._images = ChatImages(self.directory)
        self._lock = threading.Lock()
        # The version of each file this store last read or wrote: a save writes over only
        # those, and checks any other first (another kernel, another version, a git pull).
        self._known: dict[Path, FileIdentity] = {}

    def __repr__(self) -> str:
        return f"ChatStore({str(self.directory)!r})"

    def path(self, name: str) -> Path:
        return self.directory / f"{file_stem(name)}.json"

    def exists(self, name: str) -> bool:
        return os.path.lexists(self.path(name))

    def _files(self) -> Iterator[Path]:
        if self.directory.is_dir():
            for path in sorted(self.directory.glob("*.json")):
                # Only our own files (<slug>-<12 hex>.json): other JSON in the folder is left be.
                if _OURS.fullmatch(path.name):
                    yield path

    def set_aside(self) -> list[Path]:
        """The files moved aside because this version cannot read them (oldest name first)."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.glob("*.json") if _SET_ASIDE.fullmatch(p.name))

    def _parse(self, path: Path) -> SavedChat:
        """The chat in ``path``, all of it, or ``ChatDocumentError`` / ``OSError``."""
        data, seen = read_plain_file(path)
        saved = parse_document(data)
        if not path.stem.endswith(file_stem(saved.name)[-13:]):  # -<hash of the name>
            raise ChatDocumentError(f"it holds the chat {saved.name!r}, saved under another name")
        self._known[path] = seen
        return saved

    def _read(self, path: Path) -> SavedChat | None:
        """The chat in ``path``; one that cannot be read in full is moved aside with one
        warning (the move makes it no longer ours, so it is never warned about twice)."""
        try:
            return self._parse(path)
        except FileNotFoundError:
            return None  # deleted meanwhile
        except NewerChatError as exc:
            self._put_aside(path, "newer", exc)
        except (OSError, ChatDocumentError) as exc:
            self._put_aside(path, "corrupt", exc)
        return None

    def _put_aside(self, path: Path, kind: str, exc: Exception) -> bool:
        """Move ``path`` aside with one warning; False if it could not be moved."""
        self._known.pop(path, None)
        moved = False
        try:
            aside = move_aside(path, kind)
            moved = True
        except OSError as move_error:
            message = (
                f"could not read the saved chat {path.name} ({exc}), nor move it aside "
                f"({move_error.strerror or move_error}); it is left as it is, and not saved over."
            )
        else:
            if kind == "newer":
                message = (
                    f"the saved chat {path.name} was saved by a newer grok-jupyter ({exc}). "
                    f"It was moved, unchanged, to {aside.name} and the chat starts empty here; "
                    f"upgrade grok-jupyter and rename it back to {path.name} to open it."
                )
            else:
                message = (
                    f"could not read the saved chat {path.name} ({exc}); it was moved, "
                    f"unchanged, to {aside.name} and the chat starts empty."
                )
        warnings.warn(message, ChatStoreWarning, stacklevel=4)
        return moved

    def names(self) -> list[str]:
        """The names of the saved chats, sorted."""
        return sorted({saved.name for saved in map(self._read, self._files()) if saved})

    def summaries(self) -> list[ChatSummary]:
        """The saved chats, most recently updated first."""
        out = []
        for path in self._files():
            saved = self._read(path)
            if saved is not None:
                out.append(ChatSummary(saved.name, len(saved.meta), saved.updated, saved.title,
                                       saved.cost_usd, path))
        return sorted(out, key=lambda s: s.updated, reverse=True)

    def load(self, name: str) -> Conversation | None:
        """The saved chat called ``name``, or None when there is none (or it is unreadable,
        then moved aside)."""
        path = self.path(name)
        if not os.path.lexists(path):
            return None
        saved = self._read(path)
        return to_conversation(saved, self._images) if saved is not None else None

    def save(self, conversation: Conversation) -> Path:
        """Write ``conversation`` (atomically); returns the file. A file this store has not
        read is checked first: a newer version's raises ``ChatStoreError``, an unreadable
        one is moved aside."""
        path = self.path(conversation.name)
        with self._lock:  # snapshot and write together, so an older state never wins
            self._check_before_writing(path)
            doc = to_document(conversation, self._images)
            text = redact(json.dumps(doc, ensure_ascii=False, indent=1))
            self._known[path] = write_atomically(path, text.encode("utf-8", "surrogatepass"))
            return path

    def _check_before_writing(self, path: Path) -> None:
        try:
            current = identity(os.lstat(path))
        except FileNotFoundError:
            return
        if self._known.get(path) == current:
            return  # what this store last read or wrote
        try:
            self._parse(path)
        except FileNotFoundError:
            return
        except NewerChatError as exc:
            raise ChatStoreError(
                f"{path.name} was saved by a newer grok-jupyter ({exc}); this version does "
                "not write over it. Upgrade grok-jupyter, or go on under another chat name."
            ) from None
        except (OSError, ChatDocumentError) as exc:
            if not self._put_aside(path, "corrupt", exc):
                raise ChatStoreError(f"{path.name} cannot be read nor moved aside") from None

    def delete(self, name: str) -> bool:
        """Remove the saved chat ``name`` (and images no other chat uses); True if it existed."""
        path = self.path(name)
        with self._lock:
            self._known.pop(path, None)
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            # A set-aside file keeps its images too: it is kept for the user, whole.
            kept = [*self._files(), *self.set_aside()]
            self._images.drop_unused(kept)
            chat_copies.drop_unused(self.directory, [_text_of(p) for p in kept])
        return True

    def export_markdown(
        self, chat: str | Conversation, path: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write the chat as Markdown (``path``, or ``<chat dir>/<name>.md``); returns the file.
        A name means the conversation in memory when there is one, else the saved one."""
        conversation = chat if isinstance(chat, Conversation) else self._find(chat)
        target = (
            Path(path).expanduser()
            if path is not None
            else (self.directory / f"{file_stem(conversation.name)}.md")
        )
        write_atomically(
            target, redact(conversation.to_markdown()).encode("utf-8", "surrogatepass")
        )
        return target

    def _find(self, name: str) -> Conversation:
        conversation = chat_registry.lookup(name)
        if conversation is None:
            conversation = self.load(name)
        if conversation is None:
            known = ", ".join(self.names()) or "none saved yet"
            raise ChatStoreError(f"there is no chat named {name!r} (chats: {known}).")
        return conversation


# --- the default store --------------------------------------------------------

_configured: str | None = None  # set_chat_dir: GrokMagics.chat_dir
_stores: dict[Path, ChatStore] = {}
_warned: set[str] = set()


def set_chat_dir(path: str | os.PathLike[str] | None) -> None:
    """Where chats are saved from now on; None (or "") goes back to the default,
    "off" stops saving. A relative path is taken from the current directory now."""
    global _configured
    if path is None or str(path) == "":
        _configured = None
    elif str(path).strip().lower() in _OFF:
        _configured = "off"
    else:
        _configured = str(Path(path).expanduser().absolute())


def chat_dir() -> Path | None:
    """The folder chats are saved in now, or None when saving is off."""
    raw = _configured if _configured is not None else os.environ.get(ENV_CHAT_DIR) or None
    if raw is not None and raw.strip().lower() in _OFF:
        return None
    return Path(raw or DEFAULT_CHAT_DIR).expanduser().absolute()


def store_for(folder: str | os.PathLike[str]) -> ChatStore:
    """The one ``ChatStore`` of ``folder`` (shared, so its writes are serialised)."""
    path = Path(folder).expanduser().absolute()
    store = _stores.get(path)
    if store is None:
        store = _stores.setdefault(path, ChatStore(path))
    return store


def get_store() -> ChatStore | None:
    """The default store (see the module's help), or None when saving is off."""
    folder = chat_dir()
    return store_for(folder) if folder is not None else None


def load_default(name: str, *, store: ChatStore | None = None) -> Conversation | None:
    """``name`` from ``store`` (or the default store); None when not saved."""
    store = store or get_store()
    return store.load(name) if store is not None else None


def autosave(conversation: Conversation, *, store: ChatStore | None = None) -> None:
    """Save ``conversation`` after a change; a failure is one warning, never an error."""
    store = store or get_store()
    if store is None:
        return
    try:
        if (
            not len(conversation)
            and not conversation.can_undo
            and not store.exists(conversation.name)
            and draft_of(conversation) is None
        ):
            return  # nothing to keep: no file for a chat that never had a turn
        store.save(conversation)
    except (OSError, InvalidRequestError) as exc:
        key = f"{store.directory}:{type(exc).__name__}"
        if key not in _warned:
            _warned.add(key)
            warnings.warn(
                f"could not save the chat {conversation.name!r} in {store.directory} ({exc}); "
                "it stays in memory. Set %config GrokMagics.chat_dir = '<folder>' (or 'off').",
                ChatStoreWarning,
                stacklevel=2,
            )


def saver(store: ChatStore | None) -> Callable[[Conversation], None]:
    """The autosave callback for a conversation bound to ``store`` (None: the default)."""
    return functools.partial(autosave, store=store) if store is not None else autosave


def chat_names() -> list[str]:
    """Every chat: those in memory and those saved in the default store."""
    store = get_store()
    return sorted(set(chat_registry.conversation_names()) | set(store.names() if store else ()))


def delete_chat(name: str) -> bool:
    """Forget ``name`` in memory and delete its saved file; True if either existed."""
    store = get_store()
    removed = store.delete(name) if store is not None else False
    return chat_registry.forget_conversation(name) or removed


def export_markdown(name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """Export the chat ``name`` (in memory or saved) as Markdown; returns the file."""
    store = get_store() or ChatStore(DEFAULT_CHAT_DIR)
    return store.export_markdown(name, path)


def _text_of(path: Path) -> str:
    """A chat file's text (for the copies it refers to); "" if it cannot be read."""
    try:
        data, _ = read_plain_file(path)
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")
