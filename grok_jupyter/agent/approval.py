"""Whether a step runs: asked of the user (``ask``), always yes (``auto``), or never (``plan``).

``StdinApprover`` asks with ``input()``, which a kernel answers through Jupyter's stdin
channel (the prompt box under the cell), and a terminal IPython from the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

Action = Literal["run", "edit", "skip", "stop", "plan"]
APPROVE_MODES = ("ask", "auto", "plan")


@dataclass(frozen=True)
class Decision:
    action: Action
    code: str = ""  # what runs (the edited code, for "edit")
    reason: str = ""  # why it was skipped or stopped (optional)
    asked: bool = True  # False: --approve auto ran it without asking

    def describe(self) -> str:
        """How the step was approved, as the conversation keeps it."""
        return {
            "run": "approved (Run)" if self.asked else "run without asking (--approve auto)",
            "edit": "edited by the user, then run",
            "skip": "skipped by the user" + (f": {self.reason}" if self.reason else ""),
            "stop": "the user pressed Stop" + (f": {self.reason}" if self.reason else ""),
            "plan": "proposed only (--approve plan)",
        }[self.action]


class Approver(Protocol):
    def decide(self, kind: str, code: str) -> Decision:
        """``kind``: "run" (run this code) or "insert" (add this cell without running)."""
        ...


class AutoApprover:
    def decide(self, kind: str, code: str) -> Decision:
        return Decision("run", code, asked=False)


class PlanApprover:
    def decide(self, kind: str, code: str) -> Decision:
        return Decision("plan", code)


_CHOICES = {"r": "run", "run": "run", "": "run", "e": "edit", "edit": "edit",
            "s": "skip", "skip": "skip", "q": "stop", "stop": "stop"}
END_OF_EDIT = "."


class StdinApprover:
    """Run / Edit / Skip / Stop, read with ``input()``. Edit reads the new code a line at a
    time until a line holding only ``.``; Skip and Stop take an optional reason."""

    def __init__(self, read: Callable[[str], str] = input) -> None:
        self.read = read

    def decide(self, kind: str, code: str) -> Decision:
        try:
            return self._ask(kind, code)
        except EOFError:  # stdin closed (a terminal's Ctrl-D, a piped script): nobody to ask
            return Decision("stop", code, "no one could be asked: the input was closed",
                            asked=False)

    def _ask(self, kind: str, code: str) -> Decision:
        verb = "Run" if kind == "run" else "Insert"
        while True:
            answer = self.read(f"{verb} this step? [r]un / [e]dit / [s]kip / [q] stop: ")
            action = _CHOICES.get(answer.strip().lower())
            if action is not None:
                break
            print(f"Type r, e, s or q (not {answer.strip()!r}).")
        if action == "run":
            return Decision("run", code)
        if action == "edit":
            lines = []
            print(f"Type the code to {verb.lower()} instead, a line at a time; a line with only "
                  f"{END_OF_EDIT!r} ends it.")
            while (line := self.read("... ")) != END_OF_EDIT:
                lines.append(line)
            edited = "\n".join(lines).strip("\n")
            return Decision("edit", edited) if edited.strip() else Decision("skip", code,
                                                                             "empty edit")
        reason = self.read("Reason (optional, Enter to leave out): ").strip()
        return Decision(action, code, reason)  # type: ignore[arg-type]


def approver_for(mode: str) -> Approver:
    if mode == "auto":
        return AutoApprover()
    if mode == "plan":
        return PlanApprover()
    if mode == "ask":
        return StdinApprover()
    raise ValueError(f"approve={mode!r}: use one of {', '.join(APPROVE_MODES)}.")
