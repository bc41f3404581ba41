"""The panel's attachments: files that come with a send message, and what the kernel holds.

A mixin of ``ChatPanel``. Files picked in the browser stay in the browser until
Send, and travel *in* the send message (binary buffers), so a refused send
leaves them in the input and nothing is in widget state twice. The kernel side
holds only what it put there itself: ``attach(path)`` from code, the images and
files of a prompt taken back for "Edit", and variables from "Add variable".
Images go as image parts; documents (PDF, text, CSV, ...) as ``input_file``
parts through ``notebook/attach_files.py``, which sends the turn through the
Responses API.
"""

from __future__ import annotations

import base64
import itertools
import os
from dataclasses import dataclass
from typing import Any

from ..client._errors import InvalidRequestError
from ..client._types import ContentPart, ImagePart, Message, TextPart
from . import render

IMAGE_FORMATS = ("png", "jpeg")
_ids = itertools.count(1)


class AttachmentRefusedError(InvalidRequestError):
    """A file the panel cannot send (an image type the API does not read, an unknown type)."""


@dataclass
class Pending:
    """One thing waiting to go with the next prompt."""

    kind: str  # "image" | "file" | "variable"
    name: str
    data: bytes | None = None  # an image's or document's bytes, not yet a part
    part: ContentPart | None = None  # a part already made (carried back from Edit)
    text: str | None = None  # a variable's description
    id: int = 0

    def chip(self) -> dict[str, Any]:
        """What the browser shows for it (a thumbnail for images, small)."""
        thumb = ""
        if self.kind == "image":
            url = (
                self.part.image_url.url
                if isinstance(self.part, ImagePart)
                else "data:image/png;base64," + base64.b64encode(self.data or b"").decode()
            )
            thumb = render.thumbnail_url(url)
        return {"id": self.id, "kind": self.kind, "name": self.name, "thumb": thumb}


def classify(name: str, data: bytes) -> Pending:
    """An image or a document, checked now (type, size): a refused file names what to do."""
    from ..client._images import sniff_format

    fmt = sniff_format(data)
    if fmt in IMAGE_FORMATS:
        return Pending("image", name, data=data, id=next(_ids))
    from ..notebook import attach_files

    if fmt is not None or attach_files.is_image(name):
        raise AttachmentRefusedError(
            f"Only JPEG and PNG images can be sent; not {name} ({fmt or 'unknown'} image). "
            "Convert it to PNG, or remove it."
        )
    if not attach_files.is_document(name):
        raise AttachmentRefusedError(
            f"{name}: not a document type Grok reads. Attach a PDF, a text file (.txt, .md, "
            "code) or a CSV, or a JPEG/PNG image."
        )
    # The size limit and the content's type are checked by ``input_file_part`` before it
    # uploads anything; a refusal there puts the prompt back like this one.
    return Pending("file", name, data=data, id=next(_ids))


class PanelAttachments:
    """``_pending`` (kernel-side attachments) and the parts a send is made of."""

    _pending: list[Pending]
    pending: Any  # the synced chip list
    client: Any

    def attach(self, src: str | os.PathLike[str] | bytes, *, filename: str | None = None) -> None:
        """Attach an image (JPEG/PNG) or a document (PDF, text, CSV) to the next prompt."""
        if isinstance(src, (str, os.PathLike)):
            name = filename or os.path.basename(os.fspath(src))
            with open(src, "rb") as f:
                data = f.read()
        else:
            if not filename:
                raise AttachmentRefusedError(
                    "bytes need a file name: attach(data, filename='a.png')"
                )
            name, data = filename, bytes(src)
        self._pending.append(classify(name, data))
        self._sync_pending()

    def _add_pending(self, item: Pending) -> None:
        item.id = item.id or next(_ids)
        self._pending.append(item)
        self._sync_pending()

    def _remove_pending(self, item_id: int) -> None:
        self._pending = [p for p in self._pending if p.id != item_id]
        self._sync_pending()

    def _sync_pending(self) -> None:
        self.pending = [p.chip() for p in self._pending]

    def _carry(self, message: Message) -> None:
        """Edit: the prompt's images and files come back as pending attachments."""
        if not isinstance(message.content, list):
            return
        for n, part in enumerate(message.content, 1):
            if isinstance(part, ImagePart):
                self._pending.append(Pending("image", f"image {n}", part=part, id=next(_ids)))
            elif not isinstance(part, TextPart):
                name = (getattr(part, "file", None) or {}).get("filename") or f"file {n}"
                self._pending.append(Pending("file", name, part=part, id=next(_ids)))
        self._sync_pending()

    def _user_message(self, text: str, items: list[Pending]) -> Message:
        """The prompt with its attachments; documents are uploaded here (once per content)."""
        variables = [p for p in items if p.kind == "variable"]
        for item in variables:
            text += f"\n\nVariable `{item.name}`:\n{item.text}"
        others = [p for p in items if p.kind != "variable"]
        if not others:
            return Message.user(text)
        from ..client._images import image_part
        from ..notebook import attach_files

        parts: list[Any] = [TextPart(text=text)] if text.strip() else []
        for item in others:
            if item.part is not None:
                parts.append(item.part)
            elif item.kind == "image":
                parts.append(image_part(item.data))
            else:
                part = attach_files.input_file_part(self.client, item.data, filename=item.name)
                parts.append(attach_files.message_part(part, item.name))
        return Message.user(parts)
