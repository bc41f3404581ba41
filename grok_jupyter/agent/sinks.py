"""Where a finished step's cell goes: below the agent's cell (through the notebook bridge),
or, in a front end without one, shown in the agent's own cell and offered at the end.

The agent only ever adds cells: it never changes or deletes one, and never writes the
notebook file (the bridge edits the open notebook's model in the browser).
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

NO_BRIDGE_NOTE = ("Cells can't be inserted in this front end (no grok-jupyter notebook bridge "
                  "here); each step is shown above, and its code is offered as the next cell.")


class CellSink(Protocol):
    def add_cell(
        self, source: str, outputs: list[dict[str, Any]], execution_count: int | None
    ) -> str | None:
        """Put this finished step below the agent's cell, after the previous step; return
        the new cell's id, or None when no cell could be made."""
        ...

    def finish(self) -> None:
        """The turn ended: say or offer what is left (the fallback offers the code)."""
        ...


def show_outputs(outputs: list[dict[str, Any]]) -> None:
    """Nbformat outputs shown again in the running cell (text, tables, images, errors)."""
    from IPython.display import publish_display_data

    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            stream = sys.stderr if output.get("name") == "stderr" else sys.stdout
            stream.write(output.get("text", ""))
            stream.flush()
        elif kind in ("display_data", "execute_result"):
            publish_display_data(output.get("data") or {}, output.get("metadata") or {})
        elif kind == "error":
            import re

            text = "\n".join(output.get("traceback") or [])
            sys.stderr.write(re.sub(r"\x1b\[[0-9;]*m", "", text) + "\n")
            sys.stderr.flush()


class FallbackSink:
    """No bridge (VS Code, terminal IPython, nbclient): each step is shown in the agent's
    cell; at the end the code of every step is offered as the next cell
    (``shell.set_next_input``), with one line saying why."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.sources: list[str] = []

    def add_cell(
        self, source: str, outputs: list[dict[str, Any]], execution_count: int | None
    ) -> str | None:
        self.sources.append(source)
        show_outputs(outputs)
        return None

    def finish(self) -> None:
        if not self.sources:
            return
        print(NO_BRIDGE_NOTE, flush=True)
        self.shell.set_next_input("\n\n".join(self.sources), replace=False)


class BridgeCellSink:
    """Cells inserted below the agent's cell, in order, through ``grok_jupyter.bridge``."""

    def __init__(self, bridge: Any, below: str) -> None:
        self.bridge = bridge
        self.below = below  # the agent's cell id, then the last cell inserted

    def add_cell(
        self, source: str, outputs: list[dict[str, Any]], execution_count: int | None
    ) -> str | None:
        cell_id = self.bridge.insert_cell(below=self.below, source=source, outputs=outputs,
                                          execution_count=execution_count)
        self.below = cell_id
        print(f"(cell added below: {cell_id})", flush=True)
        return cell_id

    def finish(self) -> None:
        return None


def running_cell_id(shell: Any) -> str | None:
    """The id of the cell running now, as the front end sent it (JupyterLab, Notebook 7)."""
    kernel = getattr(shell, "kernel", None)
    try:
        parent = kernel.get_parent() if kernel is not None else None
    except Exception:  # an older kernel without get_parent
        parent = None
    metadata = (parent or {}).get("metadata") or {}
    cell_id = metadata.get("cellId")
    return cell_id if isinstance(cell_id, str) and cell_id else None


def choose_sink(shell: Any) -> CellSink:
    """The bridge's sink when ``grok_jupyter.bridge`` is installed and the front end has it,
    else the fallback."""
    try:
        from ..bridge import open_bridge  # type: ignore[import-not-found]  # the labextension's
    except ImportError:
        return FallbackSink(shell)
    cell_id = running_cell_id(shell)
    opened = open_bridge(shell) if cell_id else None
    if opened is None or cell_id is None:
        return FallbackSink(shell)
    return BridgeCellSink(opened, cell_id)
