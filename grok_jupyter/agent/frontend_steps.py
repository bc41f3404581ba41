"""Agent steps the front end runs: for an agent whose turn is on a worker thread (the panel).

User code must run on the kernel's main thread, as a cell does (matplotlib, widgets and
display hooks expect it), and ipykernel has no public hand-off from another thread. So
each step becomes a cell through the notebook bridge *before* it is approved (below the
caller's cell, then below the previous step), and the user's Run click runs that cell
from the page (``grok-bridge`` event ``run``: no kernel round trip first): the notebook's
own session sends an ordinary execute request, the output shows in the cell, and the
page sends the outputs back. A step the page could not run is run by the kernel asking
the bridge (``run_cell``). Skip and Stop take the proposal out again only if it is still as
the agent wrote it (the page checks). Without a bridge nothing runs: the step is offered
to copy, and Grok is told so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .approval import AutoApprover, Decision
from .runner import StepRun
from .sinks import FallbackSink
from .toolset import AgentStop, AgentTools

NO_BRIDGE_STEPS = ("No notebook bridge here, so the agent's steps can't run from the panel: "
                   "each one is shown with Copy, and Grok is told it did not run.")
PANEL_AGENT_SYSTEM = (
    "You work inside the user's Jupyter notebook through tools. Look before you act: list "
    "the variables, describe the ones you need, read recent cells or files in the "
    "notebook's folder. Then write small steps with run_code; each one becomes a new cell "
    "in the user's notebook (the user may run, edit or skip it), and its output comes back "
    "to you. When a step fails, read the traceback and fix it in the next step. End with a "
    "short answer that says what you ran and what it showed."
)


@dataclass
class Proposal:
    """A step waiting for the user: its number, "run" or "insert", its code, and the id of
    the cell it was inserted as (None without a bridge)."""

    number: int
    kind: str
    code: str
    cell_id: str | None
    timeout: float | None


@dataclass
class PageAnswer:
    """The user's answer to a proposal; ``outputs`` when the page already ran the cell."""

    decision: Decision
    outputs: list[dict[str, Any]] | None = None
    status: str = "ok"  # the execute reply's status: "ok", "error", "aborted"
    timed_out: bool = False
    withdrawn: bool = False  # Skip / Stop took the untouched proposal out again
    seconds: float = 0.0


class StepAsker(Protocol):
    def ask(self, proposal: Proposal) -> PageAnswer:
        """Show the proposal with Run / Edit / Skip / Stop; block until the user answers."""
        ...

    def show_code(self, proposal: Proposal) -> None:
        """No bridge: show the step's code to copy (nothing runs)."""
        ...


@dataclass
class _Place:
    home: str | None  # the caller's cell (the panel's)
    below: str | None = None  # the last step's cell
    cells: list[str] = field(default_factory=list)


class FrontEndAgentTools(AgentTools):
    """``AgentTools`` whose steps are cells the front end runs, asked through ``asker``."""

    def __init__(
        self,
        shell: Any,
        *,
        asker: StepAsker,
        bridge: Any,
        below: str | None,
        last: str | None = None,
        step_timeout: float | None = 60.0,
        budget_usd: float | None = None,
        say: Callable[[str], None] = lambda _text: None,
    ) -> None:
        super().__init__(shell, approver=AutoApprover(), sink=FallbackSink(shell),
                         step_timeout=step_timeout, budget_usd=budget_usd, images=True,
                         say=say)
        self.asker = asker
        self.bridge = bridge
        self.place = _Place(home=below, below=last or below)

    @property
    def cells(self) -> list[str]:
        """The ids of the cells this turn's steps left in the notebook, in order."""
        return list(self.place.cells)

    def step(self, kind: str, code: str) -> str:
        self.steps += 1
        if self.bridge is None or self.place.home is None:
            self.asker.show_code(Proposal(self.steps, kind, code, None, self.step_timeout))
            self.done += 1
            text = ("Not run: this front end can't run cells from the chat panel (no notebook "
                    "bridge). The code was shown to the user to copy.")
            self._keep(code, "not run", text)
            return text
        from ..bridge import BridgeError

        try:
            cell = self._propose(code)
        except BridgeError as exc:  # the panel's cell is gone, the page closed: say so
            self.asker.show_code(Proposal(self.steps, kind, code, None, self.step_timeout))
            self.done += 1
            text = (f"Not run: the step's cell could not be added to the notebook ({exc}). "
                    "The code was shown to the user to copy.")
            self._keep(code, "not run", text)
            return text
        answer = self.asker.ask(Proposal(self.steps, kind, code, cell, self.step_timeout))
        decision = answer.decision
        if decision.action == "stop":
            self._keep(code, "stopped", decision.describe())
            raise AgentStop("you pressed Stop" + (f" ({decision.reason})" if decision.reason
                                                  else ""))
        if not answer.withdrawn and decision.action == "skip":
            self._placed(cell)  # the user kept it (changed or ran it): it stays
        if decision.action == "skip":
            reason = f" Their reason: {decision.reason}" if decision.reason else ""
            text = f"The user skipped this step; it did not run.{reason}"
            self.done += 1
            self._keep(code, "skipped", text)
            return text
        self._placed(cell)
        self.done += 1
        if kind == "insert":
            text = f"Not run ({decision.describe()}): inserted as cell {cell}."
            self._keep(decision.code, "inserted", text)
            return text
        run = self._ran(cell, decision, answer)
        self.run_seconds += run.seconds
        text = self._summary(decision, run)
        self._keep(decision.code, run.status, text)
        return text

    def _propose(self, code: str) -> str:
        """Insert the step's cell below the last step (or the home cell, when that is gone)."""
        bridge, place = self.bridge, self.place
        cell = bridge.insert_cell(below=place.below or place.home, source=code)
        try:
            bridge.confirm(cell, 10.0)
        except Exception:
            if place.below == place.home:
                raise
            place.below = place.home  # the last step's cell was deleted: start again below
            cell = bridge.insert_cell(below=place.home, source=code)
            bridge.confirm(cell, 10.0)
        return cell

    def _placed(self, cell: str) -> None:
        self.place.below = cell
        self.place.cells.append(cell)

    def _ran(self, cell: str, decision: Decision, answer: PageAnswer) -> StepRun:
        """The step's outputs: from the page that ran it, else by asking the bridge (an
        edit the page could not make goes into a new cell below the proposal)."""
        if answer.outputs is None:
            from ..bridge import BridgeTimeout

            if decision.action == "edit":
                cell = self.bridge.insert_cell(below=cell, source=decision.code)
                self._placed(cell)
            try:
                outputs = self.bridge.run_cell(cell, (self.step_timeout or 3600.0) + 5.0)
                answer = PageAnswer(decision, outputs)
            except BridgeTimeout:
                self.bridge.interrupt()
                answer = PageAnswer(decision, [], timed_out=True)
        return step_run(answer, self.step_timeout)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def step_run(answer: PageAnswer, timeout: float | None) -> StepRun:
    """A ``StepRun`` from the outputs a cell ended with (nbformat dicts)."""
    outputs = [o for o in answer.outputs or [] if isinstance(o, dict)]
    run = StepRun(outputs=outputs, seconds=answer.seconds)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if answer.timed_out:
        limit = f"{timeout:g}" if timeout else "?"
        run.status = f"timed out after {limit} s"
        run.error = f"The code was interrupted: it ran longer than the {limit} s limit."
    elif errors or answer.status == "error":
        run.status = "failed"
        last = errors[-1] if errors else {}
        lines = last.get("traceback") or [f"{last.get('ename', 'Error')}: {last.get('evalue', '')}"]
        run.error = _ANSI.sub("", "\n".join(lines))
        run.outputs = [o for o in outputs if o.get("output_type") != "error"]
    elif answer.status == "aborted":
        run.status = "interrupted"
        run.error = "The run was aborted (the kernel was interrupted or restarted)."
    return run
