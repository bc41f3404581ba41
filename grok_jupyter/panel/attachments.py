"""The panel's image attachments: upload, previews with Remove, and what is sent.

A mixin of ``ChatPanel``; the bytes live here, never in widget state twice.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as widgets

from . import render

IMAGE_FORMATS = ("png", "jpeg")


class PanelAttachments:
    """``_attachments`` (name, bytes) and the controls that show them."""

    _attachments: list[tuple[str, bytes]]
    upload: Any
    _previews: Any
    _show_error: Any

    def _files_uploaded(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        from ..client._images import sniff_format

        refused = []
        for item in files:
            data = bytes(item["content"])
            if sniff_format(data) in IMAGE_FORMATS:
                self._attachments.append((item["name"], data))
            else:
                refused.append(item["name"])
        # The bytes live in the panel now; emptying the upload keeps them out of widget state twice.
        self.upload.value = ()
        if refused:
            self._show_error(f"Only JPEG and PNG images can be sent; not {', '.join(refused)}.",
                             retry=False)
        self._render_previews()

    def _render_previews(self) -> None:
        boxes = []
        for index, (name, data) in enumerate(self._attachments):
            thumb = render.thumbnail_url(
                "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            )
            alt = html.escape(name, quote=True)
            image = widgets.HTML(f'<img class="grok-thumb" src="{thumb}" alt="{alt}">')
            remove = widgets.Button(description="Remove", icon="times", tooltip=f"Remove {name}",
                                    layout=widgets.Layout(width="96px"))
            remove.on_click(lambda _, i=index: self._remove_attachment(i))
            boxes.append(widgets.VBox([image, remove]))
        old = self._previews.children
        self._previews.children = boxes
        for box in old:
            for child in box.children:
                child.close()
            box.close()

    def _remove_attachment(self, index: int) -> None:
        if 0 <= index < len(self._attachments):
            del self._attachments[index]
            self._render_previews()
