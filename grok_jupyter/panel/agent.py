"""The panel's Agent mode: a turn with the notebook tools, approved in the chat.

The same engine and tools as ``%%grok --agent`` (``grok_jupyter.agent``), but the turn
runs on the panel's worker thread, so a step's code is run by the front end, never by
that thread (``agent/frontend_steps.py`` says why): each step is inserted as a cell below
the panel's cell (then below the previous step) and the chat asks **Run / Edit / Skip /
Stop**. The click runs the cell from the page and sends its outputs back
(``{"type": "agent_answer"}``); Grok reads them. Each model step's cost is a line in the
answer, kept with the turn; the code, each approval and each output summary are the
turn's messages, kept in the conversation and its saved chat.
"""

from __future__ import annotations

import queue
import time
from typing import TYPE_CHECKING, Any

from ..agent.approval import Decision
from ..agent.frontend_steps import (
    NO_BRIDGE_STEPS,
    PANEL_AGENT_SYSTEM,
    FrontEndAgentTools,
    PageAnswer,
    Proposal,
)
from ..notebook.tools import ToolsInterrupted
from ..notebook.turn import TurnRequest, TurnResult, run_turn
from ..notebook.turn.accounting import cost_usd
from .commands import _shell
from .observer import PanelObserver

if TYPE_CHECKING:
    from .widget import ChatPanel

DEFAULT_AGENT_STEPS = 10


class AgentPanelObserver(PanelObserver):
    """The panel's observer, plus each model step's cost as a line in the answer."""

    agent_tools: FrontEndAgentTools | None = None  # (``tools`` is the observer's calls)
    rounds = 0

    def on_step(self, completion: Any) -> None:
        tools = self.agent_tools
        if tools is not None:
            self.rounds += 1
            model = completion.model or self.panel.model
            usd = cost_usd(model, completion.usage, self.panel._params().get("service_tier"))
            tools.add_round_cost(usd)
            tokens = completion.usage.total_tokens if completion.usage is not None else 0
            self.server_lines.append(f"model step {self.rounds}: {tokens:,} tokens, "
                                     f"${usd:,.4f}; ${tools.spent_usd:,.4f} so far")
        super().on_step(completion)


class PanelAsker:
    """Asks the chat for each step (``agent_ask``) and waits, in the worker thread, for the
    answer the page sends after its click (or for the panel's Stop)."""

    def __init__(self, panel: ChatPanel) -> None:
        self.panel = panel

    def ask(self, proposal: Proposal) -> PageAnswer:
        panel = self.panel
        ask = {"type": "agent_ask", "step": proposal.number, "kind": proposal.kind,
               "code": proposal.code, "cell": proposal.cell_id, "timeout": proposal.timeout}
        panel._asking = ask
        panel.send_custom(ask)
        panel._show_progress(f"step {proposal.number}: Run, Edit, Skip or Stop?")
        started = time.perf_counter()
        try:
            while True:
                if panel._stop.is_set():
                    return PageAnswer(Decision("stop", proposal.code, "the chat's Stop"))
                try:
                    msg = panel._answers.get(timeout=0.1)
                except queue.Empty:
                    continue
                if msg.get("step") == proposal.number:
                    return answer_of(msg, proposal, time.perf_counter() - started)
        finally:
            panel._asking = None
            panel.send_custom({"type": "agent_done", "step": proposal.number})

    def show_code(self, proposal: Proposal) -> None:
        self.panel._show_progress(f"step {proposal.number}: shown to copy (not run)")


def answer_of(msg: dict[str, Any], proposal: Proposal, waited: float) -> PageAnswer:
    """The page's ``agent_answer`` as a decision, with the outputs when the page ran it."""
    action = msg.get("action")
    reason = str(msg.get("reason") or "").strip()
    code = str(msg.get("code") or proposal.code)
    if action == "run":
        decision = Decision("run", proposal.code)
    elif action == "edit":
        decision = (Decision("edit", code) if code.strip()
                    else Decision("skip", proposal.code, "empty edit"))
    elif action == "skip":
        decision = Decision("skip", proposal.code, reason)
    else:
        decision = Decision("stop", proposal.code, reason)
    ran = bool(msg.get("ran")) and isinstance(msg.get("outputs"), list)
    return PageAnswer(
        decision,
        outputs=msg["outputs"] if ran else None,
        status=str(msg.get("status") or "ok"),
        timed_out=bool(msg.get("timed_out")),
        withdrawn=bool(msg.get("withdrawn")),
        seconds=float(msg.get("seconds") or 0.0) if ran else 0.0,
    )


class PanelAgent:
    """Mixin of ``ChatPanel``: the Agent mode's turn, its questions and the answers."""

    agent_max_steps: int = DEFAULT_AGENT_STEPS
    agent_step_timeout: float = 60.0
    _home_cell: str | None = None  # the cell that displayed the panel: steps go below it
    _last_step: str | None = None  # the last step's cell: the next turn's go below it
    _asking: dict[str, Any] | None = None

    def _remember_home(self) -> None:
        """Called when the panel is displayed: the id of the cell showing it."""
        from ..bridge import current_cell_id

        cell = current_cell_id()
        if cell is not None and cell != self._home_cell:
            self._home_cell, self._last_step = cell, None

    def _agent_handlers(self: Any) -> dict[str, Any]:
        return {"agent_answer": self._on_agent_answer}

    def _on_agent_answer(self, content: dict[str, Any]) -> None:
        answers = getattr(self, "_answers", None)
        if answers is not None:  # None: no agent turn ever asked (a stale view's click)
            answers.put(dict(content))

    def _resend_ask(self: Any) -> None:
        """A view drawn while a step waits (a second view, a reload) shows the question too."""
        if self._asking is not None:
            self.send_custom(self._asking)

    def _take_agent_turn(self: Any, user: Any, job: dict[str, Any],
                         threshold: float | None) -> TurnResult:
        from ..bridge import open_bridge

        shell = _shell()
        bridge = open_bridge(shell) if shell is not None else None
        if bridge is None or self._home_cell is None:
            bridge = None
            self._notice(NO_BRIDGE_STEPS)
        self._answers = queue.Queue()
        tools = FrontEndAgentTools(
            shell, asker=PanelAsker(self), bridge=bridge, below=self._home_cell,
            last=self._last_step, step_timeout=self.agent_step_timeout,
        )
        observer = self._observer
        if isinstance(observer, AgentPanelObserver):
            observer.agent_tools = tools
        system = self.conversation.system
        request = TurnRequest(
            user, model=job["model"], params=self._params(), tools=tools,
            system=f"{PANEL_AGENT_SYSTEM}\n\n{system}" if system else PANEL_AGENT_SYSTEM,
            server_tools=job["tools"] or [], source="panel", max_steps=self.agent_max_steps,
            confirm_over_usd=threshold,
        )
        try:
            return run_turn(request, client=self.client, conversation=self.conversation,
                            observer=observer, cancel=self._stop)
        except ToolsInterrupted as stop:  # Stop at a question, or during a step
            reason = getattr(stop, "reason", "interrupted")
            done = tools.done
            kept = (f"the {done} step{'s' if done != 1 else ''} done "
                    f"{'are' if done != 1 else 'is'} kept in this chat")
            self._notice(f"Stopped: {reason}; {kept}.")
            return TurnResult(interrupted=True, model=job["model"], cost_usd=tools.spent_usd)
        finally:
            if tools.cells:
                self._last_step = tools.cells[-1]
