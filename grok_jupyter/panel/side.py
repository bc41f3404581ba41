"""``ChatPanel(side=True)``: the chat in JupyterLab's right-hand area or Notebook 7's side panel.

The ``grok-jupyter-bridge`` extension shows the widget's view there, rendered with the
notebook's own rendermime so it is as live as an inline view (``grok_jupyter.bridge``).
Without the extension (VS Code, nbclient, a front end not heard from yet) the panel says so
in one line and shows inline.
"""

from __future__ import annotations

from typing import Any

from ..bridge import BridgeError, open_bridge

NO_BRIDGE = (
    "No notebook bridge here (it needs JupyterLab or Notebook 7 with grok-jupyter installed, "
    "and `%load_ext grok_jupyter` run in an earlier cell): the chat shows inline instead."
)


class SideView:
    """Mixin of ``ChatPanel``: open the live view in the side area through the bridge."""

    _side_shown: bool = False
    model_id: str
    panel_id: str
    conversation: Any

    def _open_side(self) -> None:
        bridge = open_bridge()
        if bridge is None:
            print(NO_BRIDGE)
            return
        try:
            bridge.show_side(
                self.model_id, title=f"Grok · {self.conversation.name}", key=self.panel_id
            )
        except BridgeError as exc:
            print(f"{exc} The chat shows inline instead.")
            return
        self._side_shown = True

    def _side_note(self) -> dict[str, str]:
        """What the cell shows in place of the view that went to the side."""
        return {"text/plain": f"Grok chat {self.conversation.name!r} is open in the side panel."}
