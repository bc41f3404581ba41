"""The answer streaming in, on the wire: only what changed is sent.

Re-sending the whole live answer on every update costs O(n²) bytes, and the old
remedy (wait until the text grew by a quarter) froze long answers on screen for
seconds. Here each update is one ``{"type": "live"}`` custom message that carries
only the change: blocks the Markdown renderer has finished (``append``, sent once),
the block being written as ``keep`` (how much of the previous one stays, in
JavaScript string units) plus the new end, and the reasoning the same way. The
bytes sent stay linear in the answer, at any update rate. A view drawn mid-answer
asks for the whole state (``live_sync``) and gets it as one ``reset`` message.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Sequence
from typing import Any

from . import render


def common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of ``a`` and ``b`` (C-speed slices, log steps)."""
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n
    # The usual update: only the old end (a closing tag) differs; search just that end.
    near = max(0, n - 64)
    if a[:near] == b[:near]:
        lo = near
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def js_length(text: str) -> int:
    """``text.length`` in JavaScript: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


class LiveStream:
    """What the browser shows of the answer in flight, and the messages that keep it so."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send = send
        self._lock = threading.Lock()  # the worker updates while the kernel thread may resync
        self.head = ""  # tool lines and server-side tool lines
        self.blocks: list[str] = []  # finished Markdown blocks, as HTML
        self.tail = ""  # the block being written, as HTML
        self.reasoning = ""  # escaped reasoning text

    @property
    def html(self) -> str:
        """The live answer as the browser shows it ("" when there is none)."""
        if not (self.head or self.blocks or self.tail):
            return ""
        return render.assistant_html(self.head + "".join(self.blocks) + self.tail)

    def update(self, head: str, blocks: Sequence[str], tail: str, reasoning: str) -> None:
        """Show this state; sends only what differs from the last one (nothing if nothing)."""
        with self._lock:
            msg: dict[str, Any] = {"type": "live"}
            if head != self.head:
                msg["head"] = self.head = head
            if len(blocks) > len(self.blocks):
                msg["append"] = "".join(blocks[len(self.blocks) :])
                self.blocks.extend(blocks[len(self.blocks) :])
            if tail != self.tail or "append" in msg:
                # A new finished block was the old tail's start: the tail starts afresh.
                msg.update(_splice(self.tail if "append" not in msg else "", tail))
                self.tail = tail
            reasoning = html.escape(reasoning)
            if reasoning != self.reasoning:
                splice = _splice(self.reasoning, reasoning)
                msg["reasoning_keep"], msg["reasoning"] = splice["keep"], splice["tail"]
                self.reasoning = reasoning
            if len(msg) > 1:
                self._send(msg)

    def clear(self) -> None:
        """No answer in flight: the live view empties."""
        with self._lock:
            if not (self.head or self.blocks or self.tail or self.reasoning):
                return  # already empty in every view
            self.head, self.blocks, self.tail, self.reasoning = "", [], "", ""
            self._send({"type": "live", "reset": True})

    def resync(self) -> None:
        """The whole state, for a view drawn mid-answer (it replaces what any view shows)."""
        with self._lock:
            self._send(
                {
                    "type": "live",
                    "reset": True,
                    "head": self.head,
                    "append": "".join(self.blocks),
                    "keep": 0,
                    "tail": self.tail,
                    "reasoning_keep": 0,
                    "reasoning": self.reasoning,
                }
            )


def _splice(old: str, new: str) -> dict[str, Any]:
    """How the browser turns ``old`` into ``new``: keep its first ``keep`` units, add ``tail``."""
    keep = common_prefix(old, new)
    return {"keep": js_length(new[:keep]), "tail": new[keep:]}
