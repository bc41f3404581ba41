"""The kernel's side of the notebook bridge: one comm to the ``grok-jupyter-bridge`` extension.

Messages the kernel sends reach the browser at once, even while a cell blocks; the
browser's answers are heard only when no cell runs (ipykernel reads its shell channel
between cells; measured, ../shared/notebook-editing-from-the-kernel.md). So:

- ``insert_cell`` picks the new cell's id itself and returns it at once; the answer (done,
  or an error) comes later, and ``confirm`` waits for it from a worker thread;
- ``run_cell`` waits for the browser's answer, so it needs the kernel idle: a worker thread
  (the panel's turn) calls it, never a cell.

Requests carry the id of the page that said hello last, so two open copies of a notebook
never both insert.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BridgeError",
    "BridgeTimeout",
    "NotebookBridge",
    "current_cell_id",
    "install",
    "open_bridge",
]

TARGET = "grok-jupyter-bridge"
PROTOCOL = 1
OUTPUT_TYPES = frozenset({"stream", "display_data", "execute_result", "error"})


class BridgeError(RuntimeError):
    """The notebook bridge refused or failed a request; the message says what to change."""


class BridgeTimeout(BridgeError, TimeoutError):
    """The browser did not answer in time."""


@dataclass
class _Request:
    kind: str
    done: threading.Event = field(default_factory=threading.Event)
    reply: dict[str, Any] | None = None


class NotebookBridge:
    """Edits and runs the kernel's notebook through the front end's ``grok-jupyter-bridge``.

    Get one with :func:`open_bridge`; it is None where no front end has the extension.
    """

    def __init__(self, comm: Any) -> None:
        self._comm = comm
        self._lock = threading.Lock()
        self._next = 0
        self._pending: dict[int, _Request] = {}
        self._inserts: dict[str, _Request] = {}  # new cell id -> its request
        self.frontend: dict[str, Any] | None = None  # the hello: app, version, page id
        self.failures: dict[str, str] = {}  # cell id -> the browser's error, for inserts
        self.closed = False
        comm.on_msg(self._on_msg)
        comm.on_close(self._on_close)

    @property
    def connected(self) -> bool:
        """A front end with the extension said hello on this comm."""
        return self.frontend is not None and not self.closed

    # --- requests -------------------------------------------------------------------

    def insert_cell(
        self,
        *,
        below: str,
        source: str,
        outputs: list[dict[str, Any]] | None = None,
        execution_count: int | None = None,
    ) -> str:
        """Insert a code cell below the cell ``below`` (an id from the notebook, or one this
        method returned); returns the new cell's id at once.

        The browser edits the notebook model only: focus, the active cell and the mode stay
        as the user left them, and the notebook is marked unsaved so a save keeps the cell.
        """
        if not isinstance(below, str) or not below:
            raise ValueError("insert_cell(below=...) takes a cell id (a non-empty str).")
        if not isinstance(source, str):
            raise TypeError(f"insert_cell(source=...) takes a str, not {type(source).__name__}.")
        if execution_count is not None and (
            not isinstance(execution_count, int) or isinstance(execution_count, bool)
        ):
            raise TypeError("insert_cell(execution_count=...) takes an int or None.")
        outputs = _checked_outputs(outputs)
        cell_id = uuid.uuid4().hex  # nbformat: 1-64 of [a-zA-Z0-9-_]
        request = self._send(
            "insert",
            below=below,
            id=cell_id,
            source=source,
            outputs=outputs,
            execution_count=execution_count,
        )
        self._inserts[cell_id] = request
        return cell_id

    def confirm(self, cell_id: str, timeout: float = 10.0) -> None:
        """Wait until the browser inserted ``cell_id``; BridgeError if it could not.

        Call it from a worker thread: the answer is heard only while no cell runs."""
        request = self._inserts.get(cell_id)
        if request is None:
            raise BridgeError(f"no cell {cell_id!r} was inserted through this bridge.")
        self._wait(request, timeout, f"inserting cell {cell_id}")

    def run_cell(self, cell_id: str, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Run the notebook's cell ``cell_id`` with the notebook's own session (its output
        shows in the cell, as a Shift+Enter would, without moving focus); returns its outputs
        as nbformat dicts. For a worker thread; BridgeTimeout after ``timeout`` seconds."""
        if threading.current_thread() is threading.main_thread():
            raise BridgeError(
                "run_cell waits for the browser, which the kernel hears only when no cell "
                "runs: call it from a worker thread (the panel's turn does)."
            )
        reply = self._wait(self._send("run", id=cell_id), timeout, f"running cell {cell_id}")
        return list(reply.get("outputs") or [])

    def interrupt(self) -> None:
        """Ask the front end to interrupt the kernel (as the toolbar's stop button does)."""
        self._send("interrupt")

    def show_side(self, model_id: str, *, title: str, key: str) -> None:
        """Show the widget ``model_id`` in JupyterLab's right-hand area (Notebook 7: its side
        panel); a later call with the same ``key`` replaces that view."""
        self._send("side", model_id=model_id, title=title, key=key)

    # --- the comm ---------------------------------------------------------------------

    def _send(self, kind: str, **fields: Any) -> _Request:
        if not self.connected:
            raise BridgeError(
                "the notebook bridge is not connected: open the notebook in JupyterLab or "
                "Notebook 7 with grok-jupyter installed, then run `%load_ext grok_jupyter`."
            )
        with self._lock:
            self._next += 1
            number = self._next
            request = self._pending[number] = _Request(kind)
        to = self.frontend.get("frontend") if self.frontend else None
        self._comm.send({"type": kind, "request": number, "to": to, **fields})
        return request

    def _wait(self, request: _Request, timeout: float, what: str) -> dict[str, Any]:
        if not request.done.wait(timeout):
            raise BridgeTimeout(f"the browser did not answer {what} within {timeout:g} s.")
        reply = request.reply or {}
        if not reply.get("ok"):
            raise BridgeError(f"the browser could not finish {what}: {reply.get('error')}")
        return reply

    def _on_msg(self, msg: dict[str, Any]) -> None:
        data = (msg.get("content") or {}).get("data") or {}
        kind = data.get("type")
        if kind == "hello":  # the page heard last gets the requests (a reload says hello again)
            self.frontend = dict(data)
        elif kind == "reply":
            with self._lock:
                request = self._pending.pop(data.get("request"), None)
            if request is None:
                return
            request.reply = data
            if request.kind == "insert" and not data.get("ok"):
                self.failures[str(data.get("id") or "")] = str(data.get("error"))
            request.done.set()

    def _on_close(self, _msg: Any) -> None:
        self.closed = True
        with self._lock:
            pending, self._pending = self._pending, {}
        for request in pending.values():
            request.reply = {"ok": False, "error": "the front end closed the bridge"}
            request.done.set()


def _checked_outputs(outputs: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if outputs is None:
        return []
    if not isinstance(outputs, list):
        raise TypeError("insert_cell(outputs=...) takes a list of nbformat output dicts.")
    for i, output in enumerate(outputs):
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind not in OUTPUT_TYPES:
            raise ValueError(
                f"insert_cell(outputs[{i}]) needs an nbformat output dict whose output_type "
                f"is one of {sorted(OUTPUT_TYPES)}; got {kind!r}."
            )
    return outputs


# One bridge per kernel (a kernel process has one; the dict keeps tests with fakes apart).
_BRIDGES: dict[int, NotebookBridge] = {}


def install(shell: Any) -> NotebookBridge | None:
    """Open the bridge's comm in ``shell``'s kernel, once (``%load_ext grok_jupyter`` does);
    None without a kernel (terminal IPython). The front end's hello arrives when no cell
    runs, so a bridge opened in a cell is usable from the next one."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    bridge = _BRIDGES.get(id(kernel))
    if bridge is not None and not bridge.closed:
        return bridge
    import comm

    bridge = NotebookBridge(comm.create_comm(target_name=TARGET, data={"protocol": PROTOCOL}))
    _BRIDGES[id(kernel)] = bridge
    return bridge


def open_bridge(shell: Any = None) -> NotebookBridge | None:
    """The notebook bridge of ``shell``'s kernel (default: the running IPython), or None when
    no front end with the ``grok-jupyter-bridge`` extension announced itself (VS Code,
    terminal IPython, nbclient)."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    bridge = install(shell) if shell is not None else None
    if bridge is None or bridge.closed:
        return None
    page = _announcing_page(shell)
    if page is not None:  # the page that sent this cell has the extension: it edits
        bridge.frontend = {**(bridge.frontend or {}), "frontend": page}
    return bridge if bridge.connected else None


def _parent_metadata(shell: Any) -> dict[str, Any]:
    kernel = getattr(shell, "kernel", None)
    try:
        parent = kernel.get_parent() if kernel is not None else None
    except Exception:  # an older kernel without get_parent
        parent = getattr(kernel, "_parent_header", None)
    metadata = (parent or {}).get("metadata") if isinstance(parent, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _announcing_page(shell: Any) -> str | None:
    """The page id the extension puts in each run request's metadata: the kernel knows of
    the bridge in the very cell that asks (its hello is heard only once no cell runs)."""
    page = _parent_metadata(shell).get("grokBridge")
    return str(page) if page else None


def current_cell_id(shell: Any = None) -> str | None:
    """The id of the cell running now, as the front end sent it (JupyterLab and Notebook 7
    send the notebook model's cell id); None outside such a cell."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    cell_id = _parent_metadata(shell).get("cellId")
    return str(cell_id) if cell_id else None
