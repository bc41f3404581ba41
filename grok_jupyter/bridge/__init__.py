"""The notebook bridge: the kernel edits and runs the notebook it belongs to, by cell id.

The ``grok-jupyter-bridge`` labextension (source in ``labextension/``, shipped prebuilt in
the wheel) answers a comm that ``%load_ext grok_jupyter`` opens. ``open_bridge(shell)``
returns a :class:`NotebookBridge` once a front end with the extension has said hello, and
None elsewhere (VS Code, terminal IPython, nbclient, or a front end not yet heard from).

The bridge edits the notebook *model* below a given cell id and never drives the UI, so
focus, the active cell and the mode stay the user's (docs/architecture.md says why not
ipylab's commands).
"""

from __future__ import annotations

from .kernel import (
    BridgeError,
    BridgeTimeout,
    NotebookBridge,
    current_cell_id,
    install,
    open_bridge,
)

__all__ = [
    "BridgeError",
    "BridgeTimeout",
    "NotebookBridge",
    "current_cell_id",
    "install",
    "open_bridge",
]
