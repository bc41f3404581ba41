"""Named conversations saved as JSON files, so a chat survives a kernel restart.

Where: ``GrokMagics.chat_dir`` (``set_chat_dir``), else ``$GROK_JUPYTER_CHAT_DIR``,
else ``.grok/chats/`` in the kernel's working directory, which Jupyter sets to
the notebook's folder. ``off`` (or ``none``, ``0``) turns saving off.

One file per conversation, ``<readable part>-<hash of the name>.json``, so any
name (slashes, emoji, ``..``) gives a safe, unique file name; the real name is
inside. Writes go to a temporary file that is then renamed over the old one,
so a crash never leaves half a file. Images sent as ``data:`` URLs are stored
once each, by content hash, in ``images/`` beside the chats and referenced
from the JSON: a screenshot would otherwise be rewritten into the file after
every turn. The API key is never written (any occurrence is redacted).

A file that cannot be read is moved aside (``*.corrupt-<time>.json``) with a
``ChatStoreWarning`` saying so, and the conversation starts empty: it is never
silently overwritten.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..client._errors import InvalidRequestError
from ..client._types import Message, Usage
from .conversation import Conversation, TurnMeta, _Snapshot
from .secrets import redact

SCHEMA_VERSION = 1
ENV_CHAT_DIR = "GROK_JUPYTER_CHAT_DIR"
DEFAULT_CHAT_DIR = os.path.join(".grok", "chats")
IMAGE_REF = "grok-image:"  # an image stored beside the chats: grok-image:images/<sha>.<ext>
_OFF = frozenset({"off", "none", "0", "false", "no"})
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
_MIME = {ext: mime for mime, ext in _EXTENSIONS.items()}
_OURS = re.compile(r"[A-Za-z0-9_-]*-[0-9a-f]{12}\.json")


class ChatStoreError(InvalidRequestError):
    """A chat cannot be saved, loaded or exported as asked (the message says what to change)."""


class ChatStoreWarning(UserWarning):
    """A saved chat could not be read or written; the message says what happened to it."""


@dataclass(frozen=True)
class ChatSummary:
    """One saved chat, for a chat list."""

    name: str
    turns: int
    updated: str  # ISO 8601, UTC
    title: str  # the first prompt, shortened
    cost_usd: float
    path: Path


def file_stem(name: str) -> str:
    """A file name (without extension) safe on every OS and unique to ``name``."""
    if not isinstance(name, str) or not name:
        raise ChatStoreError("a chat name must be a non-empty string, e.g. 'analysis'.")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "chat"
    return f"{slug}-{digest}"


# --- files -------------------------------------------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- the store ----------------------------------------------------------------


class ChatStore:
    """The chats saved in one folder: ``names``, ``load``, ``save``, ``delete``,
    ``export_markdown``, ``summaries``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser().absolute()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ChatStore({str(self.directory)!r})"

    def path(self, name: str) -> Path:
        return self.directory / f"{file_stem(name)}.json"

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def _files(self) -> Iterator[Path]:
        if self.directory.is_dir():
            for path in sorted(self.directory.glob("*.json")):
                # Only our own files (<slug>-<12 hex>.json): other JSON in the folder is left be.
                if _OURS.fullmatch(path.name):
                    yield path

    def _read(self, path: Path) -> dict[str, Any] | None:
        """The document in ``path``; a broken one is moved aside with a warning."""
        try:
            doc = json.loads(path.read_text(encoding="utf-8", errors="surrogatepass"))
            if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
                raise ValueError("not a grok-jupyter chat (no name)")
            schema = doc.get("schema")
            if not isinstance(schema, int):
                raise ValueError("no schema version")
            if schema > SCHEMA_VERSION:
                warnings.warn(
                    f"{path} was written by a newer grok-jupyter (chat schema {schema}, this "
                    f"version reads {SCHEMA_VERSION}); it is left untouched. Upgrade "
                    "grok-jupyter to open it.",
                    ChatStoreWarning,
                    stacklevel=3,
                )
                return None
            return doc
        except (OSError, ValueError) as exc:
            aside = path.with_name(f"{path.stem}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.json")
            with contextlib.suppress(OSError):
                os.replace(path, aside)
            warnings.warn(
                f"could not read the saved chat {path.name} ({exc}); it was moved to "
                f"{aside.name} and the conversation starts empty.",
                ChatStoreWarning,
                stacklevel=3,
            )
            return None

    def names(self) -> list[str]:
        """The names of the saved chats, sorted."""
        return sorted({doc["name"] for doc in map(self._read, self._files()) if doc})

    def summaries(self) -> list[ChatSummary]:
        """The saved chats, most recently updated first."""
        out = []
        for path in self._files():
            doc = self._read(path)
            if doc is None:
                continue
            messages = doc.get("messages") or []
            first = next((m for m in messages if m.get("role") == "user"), None)
            title = " ".join(_wire_text(first).split()) if first else ""
            if len(title) > 60:
                title = title[:59] + "…"
            out.append(
                ChatSummary(
                    doc["name"],
                    len(doc.get("turns") or []),
                    str(doc.get("updated") or ""),
                    title,
                    float(doc.get("cost_usd") or 0.0),
                    path,
                )
            )
        return sorted(out, key=lambda s: s.updated, reverse=True)

    def load(self, name: str) -> Conversation | None:
        """The saved chat called ``name``, or None when there is none (or it is unreadable)."""
        path = self.path(name)
        if not path.is_file():
            return None
        doc = self._read(path)
        if doc is None or doc["name"] != name:
            return None
        return self._conversation(doc)

    def save(self, conversation: Conversation) -> Path:
        """Write ``conversation`` (atomically); returns the file."""
        path = self.path(conversation.name)
        with self._lock:  # snapshot and write together, so an older state never wins
            return self._save(conversation, path)

    def _save(self, conversation: Conversation, path: Path) -> Path:
        messages, meta, undo = conversation._export_state()
        doc: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "name": conversation.name,
            "updated": _now(),
            "system": conversation.system,
            "model": conversation.model,
            "conv_id": conversation.conv_id,
            "cost_usd": conversation.cost_usd,
            "response_id": conversation.response_id,
            "response_turns": conversation.response_turns,
            "messages": [self._message_out(m) for m in messages],
            "turns": [_meta_out(m) for m in meta],
            "undo": None
            if undo is None
            else {
                "messages": [self._message_out(m) for m in undo.messages],
                "turns": [_meta_out(m) for m in undo.meta],
                "cost_usd": undo.cost_usd,
            },
        }
        text = redact(json.dumps(doc, ensure_ascii=False, indent=1))
        _atomic_write(path, text.encode("utf-8", "surrogatepass"))
        return path

    def delete(self, name: str) -> bool:
        """Remove the saved chat ``name`` (and images no other chat uses); True if it existed."""
        path = self.path(name)
        with self._lock:
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            self._drop_unused_images()
        return True

    def export_markdown(
        self, chat: str | Conversation, path: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write the chat as Markdown (``path``, or ``<chat dir>/<name>.md``); returns the file."""
        conversation = chat if isinstance(chat, Conversation) else self._find(chat)
        target = (
            Path(path).expanduser()
            if path is not None
            else (self.directory / f"{file_stem(conversation.name)}.md")
        )
        _atomic_write(target, redact(conversation.to_markdown()).encode("utf-8", "surrogatepass"))
        return target

    def _find(self, name: str) -> Conversation:
        from .conversation import _registry

        conversation = _registry.get(name)
        if conversation is None:
            conversation = self.load(name)
        if conversation is None:
            known = ", ".join(self.names()) or "none saved yet"
            raise ChatStoreError(f"there is no chat named {name!r} (chats: {known}).")
        return conversation

    # --- images --------------------------------------------------------------

    def _message_out(self, message: Message) -> dict[str, Any]:
        wire = message.model_dump(mode="json", exclude_none=True, by_alias=True)
        for part in wire.get("content") if isinstance(wire.get("content"), list) else ():
            image = part.get("image_url") if part.get("type") == "image_url" else None
            url = image.get("url", "") if isinstance(image, dict) else ""
            if url.startswith("data:"):
                split = _split_data_url(url)
                if split is not None:
                    image["url"] = IMAGE_REF + self._store_image(*split)
        return wire

    def _store_image(self, mime: str, data: bytes) -> str:
        relative = f"images/{hashlib.sha256(data).hexdigest()}.{_EXTENSIONS.get(mime, 'bin')}"
        target = self.directory / relative
        if not target.exists():  # the name is the content's hash: same name, same bytes
            _atomic_write(target, data)
        return relative

    def _message_in(self, wire: dict[str, Any]) -> Message:
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

    def _drop_unused_images(self) -> None:
        folder = self.directory / "images"
        if not folder.is_dir():
            return
        used: set[str] = set()
        for path in self._files():
            with contextlib.suppress(OSError):
                used.update(
                    re.findall(
                        re.escape(IMAGE_REF) + r"images/([0-9a-f]+\.\w+)",
                        path.read_text(encoding="utf-8", errors="replace"),
                    )
                )
        for image in folder.iterdir():
            if image.name not in used:
                with contextlib.suppress(OSError):
                    image.unlink()

    def _conversation(self, doc: dict[str, Any]) -> Conversation | None:
        try:
            conversation = Conversation(doc["name"], system=doc.get("system"))
            conversation.model = doc.get("model")
            if doc.get("conv_id"):
                conversation.conv_id = str(doc["conv_id"])  # the same cached prompt prefix
            conversation.cost_usd = float(doc.get("cost_usd") or 0.0)
            messages = [self._message_in(m) for m in doc.get("messages") or []]
            meta = [_meta_in(m) for m in doc.get("turns") or []]
            undo = None
            if isinstance(doc.get("undo"), dict):
                u = doc["undo"]
                undo = _Snapshot(
                    [self._message_in(m) for m in u.get("messages") or []],
                    [_meta_in(m) for m in u.get("turns") or []],
                    float(u.get("cost_usd") or 0.0),
                    None,
                    0,
                )
            conversation._import_state(messages, meta, undo)
            # Chain on the stored response only if the history is the one it answered.
            if doc.get("response_id") and doc.get("response_turns") == len(messages):
                conversation.response_id = str(doc["response_id"])
                conversation.response_turns = len(messages)
            return conversation
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            warnings.warn(
                f"the saved chat {doc.get('name')!r} in {self.directory} has an "
                f"entry this version cannot read ({exc}); it starts empty and the "
                "file is kept until the next turn.",
                ChatStoreWarning,
                stacklevel=3,
            )
            return None


def _wire_text(wire: dict[str, Any]) -> str:
    content = wire.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _meta_out(meta: TurnMeta) -> dict[str, Any]:
    return {
        "usage": meta.usage.to_wire() if meta.usage is not None else None,
        "cost_usd": meta.cost_usd,
        "model": meta.model,
        "citations": meta.citations,
        "usage_estimated": meta.usage_estimated,
    }


def _meta_in(raw: dict[str, Any]) -> TurnMeta:
    usage = raw.get("usage")
    return TurnMeta(
        usage=Usage.model_validate(usage) if usage else None,
        cost_usd=float(raw.get("cost_usd") or 0.0),
        model=raw.get("model"),
        citations=[dict(c) for c in raw.get("citations") or []],
        usage_estimated=bool(raw.get("usage_estimated")),
    )


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
    from .conversation import conversation_names

    store = get_store()
    return sorted(set(conversation_names()) | set(store.names() if store else ()))


def delete_chat(name: str) -> bool:
    """Forget ``name`` in memory and delete its saved file; True if either existed."""
    from .conversation import forget_conversation

    store = get_store()
    removed = store.delete(name) if store is not None else False
    return forget_conversation(name) or removed


def export_markdown(name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """Export the chat ``name`` (in memory or saved) as Markdown; returns the file."""
    store = get_store() or ChatStore(DEFAULT_CHAT_DIR)
    return store.export_markdown(name, path)
