"""Where a streaming Markdown answer can be cut into outputs that each render alone.

The magic shows a long answer as a run of display outputs: finished blocks are sent
once, as outputs of their own, and only the open block at the end is re-sent while
text arrives (``display.StreamingMarkdown``). ``BlockScanner.split`` says where the
finished part of the open text ends:

- once the open text is ``SEAL_AT`` characters long (a short answer stays in one
  output), at its last blank line outside any code fence or ``$$`` math block where
  the next line starts a new top-level block (not indented, not a list item: a list
  whose items are apart stays in one output, so it keeps its numbering and spacing);
- else, when the open text has grown past ``MAX_OPEN`` characters with no such
  line (a long code block, list or paragraph), at its last line end, sentence end or
  space. A code fence cut there is closed at the end of the sealed part and opened
  again, with its info string, at the start of the next, so both render as code.

Cuts only change how the answer looks while it streams: the final rendering is the
whole answer in one output, as it always was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEAL_AT = 800  # finished blocks get outputs of their own once the open text is this long
MAX_OPEN = 1_200  # characters the open block may reach before it is cut anyway

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


@dataclass(frozen=True)
class Split:
    """The open text cut at ``at``: ``sealed`` (what its own output shows, a cut fence
    closed) and the state the rest starts in (``reopen``: a fence to open again)."""

    at: int
    sealed: str
    reopen: str


class BlockScanner:
    """Tracks the fence the open text starts in, across cuts."""

    def __init__(self) -> None:
        self.fence = ""  # the opener line of the fence the open text starts inside ("" none)

    def split(self, text: str) -> Split | None:
        """Where ``text`` (the open block, without the fence reopened at its start) can
        be cut; None when nothing in it is finished and it is not yet too long."""
        fence = self.fence
        cut, cut_fence = 0, fence
        pos = 0
        blank = False
        end = text.rfind("\n") + 1  # only whole lines decide
        while pos < end:
            nl = text.index("\n", pos)
            line = text[pos:nl]
            if blank and not fence and _starts_block(line):
                cut, cut_fence = pos, ""
            fence = _fence_after(fence, line)
            blank = not line.strip()
            pos = nl + 1
        if cut and len(text) >= SEAL_AT:  # a short answer stays in one output
            self.fence = cut_fence
            return Split(cut, text[:cut], "")
        if len(text) < MAX_OPEN:
            return None
        return self._forced(text, end)

    def _forced(self, text: str, end: int) -> Split:
        """Cut a long open block with no finished block in it."""
        at = end if end > MAX_OPEN // 2 else 0
        if not at:
            sentence = text.rfind(". ")
            at = sentence + 2 if sentence > MAX_OPEN // 2 else text.rfind(" ") + 1
        if at <= 0:
            at = len(text)  # one unbroken word: sent as it is
        fence = self.fence
        start = 0
        while start < at:  # the fence state at the cut, line by line
            nl = text.find("\n", start, at)
            if nl < 0:
                break
            fence = _fence_after(fence, text[start:nl])
            start = nl + 1
        self.fence = fence
        if not fence:
            return Split(at, text[:at], "")
        closer = _closer(fence)
        sealed = text[:at] + ("" if text[:at].endswith("\n") else "\n") + closer
        return Split(at, sealed, fence + "\n")


def _starts_block(line: str) -> bool:
    """True for a line that, after a blank line, starts a block of its own."""
    if not line or line[0] in " \t":
        return False
    return _LIST_ITEM.match(line) is None


def _closer(opener: str) -> str:
    if opener == "$$":
        return "$$"
    match = _FENCE.match(opener)
    return match.group(1) if match else "```"


def _fence_after(fence: str, line: str) -> str:
    """The fence state after ``line``: the opener line while inside a fence, else ""."""
    stripped = line.strip()
    if fence == "$$":
        return "" if stripped == "$$" else fence
    if fence:
        mark = _closer(fence)
        close = _FENCE.fullmatch(line.rstrip())
        if close and close.group(1)[0] == mark[0] and len(close.group(1)) >= len(mark) \
                and not close.group(2).strip():
            return ""
        return fence
    if stripped == "$$":
        return "$$"
    match = _FENCE.match(line)
    if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
        return line.rstrip()
    return ""
