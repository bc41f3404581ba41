"""HTML for the ChatPanel transcript, rendered in the kernel from Markdown.

Markdown becomes HTML here, with markdown-it-py (CommonMark plus tables, the
dialect JupyterLab renders), and fenced code is highlighted by Pygments with
CSS classes (``gk-`` prefix; the colours are in ``static/chat.css``, taken from
JupyterLab's editor variables so they follow the theme). Raw HTML in the text
is *escaped*, never passed through: the panel inserts this HTML into the page,
and model output (or a prompt injection in it) must not run script in the
user's notebook. markdown-it also refuses ``javascript:``/``vbscript:``/
``file:`` links.

While a reply streams, ``IncrementalMarkdown`` re-renders only the text after
the last finished block, so the cost of an update does not grow with the
length of the answer.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

from ..client._types import ImagePart, Message, ToolCall
from ..notebook.conversation import INTERRUPTED_MARKER

THUMB_SIDE = 160  # px: thumbnails are re-encoded small so widget state stays light
_CUT = 300  # tool arguments and results are cut in the transcript, never in what Grok gets
CLASS_PREFIX = "gk-"  # Pygments token classes, scoped so they never meet JupyterLab's own

# Icons are inline SVG (an emoji needs an emoji font, which many systems lack).
TOOL_ICON = (
    '<svg class="grok-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">'
    '<path d="M2 3l5 5-5 5" fill="none" stroke="currentColor" stroke-width="2"/>'
    '<path d="M8 13h6" stroke="currentColor" stroke-width="2"/></svg>'
)
SEARCH_ICON = (
    '<svg class="grok-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">'
    '<circle cx="6.5" cy="6.5" r="4.5" fill="none" stroke="currentColor" stroke-width="2"/>'
    '<path d="M10 10l4.5 4.5" stroke="currentColor" stroke-width="2"/></svg>'
)


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True, classprefix=CLASS_PREFIX)


def highlight(code: str, lang: str) -> str:
    """``code`` as HTML spans with Pygments token classes; escaped text for an unknown language."""
    lexer = _lexer(lang.lower()) if lang else None
    if lexer is None:
        return html.escape(code)
    from pygments import highlight as _highlight

    return _highlight(code, lexer, _formatter())


def code_block_html(code: str, lang: str = "") -> str:
    """A code block with a copy button (the panel's script copies the ``<pre>``'s text)."""
    lang = lang.split()[0] if lang.strip() else ""
    cls = f' class="language-{html.escape(lang, quote=True)}"' if lang else ""
    label = f"Copy {lang} code" if lang else "Copy code"
    return (
        '<div class="grok-code">'
        f'<button type="button" class="grok-copy" data-testid="grok-copy" aria-label="{label}"'
        f' title="{label}">Copy</button>'
        f'<pre class="grok-highlight"><code{cls}>{highlight(code, lang)}</code></pre></div>\n'
    )


def _fence(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return code_block_html(token.content, token.info.strip())


_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_md.add_render_rule("fence", _fence)
_md.add_render_rule("code_block", _fence)

# The static transcript carries its own styles, inline on each element: a viewer without the
# panel's script and style sheet (nbviewer, GitHub, nbconvert, JupyterLab after a restart) shows
# the conversation readably, and a viewer that strips <style> blocks never shows CSS as text.
# Colours: JupyterLab's variables where they exist, else greys that read on light and dark
# pages alike (translucent backgrounds, the text colour is inherited).
_MUTED_BG = "rgba(127, 127, 127, 0.12)"
_RULE = "rgba(127, 127, 127, 0.5)"
STATIC_STYLES = {
    '<div class="grok-static"': (
        "font-family: var(--jp-ui-font-family, system-ui, sans-serif); line-height: 1.45;"
    ),
    '<div class="grok-turn grok-user"': (
        f"padding: 4px 8px; margin: 4px 0; border-radius: 6px; background: {_MUTED_BG};"
        " border-left: 3px solid var(--jp-brand-color1, #1976d2);"
    ),
    '<div class="grok-turn grok-assistant"': "padding: 4px 8px; margin: 4px 0;",
    '<div class="grok-role"': "font-weight: 600; font-size: 0.85em;",
    '<pre class="grok-highlight"': (
        f"background: {_MUTED_BG}; padding: 6px; border-radius: 4px; overflow-x: auto;"
    ),
    "<pre": f"background: {_MUTED_BG}; padding: 6px; border-radius: 4px; white-space: pre-wrap;",
    "<table": "border-collapse: collapse; margin: 4px 0;",
    "<th": f"border: 1px solid {_RULE}; padding: 2px 6px; text-align: left;",
    "<td": f"border: 1px solid {_RULE}; padding: 2px 6px; text-align: left;",
    '<div class="grok-interrupted"': (
        "font-size: 0.9em; padding-left: 6px;"
        " border-left: 3px solid var(--jp-warn-color1, #e65100);"
    ),
    '<img class="grok-thumb"': "max-width: 160px; max-height: 160px; margin: 4px 4px 0 0;",
    '<span class="grok-file"': f"border: 1px solid {_RULE}; border-radius: 3px; padding: 0 6px;",
    '<svg class="grok-icon"': "vertical-align: -1px;",
}
# Our renderer writes every tag (text and code are escaped), so an opening tag is found by its
# exact start; markdown-it's own ``style="text-align:…"`` on a table cell is merged, not doubled.
_STATIC_TAG = re.compile(
    "(" + "|".join(re.escape(tag) for tag in sorted(STATIC_STYLES, key=len, reverse=True)) + ")"
    r'(?=[\s>/])( style="([^"]*)")?'
)
_COPY_BUTTON = re.compile(r'<button type="button" class="grok-copy"[^>]*>Copy</button>')
# Pygments token classes -> the editor's colours (fallbacks as in static/chat.css).
_TOKEN_COLOURS = {
    "k": "var(--jp-mirror-editor-keyword-color, #008000)",
    "s": "var(--jp-mirror-editor-string-color, #ba2121)",
    "c": "var(--jp-mirror-editor-comment-color, #408080)",
    "m": "var(--jp-mirror-editor-number-color, #080)",
}
_TOKEN = re.compile(r'<span class="gk-([a-z0-9]+)">')


def _inline_style(match: re.Match[str]) -> str:
    tag, _, own = match.groups()
    style = STATIC_STYLES[tag]
    return f'{tag} style="{html.escape(style + (" " + own if own else ""), quote=True)}"'


def _token_style(match: re.Match[str]) -> str:
    colour = _TOKEN_COLOURS.get(match.group(1)[0])
    return f'<span style="color: {colour}">' if colour else "<span>"


def inline_styles(fragment: str) -> str:
    """``fragment`` (this module's HTML) with its look inline and without Copy buttons."""
    fragment = _COPY_BUTTON.sub("", fragment)
    fragment = _TOKEN.sub(_token_style, fragment)
    return _STATIC_TAG.sub(_inline_style, fragment)


@lru_cache(maxsize=256)
def markdown_html(text: str) -> str:
    """Markdown -> HTML, with any HTML in ``text`` shown as text.

    Cached: the transcript is rendered again on every change (and once more for the saved
    output's static copy), and earlier turns' text does not change."""
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
    for n, part in enumerate(images, 1):
        src = thumbnail_url(part.image_url.url)
        if src:
            src = html.escape(src, quote=True)
            tags.append(f'<img class="grok-thumb" src="{src}" alt="attached image {n}">')
    return f"<div>{''.join(tags)}</div>" if tags else ""


def files_html(names: Sequence[str]) -> str:
    """Attached documents, by name."""
    if not names:
        return ""
    items = "".join(f'<span class="grok-file">{html.escape(n)}</span>' for n in names)
    return f'<div class="grok-files">{items}</div>'


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
    """A kernel function call: ``name(args) → result`` (``…`` while it runs)."""
    from ..notebook.display import call_signature

    signature = call_signature(call.function.name, call.function.arguments)
    line = f"{TOOL_ICON} <code>{html.escape(_cut(signature))}</code>"
    if error is not None:
        shown = html.escape(_cut(error))
        line += f' → <span class="grok-tool-error">error: <code>{shown}</code></span>'
    elif output is not None:
        line += f" → <code>{html.escape(_cut(output))}</code>"
    else:
        line += " …"
    return f'<div class="grok-tool">{line}</div>'


def server_tool_html(line: str) -> str:
    """A server-side tool call as it happens: "searching X for …", "running code…"."""
    return f'<div class="grok-tool grok-server-tool">{SEARCH_ICON} {html.escape(line)}</div>'


def _citation_parts(citation: Any) -> tuple[int | None, str, str | None]:
    if isinstance(citation, dict):
        return citation.get("index"), str(citation.get("url") or ""), citation.get("title")
    return getattr(citation, "index", None), citation.url, getattr(citation, "title", None)


def citations_html(citations: Sequence[Any]) -> str:
    """Numbered sources under an answer; a URL that is not a valid link is shown as text."""
    from ..client._responses_types import is_link

    if not citations:
        return ""
    items = []
    for n, citation in enumerate(citations, 1):
        index, url, title = _citation_parts(citation)
        label = html.escape(title or url)
        if is_link(url):
            href = html.escape(url, quote=True)
            items.append(
                f'<li value="{index or n}"><a href="{href}" target="_blank" '
                f'rel="noopener noreferrer">{label}</a></li>'
            )
        else:  # still shown (the model cited it), never as a clickable link
            items.append(f'<li value="{index or n}">{label} (<code>{html.escape(url)}</code>)</li>')
    return (
        '<div class="grok-citations"><div class="grok-sources">Sources</div>'
        f"<ol>{''.join(items)}</ol></div>"
    )


def interrupted_html(note: str = "") -> str:
    extra = f" · {html.escape(note)}" if note else ""
    return f'<div class="grok-interrupted">■ stopped: the partial answer is kept{extra}</div>'


def _file_names(message: Message) -> list[str]:
    names = []
    if isinstance(message.content, list):
        for part in message.content:
            if getattr(part, "type", None) in ("file", "text_file"):
                file = getattr(part, "file", None)
                name = file.get("filename") if isinstance(file, dict) else None
                names.append(str(name or "document"))
    return names


def user_html(message: Message, actions: str = "") -> str:
    return (
        f'<div class="grok-turn grok-user"><div class="grok-role">You{actions}</div>'
        f"{markdown_html(message.text)}{thumbnails_html(message.images)}"
        f"{files_html(_file_names(message))}</div>"
    )


def assistant_html(body: str) -> str:
    return f'<div class="grok-turn grok-assistant"><div class="grok-role">Grok</div>{body}</div>'


def turn_actions_html(index: int, *, last: bool) -> str:
    """Per-turn buttons (the panel's script handles clicks by ``data-action``)."""
    buttons = [
        ("edit", "Edit and resend this prompt", "Edit"),
        ("delete", "Delete this turn", "Delete"),
    ]
    if last:
        buttons.append(("regenerate", "Regenerate the last answer", "Regenerate"))
    tags = "".join(
        f'<button type="button" class="grok-turn-action grok-{action}" data-action="{action}" '
        f'data-turn="{index}" data-testid="grok-turn-{action}" aria-label="{label}" '
        f'title="{label}">{text}</button>'
        for action, label, text in buttons
    )
    return f'<span class="grok-turn-actions">{tags}</span>'


def answer_body(replies: Sequence[Message], citations: Sequence[Any] = (), note: str = "") -> str:
    """A Grok block's inside: reasoning, tool calls with results, the answer, citations."""
    body: list[str] = []
    calls: dict[str, ToolCall] = {}
    stopped = False
    for message in replies:
        if message.role == "assistant":
            body.append(reasoning_html(message.reasoning_content or ""))
            for call in message.tool_calls or []:
                calls[call.id] = call
            text = message.text
            if text.endswith(INTERRUPTED_MARKER):
                stopped = True
                text = text[: -len(INTERRUPTED_MARKER)]
            if text:
                body.append(markdown_html(text))
        elif message.role == "tool":
            call = calls.get(message.tool_call_id or "")
            if call is not None:
                error = _tool_error(message.text)
                body.append(tool_call_html(call, None if error else message.text, error))
    body.append(citations_html(citations))
    if stopped:
        body.append(interrupted_html(note))
    return "".join(body)


def group_turns(messages: Sequence[Message]) -> list[tuple[Message | None, list[Message]]]:
    """(prompt, replies) per turn: a turn starts at each user message."""
    turns: list[tuple[Message | None, list[Message]]] = []
    for message in messages:
        if message.role == "user":
            turns.append((message, []))
        elif turns:
            turns[-1][1].append(message)
        else:
            turns.append((None, [message]))
    return turns


def transcript_html(
    messages: Sequence[Message],
    *,
    actions: bool = False,
    citations: dict[int, Sequence[Any]] | None = None,
    notes: dict[int, str] | None = None,
) -> str:
    """The whole conversation: a user block, then one Grok block per turn (tool rounds inside).

    ``actions`` adds the per-turn Edit/Delete (and Regenerate on the last) buttons;
    ``citations`` / ``notes`` are per turn index."""
    blocks: list[str] = []
    turns = group_turns(messages)
    for index, (user, replies) in enumerate(turns):
        if user is not None:
            extra = turn_actions_html(index, last=index == len(turns) - 1) if actions else ""
            blocks.append(user_html(user, extra))
        cites = (citations or {}).get(index, ())
        note = (notes or {}).get(index, "")
        if replies or cites:
            blocks.append(assistant_html(answer_body(replies, cites, note)))
    return "".join(blocks)


def static_html(
    messages: Sequence[Message],
    title: str,
    citations: dict[int, Sequence[Any]] | None = None,
    panel_id: str = "",
) -> str:
    """A self-contained transcript for viewers without a kernel or the panel's script.

    It is an output of its own beside the widget view; ``data-grok-panel`` lets a live view
    of that panel hide it (static/chat.js)."""
    head = f'<div class="grok-role">Grok chat: {html.escape(title)}</div>'
    body = transcript_html(messages, citations=citations) or "<p><em>No turns yet.</em></p>"
    panel = f' data-grok-panel="{html.escape(panel_id, quote=True)}"' if panel_id else ""
    return inline_styles(f'<div class="grok-static"{panel}>{head}{body}</div>')


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
        # The growing tail is rendered uncached: it changes on every update.
        return "".join(self._frozen_html) + _md.render(text[self._frozen_to :])

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
