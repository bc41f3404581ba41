"""``ChatPanel``: a chat with Grok beside the work, an ``anywidget`` with its own script.

The front end is ``static/chat.js`` and ``static/chat.css`` (an ES module and a
style sheet, no JupyterLab build step), so the panel works wherever anywidget
does: JupyterLab, Notebook 7, VS Code, Colab. The browser owns the input: Send
is one custom message carrying the text *and* the attached files, so no
keystroke can be lost to a trait that has not synced yet. The kernel renders
everything shown (``render.py``: Markdown, Pygments, citations, tool lines)
and pushes it as HTML traits; the script only places it and handles keys,
copy buttons and downloads.

The panel drives each turn through the one turn engine (``notebook/turn``)
exactly as the magic does, on the shared conversation named ``conversation``, so a
``%%grok --chat NAME`` turn appears here and a panel turn is part of the
magic's history.

Each turn runs in a worker thread (``turns.py`` says why; checked in a real
ipykernel 7, tests/panel/test_real_kernel.py). The thread only sets traits,
which ipykernel sends through the comm on the IOPub thread. The static
transcript a saved notebook shows is ``static_view.py``.

Nothing secret is a widget trait: the client (and its key) is a plain
attribute, so neither the widget state nor the saved notebook can hold it.
"""

from __future__ import annotations

import contextvars
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import ipywidgets
from traitlets import Bool, Float, List, Unicode

from ..client._catalog import get_catalog
from ..client._errors import GrokError, InvalidRequestError
from ..client._types import Message
from ..notebook.conversation import Conversation, get_conversation
from ..notebook.tools import KernelTools
from ..notebook.turn import StopSignal, TurnResult
from . import render
from .agent import PanelAgent
from .attachments import PanelAttachments, Pending, classify
from .chats import PanelChats
from .commands import PanelCommands
from .live import LiveStream
from .observer import PanelObserver, describe_error
from .side import SideView
from .static_view import StaticTranscript
from .turns import SEND_REFUSED, PanelTurns, usage_note

if TYPE_CHECKING:
    from ..client import GrokClient

__all__ = ["ChatPanel"]

STATIC = Path(__file__).parent / "static"


def _model_options(current: str | None) -> list[list[str]]:
    options = [
        [f"{m.id} · images" if m.supports_images else m.id, m.id]
        for m in get_catalog().current_models("chat")  # a retired id is offered only if chosen
    ]
    if current and current not in {value for _, value in options}:
        info = get_catalog().resolve(current)
        label = current if info is None else f"{current} (= {info.id})"
        options.insert(0, [label, current])
    return options


class ChatPanel(
    PanelAgent,
    PanelTurns,
    PanelCommands,
    StaticTranscript,
    SideView,
    PanelChats,
    PanelAttachments,
    anywidget.AnyWidget,
):
    """A chat with Grok in the notebook, sharing ``get_conversation(conversation)`` with ``%%grok``.

    ``ChatPanel(conversation="default", model=None, system=None, tools=None, client=None,
    temperature=1.0, chat_dir=None, side=False)``. ``tools``: kernel functions Grok may call (as
    the magic's ``--tools``). ``client``: a ``GrokClient``; the shared ``get_client()`` by default.
    ``chat_dir``: where chats are saved (default ``.grok/chats/`` beside the notebook, or
    ``GrokMagics.chat_dir`` / ``$GROK_JUPYTER_CHAT_DIR``); a saved chat is restored by name.
    ``side=True``: open it in JupyterLab's right-hand area (Notebook 7: its side panel); that
    needs the notebook bridge (``grok_jupyter.bridge``), else it says so and shows inline.
    ``agent`` (the "Agent" toggle): turns work in the notebook, each step a cell below the
    panel's cell, run after Run / Edit in the chat (``agent.py``; needs the bridge).
    From code: ``send(text)``, ``stop()``, ``clear()`` / ``undo()``, ``retry()``,
    ``wait()``, ``attach(path)``, ``export_markdown()``, ``compact()``, ``switch(name)``,
    ``close()``.
    """

    _esm = STATIC / "chat.js"
    _css = STATIC / "chat.css"

    conversation_name = Unicode(
        "default", read_only=True, help="Name of the shared conversation this panel shows."
    ).tag(sync=True)
    model = Unicode(help="The model the next turn uses (the picker's value).").tag(sync=True)
    model_options = List(help="[label, model id] pairs for the picker.").tag(sync=True)
    effort = Unicode("", help="Reasoning effort sent; empty for the model's default.").tag(
        sync=True
    )
    effort_options = List(help="[label, value] pairs: the selected model's levels.").tag(sync=True)
    system = Unicode(help="The conversation's system prompt; empty for none.").tag(sync=True)
    temperature = Float(1.0, help="Sampling temperature sent with each turn (0 to 2).").tag(
        sync=True
    )
    web_search = Bool(False, help="Let Grok search the web (Responses API).").tag(sync=True)
    x_search = Bool(False, help="Let Grok search X (Responses API).").tag(sync=True)
    code_execution = Bool(False, help="Let Grok run code on xAI's side.").tag(sync=True)
    mcp_url = Unicode("", help="A remote MCP server Grok may call (http(s) URL).").tag(sync=True)
    agent = Bool(False, help="Agent mode: turns use the notebook tools, each step approved in "
                 "the chat (Run / Edit / Skip / Stop) and run as a cell below the panel's.").tag(
        sync=True
    )
    busy = Bool(False, read_only=True, help="True while a turn is in flight.").tag(sync=True)
    status = Unicode(read_only=True, help="The status line's text.").tag(sync=True)
    error = Unicode("", read_only=True, help="The error shown, as text.").tag(sync=True)
    can_retry = Bool(False, read_only=True, help="Retry is offered.").tag(sync=True)
    can_undo = Bool(False, read_only=True, help="The last Clear/Delete/Edit can be undone.").tag(
        sync=True
    )
    history_html = Unicode(read_only=True, help="The committed turns, as HTML.").tag(sync=True)
    live_user_html = Unicode(read_only=True, help="The prompt in flight.").tag(sync=True)
    pending = List(help="Kernel-side attachments: chips shown under the input.").tag(sync=True)
    chats = List(help="Conversation names for the chat list.").tag(sync=True)
    # Keys the script's per-panel memory (draft, picked files, scroll) across re-rendered views.
    panel_id = Unicode(help="A random id of this panel.").tag(sync=True)

    update_interval: float = 0.1  # seconds between live updates while streaming

    def __init__(
        self,
        conversation: str | Conversation = "default",
        *,
        model: str | None = None,
        system: str | None = None,
        tools: Sequence[Callable[..., Any]] | KernelTools | None = None,
        client: GrokClient | None = None,
        temperature: float = 1.0,
        chat_dir: str | Path | None = None,
        side: bool = False,
        **kwargs: Any,
    ) -> None:
        self._chat_dir = chat_dir
        if not isinstance(conversation, Conversation):
            conversation = get_conversation(conversation, chat_dir=chat_dir)
        # Plain attributes, never traits: the client holds the API key.
        self._client = client
        if tools is not None and not isinstance(tools, KernelTools):
            tools = KernelTools(tools)  # raises ToolSchemaError now, not mid-turn
        self._tools = tools
        self._stop = StopSignal()
        self._worker: threading.Thread | None = None
        self._observer: PanelObserver | None = None
        self._live = LiveStream(self.send_custom)  # the answer in flight, sent as changes
        self._failed_user: Message | None = None
        self._pending: list[Pending] = []
        self._clear_when_done = False
        self._unsubscribe: Callable[[], None] | None = None
        self._display_id: str | None = None
        self._display_context: contextvars.Context | None = None
        self.last_result: TurnResult | None = None
        super().__init__(**kwargs)
        self.panel_id = uuid.uuid4().hex
        if system is not None:
            conversation.system = system or None
        model = model or conversation.model or get_catalog().default_chat_model
        self.model_options = _model_options(model)
        self.model = model
        self.temperature = temperature
        self._sync_effort()
        self.observe(self._on_model_pick, "model")
        self.observe(self._on_system_edit, "system")
        self.on_msg(self._on_frontend_msg)
        self._open(conversation)
        if side:
            self._open_side()

    # --- public actions ------------------------------------------------------

    def send(self, text: str | None = None, attachments: Sequence[Any] = ()) -> bool:
        """Send ``text`` with the pending attachments (and ``attachments``: paths); False if
        nothing was sent (busy, empty, or refused: the error says why)."""
        try:
            for src in attachments:
                self.attach(src)
        except (GrokError, OSError) as exc:
            self._show_error(exc, retry=False)
            return False
        return self._submit(text or "", [])

    def stop(self) -> None:
        """Cancel the streaming turn at once; the partial answer is kept, marked as stopped."""
        self._stop.stop()

    def clear(self) -> None:
        """Forget the conversation (for the magic too: it is the same one); ``undo()`` brings
        it back."""
        self._failed_user = None
        self._hide_error()
        if self.busy:
            self._clear_when_done = True  # the stopped turn commits first; clear after it
            self.stop()
            return
        self.conversation.reset()

    def retry(self) -> bool:
        """Send the failed user turn again (a failed turn committed nothing)."""
        if self.busy or self._failed_user is None:
            return False
        self._start(self._failed_user)
        return True

    def wait(self, timeout: float | None = None) -> TurnResult | None:
        """Block until the turn in flight ends; its result (also ``last_result``)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return self.last_result

    def close(self) -> None:
        """Stop any turn, leave the conversation, and close the widget."""
        # Also called by ipywidgets' __del__ on a panel whose __init__ raised (bad tools).
        unsubscribe = getattr(self, "_unsubscribe", None)
        if unsubscribe is not None:
            unsubscribe()
            self._unsubscribe = None
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.stop()
        super().close()

    @property
    def live_html(self) -> str:
        """The answer streaming in, as the browser shows it ("" between turns)."""
        return self._live.html

    @property
    def live_reasoning(self) -> str:
        """The reasoning streaming in (escaped text)."""
        return self._live.reasoning

    @property
    def client(self) -> GrokClient:
        if self._client is not None:
            return self._client
        from ..client import get_client

        return get_client()

    # --- messages from the browser -------------------------------------------------

    def _on_frontend_msg(self, _widget: Any, content: Any, buffers: Sequence[Any]) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "send":
            self._frontend_send(content, list(buffers or ()))
            return
        handler = self._handlers().get(str(kind))
        if handler is None:
            return
        try:
            handler(content)
        except (GrokError, ValueError, IndexError, KeyError, OSError) as exc:
            self._show_error(exc, retry=False)

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "ping": lambda c: self.send_custom({"type": "pong"}),
            "live_sync": lambda c: (self._live.resync(), self._send_static(), self._resend_ask()),
            "stop": lambda c: self.stop(),
            "clear": lambda c: self.clear(),
            "undo": lambda c: self.undo(),
            "retry": lambda c: self.retry(),
            "compact": lambda c: self.compact(),
            "unpend": lambda c: self._remove_pending(int(c.get("id", 0))),
            "dismiss": lambda c: self._hide_error(),
            **self._chat_handlers(),
            **self._command_handlers(),
            **self._agent_handlers(),
        }

    def send_custom(self, content: dict[str, Any], buffers: Sequence[bytes] | None = None) -> None:
        """A message to the browser (ignored when no front end is connected)."""
        if self.comm is not None:
            # ``send`` is this panel's "send a prompt"; the widget's message send is Widget's.
            ipywidgets.Widget.send(self, content, buffers)

    def _frontend_send(self, content: dict[str, Any], buffers: list[Any]) -> None:
        """Send from the browser: the text and its files, whole, in one message."""
        send_id = content.get("id")
        self.send_custom({"type": "ack", "id": send_id})
        text = str(content.get("text") or "")
        files = content.get("files") or []
        items: list[Pending] = []
        try:
            if len(files) != len(buffers):
                raise InvalidRequestError("the attachments did not arrive whole: attach again.")
            for meta, buf in zip(files, buffers, strict=True):
                items.append(classify(str(meta.get("name") or "file"), bytes(buf)))
        except Exception as exc:  # a refused file, or a bug: the browser keeps the draft
            self._refuse(send_id, text, files, exc)
            return
        self._submit(text, items, send_id=send_id, files=files)

    def _refuse(
        self, send_id: Any, text: str, files: Sequence[Any], exc: BaseException | str
    ) -> None:
        """A refused send: the error is shown and the browser puts the prompt back."""
        self._show_error(exc, retry=False)
        names = [str(f.get("name", "")) if isinstance(f, dict) else str(f) for f in files]
        self.send_custom(
            {"type": SEND_REFUSED, "id": send_id, "text": text, "files": names, "error": self.error}
        )

    # --- views ------------------------------------------------------------------

    def _render_history(self) -> None:
        conversation = self.conversation
        notes = {
            turn.index: usage_note(turn.usage, turn.cost_usd, turn.usage_estimated)
            for turn in conversation.turns
            if turn.interrupted and turn.usage is not None
        }
        with self.hold_sync():
            self.set_trait(
                "history_html",
                render.transcript_html(
                    conversation.messages,
                    actions=True,
                    citations=self._turn_citations(),
                    notes=notes,
                    activity=self._turn_activity(),
                ),
            )
            self.set_trait("can_undo", conversation.can_undo)

    def _on_system_edit(self, change: dict[str, Any]) -> None:
        self.conversation.system = change["new"] or None

    def _set_busy(self, busy: bool) -> None:
        self.set_trait("busy", busy)

    def _set_status(self, text: str) -> None:
        self.set_trait("status", text)

    def _show_progress(self, text: str) -> None:
        self._set_status(f"{self.model} · {text}")

    def _show_error(self, error: BaseException | str, *, retry: bool) -> None:
        text = error if isinstance(error, str) else describe_error(error)
        with self.hold_sync():
            self.set_trait("error", text)
            self.set_trait("can_retry", retry)

    def _hide_error(self) -> None:
        with self.hold_sync():
            self.set_trait("error", "")
            self.set_trait("can_retry", False)

    def _turn_activity(self) -> dict[int, list[dict[str, str]]]:
        """Server-side tool lines per turn index (searches, code runs, MCP calls)."""
        return {t.index: list(t.activity) for t in self.conversation.turns if t.activity}

    def _turn_citations(self) -> dict[int, list[Any]]:
        """Sources per turn index (Responses turns keep them with the turn)."""
        return {
            turn.index: list(turn.citations) for turn in self.conversation.turns if turn.citations
        }
