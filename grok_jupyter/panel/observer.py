"""The panel's side of a turn: what streams in goes into the live view, throttled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..client._errors import (
    APIConnectionError,
    APIStatusError,
    GrokError,
    InvalidRequestError,
    StreamInterruptedError,
)
from ..notebook.display import Throttle
from ..notebook.turn import RUNNING_TOOLS, STREAMING, WAITING, TurnObserver
from . import render

if TYPE_CHECKING:
    import threading

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


def retry_can_fix(exc: BaseException) -> bool:
    """Rate limits, server errors, timeouts and lost connections: the same turn may work
    again. A 4xx other than 429/408, or a request refused before sending, will not."""
    if isinstance(exc, (InvalidRequestError, StreamInterruptedError)):
        return False
    if isinstance(exc, APIStatusError):
        return exc.status_code in (408, 429) or exc.status_code >= 500
    return isinstance(exc, APIConnectionError)


def server_refused(exc: BaseException | None) -> bool:
    """The server refused the request as it stands (a 4xx other than 408/429): the same
    prompt fails again unless the user changes it, or the model."""
    if not isinstance(exc, APIStatusError):
        return False
    return 400 <= exc.status_code < 500 and exc.status_code not in (408, 429)


class PanelObserver(TurnObserver):
    """Collects the streaming turn and pushes it into the live view, throttled by time
    only: an update sends only what changed (``live.py``), so the bytes stay linear in
    the answer however often it is updated, and a long answer never stands still."""

    def __init__(
        self, panel: ChatPanel, interval: float, cancel: threading.Event | None = None
    ) -> None:
        self.panel = panel
        self.cancel = cancel  # Stop's signal (the turn engine closes the stream)
        self.throttle = Throttle(interval)
        self.size = 0  # characters of text and reasoning so far
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.tools: dict[str, tuple[ToolCall, str | None, str | None]] = {}
        self.server_lines: list[str] = []  # "searching X for …", as they happen
        self.markdown = render.IncrementalMarkdown()
        self.active = True  # false once the turn is over: late updates must not revive it

    def on_status(self, text: str) -> None:
        if text not in (WAITING, STREAMING, RUNNING_TOOLS) and text not in self.server_lines:
            self.server_lines.append(text)  # a server-side tool call: a line in the answer
            self.flush()
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

    def activity(self, kernel_calls: set[str]) -> list[dict[str, str]]:
        """The server-side tool lines shown, to keep with the committed answer: status lines,
        and the tool lines of calls that are not the kernel's (MCP: ``kernel_calls`` are
        the kernel tools' call ids, kept in the messages)."""
        from ..notebook.display import call_signature

        lines = [{"kind": "status", "text": line} for line in self.server_lines]
        for call, output, error in self.tools.values():
            if call.id in kernel_calls:
                continue
            text = call_signature(call.function.name, call.function.arguments)
            if error is not None or output is not None:
                text += f" → error: {error}" if error is not None else f" → {output}"
            lines.append({"kind": "tool", "text": render._cut(text)})
        return lines

    def flush(self) -> None:
        if not self.active:
            return
        self.throttle.mark(self.size)
        lines = "".join(render.server_tool_html(line) for line in self.server_lines)
        tools = "".join(render.tool_call_html(*entry) for entry in self.tools.values())
        blocks, tail = self.markdown.parts("".join(self.text))
        self.panel._live.update(lines + tools, blocks, tail, "".join(self.reasoning))
