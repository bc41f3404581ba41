"""The panel's static transcript: what a saved notebook shows without the live view.

A second output of its own (text/html only, with a display id, so it follows the
chat), updated after every turn from whichever thread ran it.
"""

from __future__ import annotations

import contextvars
import uuid
from typing import Any

from . import render


class StaticTranscript:
    """Mixin of ``ChatPanel``: the widget bundle and the static HTML transcript output."""

    _display_id: str | None
    _display_context: contextvars.Context | None

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view; its plain text names the chat (what a viewer without widgets shows
        in place of the view, above the static transcript)."""
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        if data is None:
            return bundle
        data = dict(data)
        data["text/plain"] = f"Grok chat panel: {self.conversation.name}"
        return data, meta

    def _static_bundle(self) -> dict[str, str]:
        """The static HTML transcript: an output of its own, text/html only."""
        return {
            "text/html": render.static_html(
                self.conversation.messages,
                self.conversation.name,
                self._turn_citations(),
                panel_id=self.panel_id,
                activity=self._turn_activity(),
            )
        }

    def _ipython_display_(self) -> None:
        """The widget view, then the static transcript as an output of its own (with a
        display id, so it follows the chat).

        Why two outputs: JupyterLab and Notebook 7 render a bundle's widget view even when its
        model is gone (after a kernel restart and a reload) and show "Error displaying widget:
        model not found", never the text/html beside it (jupyter-widgets/ipywidgets#3773).
        A live view hides the static output (static/chat.js); without one, it shows."""
        from IPython.display import display

        if getattr(self, "_side_shown", False):  # the live view is in the side panel
            display(self._side_note(), raw=True)  # type: ignore[attr-defined]
        else:
            bundle = self._repr_mimebundle_()
            data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
            display(data, metadata=meta, raw=True)
        self._display_id = self._display_id or f"grok-chat-{uuid.uuid4().hex}"
        display(self._static_bundle(), raw=True, display_id=self._display_id)
        # ipykernel keeps the request a message answers in a context variable; an update
        # sent later from the worker thread must name the cell that displayed the panel, or
        # the front end (which routes outputs by request) would not find the output.
        self._display_context = contextvars.copy_context()
        from IPython import get_ipython

        self._shell = get_ipython()
        self._remember_home()  # type: ignore[attr-defined]  # the agent's steps go below

    def _send_static(self, html: str | None = None) -> None:
        """The transcript to the panel's script too, which writes it into the notebook's own
        output. A display update reaches that output only through the request that displayed
        it, which a page loaded later (a browser reload) does not know: JupyterLab and
        Notebook 7 route updates by request (``OutputArea._displayIdMap``), so without this
        every turn after a reload would be missing from the saved notebook."""
        if self._display_id is None:
            return  # never displayed as the panel and its transcript (a bare widget)
        html = html if html is not None else self._static_bundle()["text/html"]
        self.send_custom({"type": "static", "html": html})  # type: ignore[attr-defined]

    def _update_static(self) -> None:
        """Refresh the static transcript output (what a saved notebook shows without the view)."""
        if self._display_id is None or self._display_context is None:
            return
        from IPython.display import update_display

        data = self._static_bundle()
        self._send_static(data["text/html"])

        def update() -> None:
            update_display(data, raw=True, display_id=self._display_id)

        def request_id() -> Any:
            pub = getattr(getattr(self, "_shell", None), "display_pub", None)
            header = getattr(pub, "parent_header", None) or {}
            return header.get("header", {}).get("msg_id") or header.get("msg_id")

        try:
            # JupyterLab finds the output through the request that displayed it; nbclient
            # (and anything that runs a notebook top to bottom) through the one running now.
            displayed = self._display_context.copy()
            if displayed.run(request_id) != request_id():
                update()
            displayed.run(update)
        except Exception:  # no kernel any more (closed shell): the live view still works
            self._display_context = None
