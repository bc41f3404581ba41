"""Time-throttled streaming display for the ``%%grok`` magic.

Each update of a display re-sends the whole text, so updating on every
token (or every 0.1 s of a long stream) costs O(n²) bytes: a 50,000-word
answer once sent 229 MB for 347 kB of text. Two rules keep it linear:

- the update interval grows with the text: an update waits ``interval``
  seconds *and* for the text to grow by a quarter (``GROWTH``) since the last
  update, so the sizes sent form a geometric series and add up to about 5x
  the final size whatever the stream's speed (about 7x with the final
  update, which carries Markdown and plain text);
- while streaming only ``text/markdown`` is sent; the final update carries
  ``text/plain`` too, for front-ends (and saved notebooks) without Markdown.

``StreamingMarkdown`` drives one display (a display handle, ``update=True``),
so the saved notebook holds one final output per cell. ``TerminalStream``
writes to stdout instead, for a terminal IPython where in-place updates do
not exist.
"""

from __future__ import annotations

import html
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

_ARG_CHARS = 200  # tool arguments and results are cut in the display, never in what Grok gets


GROWTH = 0.25  # an update waits for the text to grow by this fraction of what was last sent
MIN_STEP = 64  # ... and by at least this many characters (smooth for short answers)


class Throttle:
    """``ready(size)`` is true at most once every ``interval`` seconds (the first call is true),
    and only once ``size`` has grown by ``growth`` of the size last let through (at least
    ``min_step``). With ``growth=0`` (the default) it is a plain time throttle."""

    def __init__(
        self,
        interval: float = 0.1,
        *,
        growth: float = 0.0,
        min_step: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.interval = interval
        self.growth = growth
        self.min_step = min_step
        self._clock = clock
        self._last: float | None = None
        self._sent = 0

    def ready(self, size: int = 0) -> bool:
        now = self._clock()
        if self._last is not None:
            if now - self._last < self.interval:
                return False
            if size < self._sent + max(self.min_step, self._sent * self.growth):
                return False
        self._last = now
        self._sent = size
        return True

    def mark(self, size: int) -> None:
        """An update was sent outside the throttle (forced): count it as the last one."""
        self._last = self._clock()
        self._sent = size

    def reset(self) -> None:
        self._last = None
        self._sent = 0


def _cut(text: str, limit: int = _ARG_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_signature(name: str, arguments: str) -> str:
    """``add(a=2, b=3)`` for arguments ``{"a": 2, "b": 3}``: how a Python user reads a call."""
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return f"{name}({arguments})"
    if not isinstance(parsed, dict):
        return f"{name}({arguments})"
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in parsed.items())})"


@dataclass
class ToolLine:
    name: str
    arguments: str
    output: str | None = None
    error: str | None = None

    def markdown(self) -> str:
        call = f"`{_cut(call_signature(self.name, self.arguments))}`"
        if self.error is not None:
            return f"- 🔧 {call} → ⚠️ `{_cut(self.error)}`"
        if self.output is None:
            return f"- 🔧 {call} …"
        return f"- 🔧 {call} → `{_cut(self.output)}`"

    def plain(self) -> str:
        call = _cut(call_signature(self.name, self.arguments))
        if self.error is not None:
            return f"tool {call} -> error: {_cut(self.error)}"
        if self.output is None:
            return f"tool {call} ..."
        return f"tool {call} -> {_cut(self.output)}"


@dataclass
class AnswerView:
    """Everything one cell shows: status, reasoning, tool calls, answer, footer."""

    status: str = ""
    reasoning: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    tools: list[ToolLine] = field(default_factory=list)
    tools_by_id: dict[str, ToolLine] = field(default_factory=dict)
    footer: str = ""
    interrupted: bool = False
    size: int = 0  # characters of reasoning and answer so far, kept as they arrive (cheap)

    @property
    def answer(self) -> str:
        return "".join(self.text)

    def add_text(self, delta: str) -> None:
        self.text.append(delta)
        self.size += len(delta)

    def add_reasoning(self, delta: str) -> None:
        self.reasoning.append(delta)
        self.size += len(delta)

    def add_tool_call(self, call_id: str, name: str, arguments: str) -> None:
        line = ToolLine(name, arguments)
        self.tools.append(line)
        self.tools_by_id[call_id] = line

    def set_tool_result(self, call_id: str, output: str, error: str | None) -> None:
        line = self.tools_by_id.get(call_id)
        if line is not None:
            line.output, line.error = output, error

    def _reasoning_html(self) -> str:
        reasoning = "".join(self.reasoning).strip()
        if not reasoning:
            return ""
        words = len(reasoning.split())
        # <details> renders collapsed in JupyterLab, Notebook and VS Code.
        return (
            f"<details><summary>Reasoning ({words:,} words)</summary>\n\n"
            f"<pre style=\"white-space: pre-wrap\">{html.escape(reasoning)}</pre>\n\n"
            "</details>\n\n"
        )

    def markdown(self, *, answer_md: str | None = None, final: bool = False) -> str:
        parts = [self._reasoning_html()]
        if self.tools:
            parts.append("\n".join(t.markdown() for t in self.tools) + "\n\n")
        parts.append(self.answer if answer_md is None else answer_md)
        if self.interrupted:
            parts.append("\n\n**⏹ interrupted**: the partial answer is kept in the conversation.")
        if not final and self.status:
            parts.append(f"\n\n*{self.status}*")
        if final and self.footer:
            parts.append(f"\n\n<sub>{html.escape(self.footer)}</sub>")
        return "".join(parts)

    def html_notes(self) -> str:
        """What goes under a finished ``-f html`` answer, as HTML: an HTML output renders
        no Markdown, so ``<sub>`` escaped or ``**`` would show as typed."""
        notes = ""
        if self.tools:
            lines = "<br>".join(html.escape(t.plain()) for t in self.tools)
            notes += f"<div style=\"opacity:0.7\">{lines}</div>\n"
        notes += self._reasoning_html()
        if self.interrupted:
            notes += ("<p><b>⏹ interrupted</b>: the partial answer is kept in the "
                      "conversation.</p>")
        if self.footer:
            notes += f"<p style=\"opacity:0.7\"><sub>{html.escape(self.footer)}</sub></p>"
        return notes

    def plain(self, *, final: bool = False) -> str:
        parts = [t.plain() for t in self.tools]
        parts.append(self.answer)
        if self.interrupted:
            parts.append("[interrupted]")
        if final and self.footer:
            parts.append(f"-- {self.footer}")
        elif not final and self.status:
            parts.append(f"({self.status})")
        return "\n".join(p for p in parts if p)


class StreamingMarkdown:
    """One display, updated at most every ``interval`` seconds and each time the text has grown
    by a quarter, then once more at the end."""

    def __init__(self, *, interval: float = 0.1, display: Any = None) -> None:
        if display is None:
            from IPython.display import display
        self._display = display
        self.throttle = Throttle(interval, growth=GROWTH, min_step=MIN_STEP)
        self.view = AnswerView()
        self.updates = 0  # how many times the display was sent (the first one included)
        self._handle: Any = None

    def start(self, status: str = "") -> None:
        self.view.status = status
        self._handle = self._display(self._bundle(), raw=True, display_id=True)
        self.updates = 1
        self.throttle.mark(self.view.size)  # the first show counts as the first update

    def _bundle(self) -> dict[str, Any]:
        # Markdown only while streaming: the final update adds text/plain (see the module doc).
        return {"text/markdown": self.view.markdown()}

    def refresh(self, *, force: bool = False) -> None:
        """Re-render if the throttle allows (or ``force``)."""
        if self._handle is None:
            self.start(self.view.status)
            return
        if force:
            self.throttle.mark(self.view.size)
        elif not self.throttle.ready(self.view.size):
            return
        self._handle.update(self._bundle(), raw=True)
        self.updates += 1

    def finish(self, bundle: dict[str, Any]) -> None:
        """The final render: always sent, whatever the throttle says."""
        if self._handle is None:
            self._handle = self._display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
        self.updates += 1

    def final_bundle(self, fmt: str, *, parsed: Any = None) -> dict[str, Any]:
        """The finished answer as a MIME bundle for format ``fmt``."""
        view = self.view
        plain = view.plain(final=True)
        if fmt == "text":
            return {"text/plain": plain}
        if fmt == "html":
            return {"text/html": view.answer + view.html_notes(), "text/plain": plain}
        if fmt == "json" and parsed is not None:
            pretty = json.dumps(parsed, indent=2, ensure_ascii=False, default=str)
            md = view.markdown(answer_md=f"```json\n{pretty}\n```", final=True)
            bundle: dict[str, Any] = {"text/markdown": md, "text/plain": plain}
            if isinstance(parsed, (dict, list)):
                bundle["application/json"] = parsed
            return bundle
        return {"text/markdown": view.markdown(final=True), "text/plain": plain}


class TerminalStream:
    """Streams to a text stream (stdout) as it arrives: no in-place updates needed."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.view = AnswerView()
        self._in_reasoning = False
        self._wrote_text = False

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def reasoning(self, delta: str) -> None:
        if not self._in_reasoning:
            self._write("[reasoning] ")
            self._in_reasoning = True
        self._write(delta)

    def text(self, delta: str) -> None:
        if self._in_reasoning:
            self._write("\n[answer]\n")
            self._in_reasoning = False
        self._wrote_text = True
        self._write(delta)

    def line(self, text: str) -> None:
        if self._in_reasoning or self._wrote_text:
            self._write("\n")
            self._in_reasoning = False
            self._wrote_text = False
        self._write(text + "\n")

    def finish(self) -> None:
        if self.view.interrupted:
            self.line("[interrupted]")
        if self.view.footer:
            self.line(f"-- {self.view.footer}")
        elif self._wrote_text or self._in_reasoning:
            self._write("\n")


# --- output sinks -----------------------------------------------------------


class AnswerSink:
    view: AnswerView

    def observer(self) -> Any:
        raise NotImplementedError

    def finish(self, fmt: str, *, parsed: Any = None) -> None:
        raise NotImplementedError

    def abandon(self) -> None:
        """Nothing was sent: remove what was shown."""

    def finish_failed(self, fmt: str) -> None:
        """The turn failed: show what arrived, if anything did (else nothing above the error)."""
        view = self.view
        if view.size or view.tools or view.interrupted:
            self.finish(fmt)
        else:
            self.abandon()


class DisplaySink(AnswerSink):
    """One Markdown display, updated in place (kernels)."""

    def __init__(self, interval: float) -> None:
        self.display = StreamingMarkdown(interval=interval)
        self.view = self.display.view

    def observer(self) -> Any:
        from .turn import WAITING, TurnObserver

        display = self.display
        view = self.view

        class DisplayObserver(TurnObserver):
            def on_status(self, text: str) -> None:
                changed = text != view.status
                view.status = text
                if display.updates == 0 and text == WAITING:
                    # Not shown yet: the client may still refuse the request, and a refused
                    # request must leave nothing above its error. The first event shows it.
                    return
                # A few status changes a round: shown at once, whatever the text's size.
                display.refresh(force=changed or display.updates == 0)

            def on_reasoning(self, delta: str) -> None:
                view.add_reasoning(delta)
                display.refresh()

            def on_text(self, delta: str) -> None:
                view.add_text(delta)
                display.refresh()

            def on_tool_call(self, call: Any) -> None:
                view.add_tool_call(call.id, call.function.name, call.function.arguments)
                display.refresh(force=True)  # tool calls show as they happen

            def on_tool_result(self, result: Any) -> None:
                view.set_tool_result(result.call.id, result.output, result.error)
                display.refresh(force=True)

        return DisplayObserver()

    def finish(self, fmt: str, *, parsed: Any = None) -> None:
        self.display.finish(self.display.final_bundle(fmt, parsed=parsed))

    def abandon(self) -> None:
        if self.display.updates:
            self.display.finish({"text/plain": ""})


class StdoutSink(AnswerSink):
    """Plain text to stdout as it arrives (terminal IPython)."""

    def __init__(self, *, quiet_text: bool = False) -> None:
        self.stream = TerminalStream()
        self.view = self.stream.view
        self.quiet_text = quiet_text  # JSON answers: printed once, parsed, at the end

    def observer(self) -> Any:
        from .turn import TurnObserver

        stream, view, quiet = self.stream, self.view, self.quiet_text

        class StdoutObserver(TurnObserver):
            def on_reasoning(self, delta: str) -> None:
                view.add_reasoning(delta)
                stream.reasoning(delta)

            def on_text(self, delta: str) -> None:
                view.add_text(delta)
                if not quiet:
                    stream.text(delta)

            def on_tool_call(self, call: Any) -> None:
                view.add_tool_call(call.id, call.function.name, call.function.arguments)
                stream.line(view.tools[-1].plain())

            def on_tool_result(self, result: Any) -> None:
                view.set_tool_result(result.call.id, result.output, result.error)
                line = view.tools_by_id.get(result.call.id)
                if line is not None:
                    stream.line(line.plain())

        return StdoutObserver()

    def finish(self, fmt: str, *, parsed: Any = None) -> None:
        if parsed is not None:
            self.stream.line(json.dumps(parsed, indent=2, ensure_ascii=False, default=str))
        elif self.quiet_text and self.view.text:
            self.stream.line(self.view.answer)  # did not parse: show what came back, once
        self.stream.finish()
