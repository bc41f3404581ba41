"""HTML for the ChatPanel transcript, rendered in the kernel from Markdown.

The panel shows turns through ``HTML.value`` (stock ipywidgets, no custom
JavaScript), so Markdown is turned into HTML here, with markdown-it-py
(CommonMark, the same dialect JupyterLab renders). Raw HTML in the text is
*escaped*, never passed through: an ipywidgets ``HTML`` value is inserted into
the page unsanitised, and model output (or a prompt injection in it) must not
be able to run script in the user's notebook. markdown-it also refuses
``javascript:``/``vbscript:``/``file:`` links.

While a reply streams, ``IncrementalMarkdown`` re-renders only the text after
the last finished block, so the cost of an update does not grow with the
length of the answer.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt

from ..client._types import ImagePart, Message, ToolCall
from ..notebook.conversation import INTERRUPTED_MARKER

_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

THUMB_SIDE = 160  # px: thumbnails are re-encoded small so widget state stays light
_CUT = 300  # tool arguments and results are cut in the transcript, never in what Grok gets

CSS = """<style>
.grok-chat { border: 1px solid var(--jp-border-color2, #ddd); border-radius: 6px; padding: 6px; }
.grok-chat .grok-turn { padding: 4px 8px; margin: 4px 0; border-radius: 6px; line-height: 1.45; }
.grok-chat .grok-user { background: var(--jp-layout-color2, #f3f4f6); }
.grok-chat .grok-assistant { background: var(--jp-layout-color1, #fff); }
.grok-chat .grok-role { font-weight: 600; font-size: 0.85em; opacity: 0.7; }
.grok-chat pre { background: var(--jp-cell-editor-background, #f6f8fa); padding: 6px;
  border-radius: 4px; overflow-x: auto; white-space: pre; }
.grok-chat code { font-family: var(--jp-code-font-family, monospace); font-size: 0.92em; }
.grok-chat .grok-tool { font-size: 0.9em; opacity: 0.85; margin: 2px 0; }
.grok-chat .grok-interrupted { color: #b45309; font-size: 0.9em; margin-top: 4px; }
.grok-chat .grok-error { color: #b91c1c; white-space: pre-wrap; }
.grok-chat .grok-thumb { max-width: 160px; max-height: 160px; margin: 4px 4px 0 0;
  border: 1px solid #ccc; border-radius: 4px; }
.grok-chat .grok-status { font-size: 0.85em; opacity: 0.75; }
.grok-chat details.grok-reasoning { font-size: 0.9em; opacity: 0.8; }
.grok-chat details.grok-reasoning pre { white-space: pre-wrap; }
</style>"""


def markdown_html(text: str) -> str:
    """Markdown -> HTML, with any HTML in ``text`` shown as text."""
    return _md.render(text)


def _cut(text: str, limit: int = _CUT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@lru_cache(maxsize=128)
def thumbnail_url(url: str) -> str:
    """A small data URL for an attached image (http URLs are shown as they are)."""
    if not url.startswith("data:"):
        return url
    try:
        from PIL import Image

        raw = base64.b64decode(url.split(",", 1)[1])
        with Image.open(io.BytesIO(raw)) as img:
            img.thumbnail((THUMB_SIDE, THUMB_SIDE))
            out = io.BytesIO()
            img.convert("RGB").save(out, format="JPEG", quality=80)
        return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    except Exception:  # an image the panel cannot shrink is not worth failing the transcript
        return ""


def thumbnails_html(images: Sequence[ImagePart]) -> str:
    tags = []
    for part in images:
        src = thumbnail_url(part.image_url.url)
        if src:
            src = html.escape(src, quote=True)
            tags.append(f'<img class="grok-thumb" src="{src}" alt="image">')
    return f"<div>{''.join(tags)}</div>" if tags else ""


def reasoning_html(reasoning: str) -> str:
    reasoning = reasoning.strip()
    if not reasoning:
        return ""
    words = len(reasoning.split())
    # <details> is closed unless the user opens it: reasoning stays out of the way.
    return (
        f'<details class="grok-reasoning"><summary>Reasoning ({words:,} words)</summary>'
        f"<pre>{html.escape(reasoning)}</pre></details>"
    )


def tool_call_html(call: ToolCall, output: str | None = None, error: str | None = None) -> str:
    signature = f"{call.function.name}({call.function.arguments})"
    line = f"🔧 <code>{html.escape(_cut(signature))}</code>"
    if error is not None:
        line += f" → ⚠️ <code>{html.escape(_cut(error))}</code>"
    elif output is not None:
        line += f" → <code>{html.escape(_cut(output))}</code>"
    else:
        line += " …"
    return f'<div class="grok-tool">{line}</div>'


def interrupted_html() -> str:
    return '<div class="grok-interrupted">■ stopped: the partial answer is kept</div>'


def user_html(message: Message) -> str:
    return (
        '<div class="grok-turn grok-user"><div class="grok-role">You</div>'
        f"{markdown_html(message.text)}{thumbnails_html(message.images)}</div>"
    )


def assistant_html(body: str) -> str:
    return f'<div class="grok-turn grok-assistant"><div class="grok-role">Grok</div>{body}</div>'


def transcript_html(messages: Sequence[Message]) -> str:
    """The whole conversation: a user turn, then one Grok block per answer (tool rounds inside)."""
    blocks: list[str] = []
    body: list[str] = []  # the Grok block being built
    calls: dict[str, ToolCall] = {}

    def close() -> None:
        if body:
            blocks.append(assistant_html("".join(body)))
            body.clear()

    for message in messages:
        if message.role == "user":
            close()
            blocks.append(user_html(message))
        elif message.role == "assistant":
            body.append(reasoning_html(message.reasoning_content or ""))
            for call in message.tool_calls or []:
                calls[call.id] = call
            text = message.text
            stopped = text.endswith(INTERRUPTED_MARKER)
            if stopped:
                text = text[: -len(INTERRUPTED_MARKER)]
            if text:
                body.append(markdown_html(text))
            if stopped:
                body.append(interrupted_html())
        elif message.role == "tool":
            call = calls.get(message.tool_call_id or "")
            if call is not None:
                error = _tool_error(message.text)
                body.append(tool_call_html(call, None if error else message.text, error))
    close()
    return "".join(blocks)


def _tool_error(output: str) -> str | None:
    # KernelTools sends a failure as {"error": "..."}; show it as an error line.
    if output.startswith('{"error"'):
        try:
            value = json.loads(output)
        except ValueError:
            return None
        if isinstance(value, dict) and set(value) == {"error"}:
            return str(value["error"])
    return None


class IncrementalMarkdown:
    """Renders a growing Markdown text; finished blocks are rendered once and kept.

    A block is finished at a blank line outside a fenced code block. Splitting
    there can differ from a whole-text render only for constructs that span
    blank lines (loose lists, link references), and only until the final
    render of the committed turn, which renders the whole text.
    """

    def __init__(self) -> None:
        self._frozen_html: list[str] = []
        self._frozen_to = 0  # text[:_frozen_to] is rendered into _frozen_html
        self._scan_from = 0  # where the next scan for a boundary starts (a line start)
        self._in_fence: str | None = None

    def render(self, text: str) -> str:
        boundary = self._advance(text)
        if boundary > self._frozen_to:
            self._frozen_html.append(markdown_html(text[self._frozen_to : boundary]))
            self._frozen_to = boundary
        return "".join(self._frozen_html) + markdown_html(text[self._frozen_to :])

    def _advance(self, text: str) -> int:
        """Scan whole new lines; return the end of the last blank line outside a fence."""
        boundary = self._frozen_to
        pos = self._scan_from
        while True:
            end = text.find("\n", pos)
            if end < 0:
                break
            line = text[pos:end].strip()
            if self._in_fence is not None:
                if line.startswith(self._in_fence):
                    self._in_fence = None
            elif line.startswith(("```", "~~~")):
                self._in_fence = line[:3]
            elif not line:
                boundary = end + 1
            pos = end + 1
        self._scan_from = pos
        return boundary
