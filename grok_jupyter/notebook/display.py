"""Time-throttled streaming display for the ``%%grok`` magic.

An update of a display re-sends its whole content, so one display updated as a long
answer grows costs O(n²) bytes (a 50,000-word answer once sent 229 MB for 347 kB of
text), and updating it only when the text has grown by a quarter froze long answers
for seconds at a time (issue 23 item 7). So the answer is shown as a run of outputs:

- output 0 shows the reasoning (collapsed) and the tool lines, then the answer until
  its first block is finished;
- each finished block (``markdown_blocks.BlockScanner``) is then sent once more, as it
  ends, and never again; the open block at the end goes to a new output with the
  status line (at the next update: each update is one message), and only that
  output is updated while text arrives;
- the open block is re-sent at most every ``interval`` seconds and at least every
  ``MAX_GAP`` seconds while text arrives; its updates may re-send about
  ``TAIL_RATE`` characters a second (a bigger open block waits longer, up to
  ``MAX_GAP``), so the bytes sent stay a few times the answer's size. An
  ``interval`` of 0 re-sends it on every piece of text (what the user asked for);
  the open block is at most ``markdown_blocks.MAX_OPEN`` characters long anyway;
- reasoning, shown collapsed, still waits for growth (``GROWTH``), as before;
- while streaming only ``text/markdown`` is sent. The final update puts the whole
  answer, with ``text/plain`` and the footer, in output 0 and empties the others,
  so the final rendering is what one output always showed.

``TerminalStream`` writes to stdout instead, for a terminal IPython where in-place
updates do not exist.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from .answer_view import AnswerView, ToolLine, call_signature
from .markdown_blocks import BlockScanner

__all__ = ["GROWTH", "MAX_GAP", "MIN_STEP", "TAIL_RATE", "AnswerSink", "AnswerView",
           "DisplaySink", "StdoutSink", "StreamingMarkdown", "TerminalStream", "Throttle",
           "ToolLine", "call_signature"]

MAX_GAP = 0.75  # seconds: the open block is re-sent at least this often while text arrives
TAIL_RATE = 1_500  # characters a second the open block's updates may re-send
EMPTY = {"text/plain": ""}  # what an output left over from streaming finally shows

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


class StreamingMarkdown:
    """The answer as a run of display outputs (see the module doc): finished blocks
    are sent once, the open block is updated by time, the final render goes to the
    first output."""

    def __init__(
        self,
        *,
        interval: float = 0.1,
        display: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if display is None:
            from IPython.display import display
        self._display = display
        self._clock = clock
        self.interval = interval
        self.throttle = Throttle(interval, growth=GROWTH, min_step=MIN_STEP, clock=clock)
        self.view = AnswerView()
        self.updates = 0  # display messages sent (first shows and updates)
        self._handles: list[Any] = []  # output 0 first; the last one shows the open block
        self._sent: list[str] = []  # the Markdown each output last showed
        self._head_text = ""  # answer text in output 0, once later outputs exist
        self._open = ""  # the open block's text
        self._reopen = ""  # a code fence opened again at the open block's start
        self._taken = 0  # view.text[:_taken] is in _head_text, sealed outputs or _open
        self._scanner = BlockScanner()
        self._next = 0.0  # the clock time from which the open block may be re-sent
        self._sealed_last = False  # the last output is finished: the open block has none yet

    # --- what arrives ------------------------------------------------------------

    def start(self, status: str = "") -> None:
        view = self.view
        view.status = status
        if self._taken < len(view.text):  # text that came before anything was shown
            self._open += "".join(view.text[self._taken:])
            self._taken = len(view.text)
        self._show(self._render(0))
        self.throttle.mark(self.view.size)  # the first show counts as the first update
        self._next = self._clock() + self.interval

    def add_text(self, delta: str) -> None:
        """One piece of the answer; re-sends the open block when its time has come."""
        view = self.view
        view.text.append(delta)
        view.size += len(delta)
        if self._clock() >= self._next and self._handles:
            self._flush()

    def refresh(self, *, force: bool = False) -> None:
        """Re-render what changed: at once with ``force`` (a status, a tool line), else
        output 0 when the reasoning has grown enough (``throttle``)."""
        if not self._handles:
            self.start(self.view.status)
            return
        if force:
            self.throttle.mark(self.view.size)
        elif not self.throttle.ready(self.view.size):
            return
        self._flush()

    def finish(self, bundle: dict[str, Any]) -> None:
        """The final render, whole, in output 0; the outputs after it are emptied."""
        if not self._handles:
            self._handles.append(self._display(bundle, raw=True, display_id=True))
        else:
            self._handles[0].update(bundle, raw=True)
            for handle in self._handles[1:]:
                handle.update(EMPTY, raw=True)
                self.updates += 1
        self.updates += 1

    def clear(self) -> None:
        """Remove what was shown (a refused or failed turn with nothing to show)."""
        for handle in self._handles:
            handle.update(EMPTY, raw=True)
            self.updates += 1

    # --- sending -----------------------------------------------------------------

    def _flush(self) -> None:
        """Take the new text and send one message for it: the open output's finished
        blocks, sealed; else the open block, in a new output after a seal, or re-sent."""
        view = self.view
        split = None
        if self._taken < len(view.text):
            self._open += "".join(view.text[self._taken:])
            self._taken = len(view.text)
            split = self._scanner.split(self._open)
        if split is not None:
            if self._sealed_last:  # the open block had no output yet: a finished one
                self._show(self._reopen + split.sealed)
            elif len(self._handles) == 1:  # output 0 keeps the head and the first blocks
                self._head_text += split.sealed
                self._send(0, view.head() + self._head_text)
            else:
                self._send(len(self._handles) - 1, self._reopen + split.sealed)
            # What follows the cut is shown by the next update, in an output of its own.
            self._sealed_last = True
            self._open, self._reopen = self._open[split.at:], split.reopen
        elif self._sealed_last:
            if self._open or view.tail():
                self._show(self._reopen + self._open + view.tail())
                self._sealed_last = False
        else:
            last = len(self._handles) - 1
            self._send(last, self._render(last))
        if len(self._handles) > 1 or self._sealed_last:  # a tool line or reasoning came
            self._send(0, view.head() + self._head_text)
        if self.interval:  # 0: every piece of text is shown as it comes
            gap = min(MAX_GAP, max(self.interval, len(self._open) / TAIL_RATE))
            self._next = self._clock() + gap

    def _send(self, index: int, markdown: str) -> None:
        """Update output ``index`` (when its Markdown changed)."""
        if markdown != self._sent[index]:
            self._handles[index].update({"text/markdown": markdown}, raw=True)
            self._sent[index] = markdown
            self.updates += 1

    def _render(self, index: int) -> str:
        """Output ``index``'s Markdown now: 0 the head (and the open block while it is the
        only output), the last the open block with the status."""
        view = self.view
        if index == 0:
            if len(self._handles) > 1:
                return view.head() + self._head_text
            return view.head() + self._head_text + self._open + view.tail()
        return self._reopen + self._open + view.tail()

    def _show(self, markdown: str) -> None:
        self._handles.append(self._display({"text/markdown": markdown}, raw=True,
                                           display_id=True))
        self._sent.append(markdown)
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
    """The answer's display outputs, updated in place (kernels)."""

    def __init__(self, interval: float) -> None:
        self.display = StreamingMarkdown(interval=interval)
        self.view = self.display.view

    def observer(self) -> Any:
        return _display_observer()(self.display)

    def finish(self, fmt: str, *, parsed: Any = None) -> None:
        self.display.finish(self.display.final_bundle(fmt, parsed=parsed))

    def abandon(self) -> None:
        self.display.clear()


@functools.cache
def _display_observer() -> type:
    """The observer class of ``DisplaySink``, made once (the turn engine is imported
    when the first cell runs, not with this module)."""
    from .turn import WAITING, TurnObserver

    class DisplayObserver(TurnObserver):
        def __init__(self, display: StreamingMarkdown) -> None:
            self.display = display
            self.view = display.view
            self.on_text = display.add_text  # every token: no call in between

        def on_status(self, text: str) -> None:
            view, display = self.view, self.display
            changed = text != view.status
            view.status = text
            if display.updates == 0 and text == WAITING:
                # Not shown yet: the client may still refuse the request, and a refused
                # request must leave nothing above its error. The first event shows it.
                return
            # A few status changes a round: shown at once, whatever the text's size.
            display.refresh(force=changed or display.updates == 0)

        def on_reasoning(self, delta: str) -> None:
            self.view.add_reasoning(delta)
            self.display.refresh()

        def on_tool_call(self, call: Any) -> None:
            self.view.add_tool_call(call.id, call.function.name, call.function.arguments)
            self.display.refresh(force=True)  # tool calls show as they happen

        def on_tool_result(self, result: Any) -> None:
            self.view.set_tool_result(result.call.id, result.output, result.error)
            self.display.refresh(force=True)

    return DisplayObserver


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
