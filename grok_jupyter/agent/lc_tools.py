"""The notebook tools as LangChain tools, for any chat model's agent in a notebook:
``create_agent(ChatGrok(), tools=notebook_tools(approve="auto"))``.

The same tools as ``%%grok --agent`` (``toolset.AgentTools``), with the same approval,
time limit, budgets on output and key redaction; each step's cell goes below the
running cell through the bridge, or is shown and offered in front ends without one.
A tool returns text only (a LangChain tool message), so a plot is shown in the notebook
but not sent to the model. Imported only when called: ``%load_ext`` loads no LangChain.
"""

from __future__ import annotations

from typing import Any

from .approval import approver_for
from .sinks import choose_sink
from .toolset import AgentStop, AgentTools


def notebook_tools(
    approve: str = "ask",
    *,
    shell: Any = None,
    step_timeout: float | None = 60.0,
    root: str | None = None,
) -> list[Any]:
    """LangChain ``StructuredTool``s over the running kernel: list_variables,
    describe_variable, read_cells, run_code, insert_cell, list_files, read_file.

    ``approve``: "ask" (Run / Edit / Skip / Stop at a prompt before each step), "auto"
    (run without asking) or "plan" (propose cells, run nothing). ``shell``: the IPython
    shell (default: the running one). ``root``: the folder the file tools may read
    (default: the working directory, the notebook's folder in Jupyter)."""
    from langchain_core.tools import StructuredTool

    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            raise RuntimeError("notebook_tools() needs a running IPython kernel; pass shell=.")
    tools = AgentTools(shell, approver=approver_for(approve), sink=choose_sink(shell),
                       root=root, step_timeout=step_timeout, images=False)
    out = []
    for name, kernel_tool in tools._tools.items():
        out.append(StructuredTool.from_function(
            func=_stoppable(kernel_tool.func), name=name,
            description=kernel_tool.tool.function.description or name,
            args_schema=kernel_tool.arguments_model,
        ))
    return out


def _stoppable(func: Any) -> Any:
    """Stop at an approval becomes an instruction to the model, not an exception through
    the user's agent: LangChain has no turn to end from inside a tool."""
    import functools

    @functools.wraps(func)
    def call(**kwargs: Any) -> str:
        try:
            return str(func(**kwargs))
        except AgentStop as stop:
            return f"Not run: {stop.reason}. Stop working on the task and answer now."

    return call
