"""The panel's chat operations: which conversation it shows, the chat list, Undo, Delete,
Edit and resend, Regenerate, Export, Compact, "Fix last error" and "Add variable".

A mixin of ``ChatPanel``. The operations themselves live in the notebook layer
(``notebook/conversation.py`` turn operations, ``notebook/chat_store.py``,
``notebook/fix.py``, ``notebook/interpolate.py``), shared with the magic; this
module only calls them and shows the outcome.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..client._errors import InvalidRequestError
from ..client._types import Message
from ..notebook.conversation import get_conversation

if TYPE_CHECKING:
    from ..notebook.conversation import Conversation


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    return get_ipython()


def chat_names(current: str) -> list[str]:
    """Saved and open conversations, for the chat list (the current one always in it)."""
    from ..notebook.chat_store import chat_names as names

    found = list(names())
    if current not in found:
        found.append(current)
    return sorted(found)


class PanelChats:
    """Which conversation is shown, and the turn operations on it."""

    conversation: Conversation
    _fixing: bool = False  # the turn in flight is a "Fix last error"
    _resending: bool = False
    last_fix: str | None = None  # the corrected cell of the last fix, when the answer had one
    _unsubscribe: Callable[[], None] | None
    busy: bool

    # --- which conversation -------------------------------------------------------

    def _open(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.set_trait("conversation_name", conversation.name)
        self.system = conversation.system or ""
        # The subscription holds the panel weakly: a dropped panel does not linger.
        ref = weakref.ref(self)

        def on_change(changed: Conversation) -> None:
            panel = ref()
            if panel is None:
                unsubscribe()
            else:
                panel._conversation_changed()

        unsubscribe = conversation.subscribe(on_change)
        self._unsubscribe = unsubscribe
        self._render_history()
        self._show_summary()
        self._refresh_chats()

    def switch(self, name: str) -> None:
        """Show the conversation ``name`` (a saved one is restored; a new one starts empty)."""
        name = name.strip()
        if not name:
            raise InvalidRequestError("a chat needs a name.")
        if self.busy:
            raise InvalidRequestError("Grok is still answering: press Stop, then switch chats.")
        if name == self.conversation.name:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._failed_user = None
        self._hide_error()
        self.set_trait("live_user_html", "")
        self._live.clear()
        self._open(get_conversation(name, chat_dir=self._chat_dir))
        self._update_static()

    def _refresh_chats(self) -> None:
        self.chats = chat_names(self.conversation.name)

    def _turn_done(self, result: Any = None) -> None:
        self._refresh_chats()
        if self._fixing:
            self._fixing = False
            from ..notebook.fix import extract_fix

            ok = result is not None and result.error is None and not result.interrupted
            self.last_fix = extract_fix(result.text) if ok else None
            if self.last_fix:
                self._set_status(self.status + " · the corrected cell is in the answer: Copy it")

    def _conversation_changed(self) -> None:
        self._render_history()
        if threading.current_thread() is self._worker:
            # Our own turn was just committed: it is in the history now, not live.
            self._clear_live()
        elif not self.busy:
            self._clear_live()
            if not len(self.conversation):
                self._show_summary()
            self._update_static()  # a delete, clear, undo or a magic turn

    def _clear_live(self) -> None:
        with self.hold_sync():
            self.set_trait("live_user_html", "")
            self._live.clear()

    # --- turn operations (notebook/conversation.py) --------------------------------

    def undo(self) -> bool:
        """Undo the last Clear, Delete or Edit; False if there is nothing to undo."""
        return self.conversation.undo()

    def delete_turn(self, index: int) -> None:
        """Delete turn ``index`` (its prompt and answer); undoable."""
        self._not_busy()
        self.conversation.delete_turn(index)

    def edit_turn(self, index: int) -> str:
        """Edit and resend: drop turn ``index`` and every later one (undoable) and put its
        prompt, with its images and files, back in the input. Returns the prompt's text."""
        self._not_busy()
        message = self.conversation.truncate_before(index)
        self._resending = True  # Undo outlives the turn that sends the edited prompt
        self._carry(message)
        self.send_custom({"type": "draft", "text": message.text})
        return message.text

    def regenerate(self) -> bool:
        """Take the last turn again: its answer is replaced by a new one."""
        self._not_busy()
        message = self.conversation.regenerate()
        self._resending = True
        self._start(message)
        return True

    def _not_busy(self) -> None:
        if self.busy:
            raise InvalidRequestError("Grok is still answering: press Stop first.")
        self._free_of_other_panels()  # type: ignore[attr-defined]

    def export_markdown(self, path: str | os.PathLike[str] | None = None) -> str:
        """The whole chat as Markdown (every turn); written to ``path`` when given."""
        markdown = self.conversation.to_markdown()
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(markdown)
        return markdown

    def compact(self) -> bool:
        """Compact the conversation now, as ``%grok compact`` does: later turns send the
        compacted history (the turns stay shown). Runs in a worker thread (``wait()``
        waits for it); the status line says what it did, the error box why it could not."""
        self._not_busy()
        from ..notebook.turn.compaction import COMPACTING, compact_conversation

        conversation, client, model = self.conversation, self.client, self.model or None
        self._hide_error()
        self._set_busy(True)
        self._show_progress(COMPACTING)

        def work() -> None:
            note = error = None
            try:
                note = compact_conversation(client, conversation, model=model, source="panel")
            except Exception as exc:  # nothing to compact, or a bug: shown, never a traceback
                error = exc
            with self.hold_sync():
                self._set_busy(False)
                self._show_summary()
                if error is not None or note is None or note.failed is not None:
                    self._show_error(error or (note.failed if note else "not compacted"),
                                     retry=False)  # fmt: skip
                else:
                    self._set_status(f"{self.status} · {note.describe()}")

        self._worker = threading.Thread(target=work, name="grok-chat-compact", daemon=True)
        self._worker.start()
        return True

    # --- notebook context ------------------------------------------------------------

    def fix(self) -> bool:
        """Send the last exception's traceback and its cell, asking for an explanation and a
        corrected cell (``notebook/fix.py``, as ``%grok fix``). False if there is no error."""
        self._not_busy()
        from ..notebook.fix import fix_request

        request = fix_request(_shell())
        if request is None:
            self._show_error(
                "No error to fix yet: run a cell that fails, then press Fix last error.",
                retry=False,
            )
            return False
        self._fixing = True
        self._start(Message.user(request.prompt))
        return True

    def variable_names(self) -> list[str]:
        """User variables worth offering to "Add variable"."""
        shell = _shell()
        if shell is None:
            return []
        from ..notebook.interpolate import variable_names

        return list(variable_names(shell))

    def add_variable(self, name: str) -> None:
        """Attach kernel variable ``name`` (``df``, ``df.col``, ``xs[0]``) to the next prompt,
        described exactly as the magic's ``{name}`` interpolation describes it."""
        from .attachments import Pending

        name = name.strip().strip("{}")
        if not re.match(r"^[A-Za-z_]", name):
            raise InvalidRequestError(f"{name!r} is not a variable name.")
        shell = _shell()
        if shell is None:
            raise InvalidRequestError("Add variable needs an IPython kernel.")
        from ..notebook.interpolate import describe_variable

        self._add_pending(Pending("variable", name, text=describe_variable(shell, name)))

    # --- browser messages --------------------------------------------------------------

    def _chat_handlers(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "switch": lambda c: self.switch(str(c.get("name", ""))),
            "delete": lambda c: self.delete_turn(int(c["turn"])),
            "edit": lambda c: self.edit_turn(int(c["turn"])),
            "regenerate": lambda c: self.regenerate(),
            "export": lambda c: self.send_custom(
                {
                    "type": "export",
                    "markdown": self.export_markdown(),
                    "filename": _safe_filename(self.conversation.name) + ".md",
                }
            ),
            "fix": lambda c: self.fix(),
            "variables": lambda c: self.send_custom(
                {"type": "variables", "names": self.variable_names()}
            ),
            "add_variable": lambda c: self.add_variable(str(c.get("name", ""))),
        }


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "chat"
