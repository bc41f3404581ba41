"""The notebook tools as one ``KernelTools`` set for the turn engine, with approval.

Grok's calls run one after another in the calling thread (the magic's: the kernel's main
thread), never in a pool: a step must run as a cell would. ``run_code`` and
``insert_cell`` go through the approver first; every result says how it was approved,
and the plots a step drew go back to Grok as images in a message after the results.
Stop (and the USD budget) end the turn through ``AgentStopped``, answering every call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from ..client._types import Message, TextPart, ToolCall
from ..notebook.tools import INTERRUPTED_OUTPUT, KernelTools, ToolResult, ToolsInterrupted
from .approval import Approver, Decision
from .budget import clip, redact_outputs
from .cells import read_cells
from .files import list_files, read_file
from .record import StepRecord, remember
from .runner import StepRun, run_code
from .sinks import CellSink, show_outputs
from .variables import describe_variable, list_variables

PLOTS_NOTE = "Plots drawn by the step above"  # the emulator's agent knows this opening
_MAX_IMAGES = 4


class AgentStop(BaseException):
    """Raised inside a tool to end the turn (not an ``Exception``: a tool's failure is
    sent to Grok, this is not)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AgentStopped(ToolsInterrupted):
    """The turn ended at a step: the user's Stop, or the budget. ``results`` answers
    every call; ``reason`` says why, as the user sees it."""

    def __init__(self, results: list[ToolResult], reason: str) -> None:
        super().__init__(results)
        self.reason = reason


def _stopped(call: ToolCall, reason: str) -> ToolResult:
    text = f"Not run: {reason}."
    return ToolResult(call=call, value=None, output=text, error=reason, interrupted=True)


class AgentTools(KernelTools):
    """The notebook tools, bound to a shell, an approver and a cell sink."""

    def __init__(
        self,
        shell: Any,
        *,
        approver: Approver,
        sink: CellSink,
        root: str | None = None,
        step_timeout: float | None = 60.0,
        budget_usd: float | None = None,
        images: bool = True,
        say: Callable[[str], None] = print,
    ) -> None:
        self.shell = shell
        self.approver = approver
        self.sink = sink
        self.root = root or os.getcwd()
        self.step_timeout = step_timeout
        self.budget_usd = budget_usd
        self.say = say
        self.send_images = images  # False: the caller sends text only (LangChain tools)
        self.spent_usd = 0.0
        self.last_round_usd = 0.0
        self.steps = 0  # steps Grok asked for
        self.done = 0  # of them, those that ran, were skipped or were proposed
        self.run_seconds = 0.0  # the steps' code's own run time, all steps (benchmarks/agent)
        self.images: list[str] = []  # data URLs drawn by the steps since the last results
        super().__init__(self._functions())

    def _functions(self) -> list[Callable[..., Any]]:
        shell, tools = self.shell, self

        def list_variables_() -> str:
            """List the variables in the user's Jupyter kernel: name, type, shape, value."""
            return list_variables(shell.user_ns)

        def describe_variable_(name: str) -> str:
            """Describe one variable of the kernel: a DataFrame's columns, rows and summary.

            Args:
                name: the variable's name
            """
            return describe_variable(shell.user_ns, name)

        def read_cells_(count: int = 5) -> str:
            """Read the notebook's recent cells with their outputs, and the last error.

            Args:
                count: how many recent cells (1-20)
            """
            return read_cells(shell, count)

        def run_code_(code: str) -> str:
            """Run Python code in the user's kernel, as a new cell below (after approval).

            Variables it defines stay in the kernel. Returns its output, or its traceback.

            Args:
                code: the cell's Python source
            """
            return tools.step("run", code)

        def insert_cell_(source: str) -> str:
            """Add a cell below without running it (after approval), for the user to run.

            Args:
                source: the cell's Python source
            """
            return tools.step("insert", source)

        def list_files_(folder: str = ".") -> str:
            """List the files in the notebook's folder (read-only; nothing outside it).

            Args:
                folder: a folder inside the notebook's folder
            """
            return list_files(tools.root, folder)

        def read_file_(path: str, max_chars: int = 8000) -> str:
            """Read a text file in the notebook's folder (read-only; nothing outside it).

            Args:
                path: the file's path, relative to the notebook's folder
                max_chars: at most this many characters
            """
            return read_file(tools.root, path, max_chars)

        functions = [list_variables_, describe_variable_, read_cells_, run_code_,
                     insert_cell_, list_files_, read_file_]
        for func in functions:
            func.__name__ = func.__name__.rstrip("_")
        return functions

    # --- one step ------------------------------------------------------------

    def step(self, kind: str, code: str) -> str:
        self.steps += 1
        number = self.steps
        what = "run this code" if kind == "run" else "add this cell"
        self.say(f"\n── Step {number}: {what} ──\n{code}\n")
        decision = self.approver.decide(kind, code)
        if decision.action == "stop":
            self._keep(code, "stopped", decision.describe())
            if not decision.asked:
                raise AgentStop(decision.reason)
            raise AgentStop("you pressed Stop" + (f" ({decision.reason})" if decision.reason
                                                  else ""))
        if decision.action == "skip":
            self.say(f"Step {number} skipped.")
            reason = f" Their reason: {decision.reason}" if decision.reason else ""
            text = f"The user skipped this step; it did not run.{reason}"
            self.done += 1
            self._keep(code, "skipped", text)
            return text
        if decision.action == "plan" or kind == "insert":
            cell = self.sink.add_cell(decision.code, [], None)
            where = f"as cell {cell}" if cell else "offered to the user as a cell"
            status = "proposed" if decision.action == "plan" else "inserted"
            text = f"Not run ({decision.describe()}): {status} {where}."
            self.say(f"Step {number}: {status}, not run.")
            self.done += 1
            self._keep(decision.code, status, text)
            return text
        run = run_code(self.shell, decision.code, timeout=self.step_timeout)
        self.run_seconds += run.seconds
        self.done += 1
        run.outputs = redact_outputs(run.outputs)  # shown, inserted and saved: never the key
        if run.ok:
            self.sink.add_cell(decision.code, run.outputs, None)
        else:
            # Shown here, not made a cell: the notebook must run top to bottom without Grok,
            # and the next step (the fix) becomes the cell.
            show_outputs(run.outputs)
        self.say(f"Step {number}: {run.status} ({run.seconds:.2f} s)."
                 + ("" if run.ok else " Not added as a cell."))
        text = self._summary(decision, run)
        self._keep(decision.code, run.status, text)
        return text

    def _summary(self, decision: Decision, run: StepRun) -> str:
        """What Grok reads of a step: status and approval, then its text output (a plot as a
        line saying it follows as an image), then the traceback when it failed."""
        head = f"Status: {run.status} — {decision.describe()}."
        if decision.action == "edit":
            head += f"\nThe user edited the code; what ran:\n```python\n{decision.code}\n```"
        texts: list[str] = []
        for output in run.outputs:
            kind = output.get("output_type")
            if kind == "stream":
                texts.append(output.get("text", ""))
            elif kind in ("display_data", "execute_result"):
                texts.append(self._display_text(output.get("data") or {}))
        body = clip("".join(texts).rstrip()) if texts else "(no output)"
        if run.status == "failed":
            printed = f"\nOutput before the error:\n{body}" if texts else ""
            return f"{head}{printed}\n{clip(run.error or '')}"
        note = f"\n{run.error}" if run.error else ""
        return f"{head}{note}\nOutput:\n{body}"

    def _display_text(self, data: dict[str, Any]) -> str:
        png = data.get("image/png")
        if not isinstance(png, str):
            return str(data.get("text/plain", "")) + "\n"
        if self.send_images and len(self.images) < _MAX_IMAGES:
            self.images.append(f"data:image/png;base64,{png.strip()}")
            return "[a plot: sent to you as an image after these results]\n"
        return "[a plot: shown to the user in the notebook, not sent to you]\n"

    def _keep(self, code: str, status: str, summary: str) -> None:
        remember(StepRecord(code=code, status=status, summary=summary))

    # --- the engine's side ---------------------------------------------------

    def add_round_cost(self, usd: float) -> None:
        self.spent_usd += usd
        self.last_round_usd = usd

    def _over_budget(self) -> str | None:
        if self.budget_usd is None:
            return None
        if self.spent_usd + self.last_round_usd > self.budget_usd:
            return (f"the budget of ${self.budget_usd:,.4f} would be passed (spent "
                    f"${self.spent_usd:,.4f}; the last step cost ${self.last_round_usd:,.4f})")
        return None

    def run(self, calls: Sequence[ToolCall]) -> list[ToolResult]:
        """Each call in turn, in this thread; Stop or the budget end the turn."""
        results: list[ToolResult] = []
        over = self._over_budget()
        if over is not None:
            raise AgentStopped([_stopped(c, over) for c in calls], over)
        for i, call in enumerate(calls):
            try:
                results.append(self._run_one(call))
            except AgentStop as stop:
                rest = [_stopped(c, stop.reason) for c in calls[i:]]
                raise AgentStopped(results + rest, stop.reason) from None
            except KeyboardInterrupt:
                rest = [ToolResult(call=c, value=None, output=INTERRUPTED_OUTPUT,
                                   error="interrupted", interrupted=True) for c in calls[i:]]
                raise ToolsInterrupted(results + rest) from None
        return results

    def messages(self, results: Sequence[ToolResult]) -> list[Message]:  # type: ignore[override]
        """The results, then the plots the steps drew as one user message of images."""
        messages = KernelTools.messages(results)
        if self.images:
            from ..client import image_part

            parts: list[Any] = [TextPart(text=f"{PLOTS_NOTE} (as images):")]
            parts += [image_part(url) for url in self.images]
            self.images = []
            messages.append(Message.user(parts))
        return messages
