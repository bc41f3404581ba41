"""What the agent's cell shows as a turn goes: the model's text, each look at the notebook,
and each model step's cost with the running total (which the USD budget is checked on)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..notebook.turn.accounting import cost_usd
from ..notebook.turn.types import RoundOutcome, TurnObserver

if TYPE_CHECKING:
    from ..client._types import ToolCall
    from ..notebook.tools import ToolResult
    from .toolset import AgentTools

_STEP_TOOLS = ("run_code", "insert_cell")  # shown by the step itself, with its approval


class AgentObserver(TurnObserver):
    def __init__(self, tools: AgentTools, *, model: str | None, service_tier: str | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        self.tools = tools
        self.model = model
        self.service_tier = service_tier
        self.say = say or print
        self.rounds = 0
        self._mid_line = False

    def on_text(self, delta: str) -> None:
        # Not flushed per token: a kernel's stdout batches the answer into a few messages.
        sys.stdout.write(delta)
        self._mid_line = not delta.endswith("\n")

    def _line(self, text: str) -> None:
        if self._mid_line:
            self.say("")
            self._mid_line = False
        self.say(text)

    def on_tool_call(self, call: ToolCall) -> None:
        if call.function.name not in _STEP_TOOLS:
            arguments = call.function.arguments or "{}"
            shown = "" if arguments.strip() in ("", "{}") else arguments
            self._line(f"· looking at the notebook: {call.function.name}({shown})")

    def on_tool_result(self, result: ToolResult) -> None:
        return None  # a step says its own status; a look needs no echo

    def on_step(self, outcome: RoundOutcome) -> None:
        self.rounds += 1
        usd = cost_usd(outcome.model or self.model, outcome.usage, self.service_tier)
        self.tools.add_round_cost(usd)
        tokens = outcome.usage.total_tokens if outcome.usage is not None else 0
        budget = (f" of ${self.tools.budget_usd:,.4f}" if self.tools.budget_usd is not None
                  else "")
        self._line(f"[model step {self.rounds}: {tokens:,} tokens, ${usd:,.4f}; "
                   f"${self.tools.spent_usd:,.4f}{budget} so far]")
