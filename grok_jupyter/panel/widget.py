"""``ChatPanel``: a chat with Grok beside the work, built from stock ipywidgets 8.

The panel drives each turn through ``run_turn`` exactly as the magic does, on
the shared conversation named ``conversation``, so a ``%%grok --chat NAME``
turn appears here and a panel turn is part of the magic's history.

Why a worker thread and not an asyncio task on the kernel loop: ``run_turn``,
``KernelTools`` and ``StopSignal`` are synchronous; a thread keeps streaming
while a long synchronous cell runs (a task on the kernel loop would stall for
the whole cell); and it does not depend on how a given ipykernel schedules
background tasks between cells (ipykernel#1510). Both were checked in a real
ipykernel 7 (tests/panel/test_real_kernel.py). The thread only sets widget
values, which ipykernel sends through the comm on the IOPub thread; it never
uses the ``Output`` context manager, which would route output to the wrong
cell.

Nothing secret is a widget trait: the client (and its key) is a plain
attribute, so neither ``get_state()`` nor the saved notebook can hold it.
"""

from __future__ import annotations

import html
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from traitlets import Bool, Float, Unicode, link

from ..client._catalog import get_catalog
from ..client._errors import GrokError, StreamInterruptedError
from ..client._types import Message, TextPart
from ..notebook.conversation import Conversation, get_conversation
from ..notebook.tools import KernelTools
from ..notebook.turn import StopSignal, TurnResult, run_turn
from . import render
from .attachments import PanelAttachments
from .observer import PanelObserver, describe_error

if TYPE_CHECKING:
    from ..client import GrokClient

__all__ = ["ChatPanel"]

_LABEL = {"description_width": "initial"}


def _model_options(current: str | None) -> list[tuple[str, str]]:
    options = [
        (f"{m.id} · images" if m.supports_images else m.id, m.id)
        for m in get_catalog().current_models("chat")  # a retired id is offered only if chosen
    ]
    if current and current not in {value for _, value in options}:
        info = get_catalog().resolve(current)
        label = current if info is None else f"{current} (= {info.id})"
        options.insert(0, (label, current))
    return options



class ChatPanel(PanelAttachments, widgets.VBox):
    """A chat with Grok in the notebook, sharing ``get_conversation(conversation)`` with ``%%grok``.

    ``ChatPanel(conversation="default", model=None, system=None, tools=None, client=None,
    temperature=1.0)``. ``tools``: kernel functions Grok may call (as the magic's
    ``--tools``). ``client``: a ``GrokClient``; the shared ``get_client()`` by default.
    """

    conversation_name = Unicode(
        "default", read_only=True, help="Name of the shared conversation this panel shows."
    )
    model = Unicode(help="The model the next turn uses (the dropdown's value).")
    system = Unicode(help="The conversation's system prompt; empty for none.")
    temperature = Float(1.0, help="Sampling temperature sent with each turn (0 to 2).")
    busy = Bool(False, read_only=True, help="True while a turn is in flight.")
    status = Unicode(read_only=True, help="The status line's text.")

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
        **kwargs: Any,
    ) -> None:
        if not isinstance(conversation, Conversation):
            conversation = get_conversation(conversation)
        self.conversation = conversation
        # Plain attributes, never traits: the client holds the API key.
        self._client = client
        if tools is not None and not isinstance(tools, KernelTools):
            tools = KernelTools(tools)  # raises ToolSchemaError now, not mid-turn
        self._tools = tools
        self._stop = StopSignal()
        self._worker: threading.Thread | None = None
        self._observer: PanelObserver | None = None
        self._failed_user: Message | None = None
        self._attachments: list[tuple[str, bytes]] = []
        self._clear_when_done = False
        self.last_result: TurnResult | None = None
        if system is not None:
            self.conversation.system = system or None
        model = model or self.conversation.model or get_catalog().default_chat_model

        # --- controls -------------------------------------------------------
        self.model_dropdown = widgets.Dropdown(
            options=_model_options(model), value=model, description="Model",
            layout=widgets.Layout(width="auto", flex="1 1 auto"), style=_LABEL,
        )
        self.temperature_field = widgets.BoundedFloatText(
            value=temperature, min=0.0, max=2.0, step=0.1, description="Temperature",
            layout=widgets.Layout(width="180px"), style=_LABEL,
        )
        # The levels the selected model takes (catalogue); hidden for models that take none.
        self.effort_dropdown = widgets.Dropdown(
            description="Reasoning", layout=widgets.Layout(width="220px"), style=_LABEL,
        )
        self.system_field = widgets.Textarea(
            value=self.conversation.system or "", placeholder="System prompt (optional)",
            rows=1, description="System", layout=widgets.Layout(width="auto"), style=_LABEL,
        )
        self.input = widgets.Textarea(
            placeholder="Ask Grok… (Send to submit)", rows=3,
            layout=widgets.Layout(width="auto", flex="1 1 auto"),
        )
        self.send_button = widgets.Button(description="Send", button_style="primary",
                                          icon="paper-plane")
        self.stop_button = widgets.Button(description="Stop", button_style="warning", icon="stop",
                                          disabled=True)
        self.clear_button = widgets.Button(description="Clear", icon="trash")
        self.upload = widgets.FileUpload(accept="image/png,image/jpeg,.png,.jpg,.jpeg",
                                         multiple=True, description="Image")
        self.retry_button = widgets.Button(description="Retry", button_style="danger", icon="redo")
        for button in (self.send_button, self.stop_button, self.clear_button, self.retry_button,
                       self.upload):
            button.layout = widgets.Layout(width="112px")

        # --- views ----------------------------------------------------------
        self._history = widgets.HTML()
        self._live_user = widgets.HTML()
        self._live_reasoning = widgets.Accordion(
            children=[widgets.HTML()], titles=("Reasoning",), selected_index=None,
            layout=widgets.Layout(display="none"),
        )
        self._live_answer = widgets.HTML()
        turns = widgets.VBox(
            [self._history, self._live_user, self._live_reasoning, self._live_answer],
            layout=widgets.Layout(flex="0 0 auto"),
        )
        # column-reverse keeps the scroll pinned to the newest text, without any JavaScript.
        self.transcript = widgets.Box([turns], layout=widgets.Layout(
            flex_flow="column-reverse", max_height="520px", overflow="hidden auto",
        ))
        self.error = widgets.HTML()
        self._error_box = widgets.HBox([self.error, self.retry_button],
                                       layout=widgets.Layout(display="none"))
        self._previews = widgets.HBox()
        self.status_line = widgets.HTML()

        for widget, name in (
            (self.transcript, "grok-transcript"), (self.input, "grok-input"),
            (self.send_button, "grok-send"), (self.stop_button, "grok-stop"),
            (self.clear_button, "grok-clear"), (self.retry_button, "grok-retry"),
            (self.status_line, "grok-status"), (self.error, "grok-error"),
            (self.model_dropdown, "grok-model"), (self._previews, "grok-attachments"),
        ):
            widget.add_class(name)

        super().__init__(
            [
                widgets.HTML(render.CSS),
                widgets.HBox([self.model_dropdown, self.effort_dropdown,
                              self.temperature_field]),
                self.system_field,
                self.transcript,
                self._error_box,
                self._previews,
                widgets.HBox([
                    self.input,
                    widgets.VBox([self.send_button, self.stop_button]),
                    widgets.VBox([self.clear_button, self.upload]),
                ]),
                self.status_line,
            ],
            **kwargs,
        )
        self.add_class("grok-chat")
        self.set_trait("conversation_name", self.conversation.name)
        self.model = model
        link((self, "model"), (self.model_dropdown, "value"))
        self._sync_effort()
        self.observe(lambda _: self._sync_effort(), "model")
        link((self, "temperature"), (self.temperature_field, "value"))
        link((self, "system"), (self.system_field, "value"))
        self.system = self.conversation.system or ""
        self.observe(self._on_system_edit, "system")

        self.send_button.on_click(lambda _: self.send())
        self.stop_button.on_click(lambda _: self.stop())
        self.clear_button.on_click(lambda _: self.clear())
        self.retry_button.on_click(lambda _: self.retry())
        self.upload.observe(self._files_uploaded, "value")

        # The subscription holds the panel weakly: a dropped panel does not linger.
        ref = weakref.ref(self)

        def on_change(conversation: Conversation) -> None:
            panel = ref()
            if panel is None:
                unsubscribe()
            else:
                panel._conversation_changed()

        unsubscribe = self.conversation.subscribe(on_change)
        self._unsubscribe = unsubscribe
        self._render_history()
        self._show_summary()

    # --- public actions ------------------------------------------------------

    def send(self, text: str | None = None) -> bool:
        """Send ``text`` (or the input's text) and the attached images; False if nothing sent."""
        if self.busy:
            return False
        text = self.input.value if text is None else text
        if not text.strip() and not self._attachments:
            return False
        try:
            user = self._user_message(text)
        except GrokError as exc:  # e.g. an attachment the API would refuse
            self._show_error(exc, retry=False)
            return False
        self.input.value = ""
        self._attachments = []
        self._render_previews()
        self._start(user)
        return True

    def stop(self) -> None:
        """Cancel the streaming turn at once; the partial answer is kept, marked as stopped."""
        self._stop.stop()

    def clear(self) -> None:
        """Forget the conversation (for the magic too: it is the same conversation)."""
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
        """Stop any turn, leave the conversation, and close every widget of the panel."""
        # Also called by ipywidgets' __del__ on a panel whose __init__ raised (bad tools).
        unsubscribe = getattr(self, "_unsubscribe", None)
        if unsubscribe is None:
            super().close()
            return
        unsubscribe()
        self.stop()
        todo: list[widgets.Widget] = list(self.children)
        while todo:
            widget = todo.pop()
            todo.extend(getattr(widget, "children", ()))
            widget.close()
        super().close()

    @property
    def client(self) -> GrokClient:
        if self._client is not None:
            return self._client
        from ..client import get_client

        return get_client()

    # --- a turn ---------------------------------------------------------------

    def _user_message(self, text: str) -> Message:
        if not self._attachments:
            return Message.user(text)
        from ..client._images import image_part

        parts: list[Any] = [TextPart(text=text)] if text.strip() else []
        parts.extend(image_part(data) for _, data in self._attachments)
        return Message.user(parts)

    def _sync_effort(self) -> None:
        """Offer the selected model's reasoning levels; "" (its default) sends none."""
        catalog = get_catalog()
        efforts = catalog.accepted_efforts(self.model)
        default = catalog.default_effort(self.model)
        self.effort_dropdown.options = [(f"default ({default or 'model'})", "")] + [
            (e, e) for e in efforts]
        self.effort_dropdown.value = ""
        self.effort_dropdown.layout.display = None if efforts else "none"

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.effort_dropdown.value:
            params["reasoning_effort"] = self.effort_dropdown.value
        info = get_catalog().resolve(self.model)
        if info is not None and "temperature" in info.rejected_parameters:
            return params
        return {**params, "temperature": float(self.temperature)}

    def _start(self, user: Message) -> None:
        self._hide_error()
        self._failed_user = None
        self._stop = StopSignal()
        self._observer = PanelObserver(self, self.update_interval)
        self._live_user.value = render.user_html(user)
        self._live_answer.value = ""
        self._live_reasoning.layout.display = "none"
        self._set_busy(True)
        # Read the controls here, on the kernel's thread, not in the worker.
        kwargs = dict(
            conversation=self.conversation, model=self.model or None,
            params=self._params(), tools=self._tools, observer=self._observer,
            cancel=self._stop, source="panel",
        )
        self._worker = threading.Thread(
            target=self._run, args=(user, kwargs), name="grok-chat-panel", daemon=True
        )
        self._worker.start()

    def _run(self, user: Message, kwargs: dict[str, Any]) -> None:
        observer = self._observer
        result: TurnResult | None = None
        error: BaseException | None = None
        try:
            result = run_turn(user, client=self.client, **kwargs)
            error = result.error
        except Exception as exc:  # refused before sending, or a bug: shown, never a traceback
            error = exc
        finally:
            if observer is not None:
                observer.active = False
        self.last_result = result
        committed = result is not None and (result.interrupted or result.error is None)
        if not committed:
            # Nothing was committed: the user's turn stays on screen, ready to retry.
            self._live_answer.value = ""
            self._live_reasoning.layout.display = "none"
        self._set_busy(False)
        if error is not None:
            retry = not committed and not isinstance(error, ValueError)
            if isinstance(error, StreamInterruptedError):
                error_text = f"{describe_error(error)}\nThe partial answer is kept."
                self._show_error(error_text, retry=False)
            else:
                self._failed_user = user if retry else None
                self._show_error(error, retry=retry)
        self._show_summary(result)
        if self._clear_when_done:
            self._clear_when_done = False
            self.conversation.reset()

    # --- views ------------------------------------------------------------------

    def _conversation_changed(self) -> None:
        self._render_history()
        if threading.current_thread() is self._worker:
            # Our own turn was just committed: it is in the history now, not live.
            self._clear_live()
        if not len(self.conversation):
            if not self.busy:
                self._clear_live()
                self._show_summary()

    def _clear_live(self) -> None:
        self._live_user.value = ""
        self._live_answer.value = ""
        self._live_reasoning.layout.display = "none"

    def _render_history(self) -> None:
        self._history.value = render.transcript_html(self.conversation.messages)

    def _on_system_edit(self, change: dict[str, Any]) -> None:
        self.conversation.system = change["new"] or None

    def _set_busy(self, busy: bool) -> None:
        self.set_trait("busy", busy)
        self.send_button.disabled = busy
        self.stop_button.disabled = not busy

    def _set_status(self, text: str) -> None:
        self.set_trait("status", text)
        self.status_line.value = f'<span class="grok-status">{html.escape(text)}</span>'

    def _show_progress(self, text: str) -> None:
        self._set_status(f"{self.model} · {text}")

    def _cost(self) -> float:
        return self.conversation.cost_usd  # includes turns the magic took in it

    def _show_summary(self, result: TurnResult | None = None) -> None:
        parts = [result.model if result is not None and result.model else self.model]
        if result is not None and result.usage is not None:
            usage = result.usage
            parts.append(
                f"{usage.total_tokens:,} tokens ({usage.prompt_tokens:,} in, "
                f"{usage.completion_tokens:,} out)"
            )
            if usage.cached:
                parts.append(_cache_note(result.model or self.model, usage))
        cost = self._cost()
        parts.append(f"conversation ${cost:.4f}" if cost >= 0.0001 or not cost
                     else f"conversation ${cost:.6f}")
        if result is not None and result.ttft_s is not None:
            parts.append(f"TTFT {result.ttft_s:.2f} s")
        if result is not None and result.interrupted:
            parts.append("stopped")
        elif result is not None and result.error is not None:
            parts.append("failed")
        self._set_status(" · ".join(parts))

    def _show_error(self, error: BaseException | str, *, retry: bool) -> None:
        text = error if isinstance(error, str) else describe_error(error)
        self.error.value = f'<div class="grok-error">⚠️ {html.escape(text)}</div>'
        self.retry_button.layout.display = None if retry else "none"
        self._error_box.layout.display = None

    def _hide_error(self) -> None:
        self.error.value = ""
        self._error_box.layout.display = "none"


def _cache_note(model: str | None, usage: Any) -> str:
    """'N cached, saved $X': prompt tokens the cache served and what that saved."""
    from ..client._usage import cache_savings_usd

    saved = cache_savings_usd(model or "", usage, get_catalog())
    note = f"{usage.cached:,} cached"
    if saved is None:
        return note
    return note + (f", saved ${saved:.4f}" if saved >= 0.0001 else f", saved ${saved:.6f}")
