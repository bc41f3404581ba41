"""The panel's side of a turn: what streams in goes into the live widgets, throttled by time."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..client._errors import GrokError
from ..notebook.display import GROWTH, MIN_STEP, Throttle
from ..notebook.turn import TurnObserver
from . import render

if TYPE_CHECKING:
    from ..client._types import ToolCall
    from ..notebook.tools import ToolResult
    from .widget import ChatPanel


def describe_error(exc: BaseException) -> str:
    """One readable paragraph: what failed and, where known, the server's words."""
    if isinstance(exc, GrokError):
        status = getattr(exc, "status_code", None)
        kind = type(exc).__name__
        head = f"{kind} ({status})" if status else kind
        tail = f"\nrequest id: {exc.request_id}" if getattr(exc, "request_id", None) else ""
        return f"{head}: {exc}{tail}"
    return f"Unexpected {type(exc).__name__}: {exc}"


class PanelObserver(TurnObserver):
    """Collects the streaming turn and pushes it into the live widgets, throttled by time
    and by growth: each widget update re-sends the whole answer, so, as in the magic's
    display (``notebook/display.py``), an update also waits for the text to grow by a
    quarter, which keeps the bytes sent linear in the answer's size."""

    def __init__(self, panel: ChatPanel, interval: float) -> None:
        self.panel = panel
        self.throttle = Throttle(interval, growth=GROWTH, min_step=MIN_STEP)
        self.size = 0  # characters of text and reasoning so far
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.tools: dict[str, tuple[ToolCall, str | None, str | None]] = {}
        self.markdown = render.IncrementalMarkdown()
        self.reasoning_sent = 0
        self.active = True  # false once the turn is over: late updates must not revive it

    def on_status(self, text: str) -> None:
        self.panel._show_progress(text)

    def on_text(self, delta: str) -> None:
        self.text.append(delta)
        self.size += len(delta)
        if self.throttle.ready(self.size):
            self.flush()

    def on_reasoning(self, delta: str) -> None:
        self.reasoning.append(delta)
        self.size += len(delta)
        if self.throttle.ready(self.size):
            self.flush()

    def on_step(self, completion: Any) -> None:
        self.flush()  # the round's whole text, whatever the throttle said

    def on_tool_call(self, call: ToolCall) -> None:
        self.tools[call.id] = (call, None, None)
        self.flush()

    def on_tool_result(self, result: ToolResult) -> None:
        self.tools[result.call.id] = (result.call, result.output, result.error)
        self.flush()

    def flush(self) -> None:
        if not self.active:
            return
        self.throttle.mark(self.size)
        panel = self.panel
        if len(self.reasoning) != self.reasoning_sent:
            self.reasoning_sent = len(self.reasoning)
            reasoning = html.escape("".join(self.reasoning))
            panel._live_reasoning.children[0].value = f"<pre>{reasoning}</pre>"
            panel._live_reasoning.layout.display = None
        tools = "".join(render.tool_call_html(*entry) for entry in self.tools.values())
        panel._live_answer.value = render.assistant_html(
            tools + self.markdown.render("".join(self.text))
        )
