"""HTML for the ChatPanel transcript: prompts with their thumbnails and files, answers
with reasoning, tool lines and citations, the per-turn buttons, and the static copy
for viewers without the panel's script.

Markdown becomes HTML in ``markdown.py`` (raw HTML escaped, code highlighted;
``IncrementalMarkdown`` while a reply streams); the static copy's inline look is
``static_styles.py``.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..client._types import ImagePart, Message, ToolCall
from ..notebook.conversation import INTERRUPTED_MARKER
from .markdown import IncrementalMarkdown as IncrementalMarkdown  # the panel reads it here
from .markdown import markdown_html
from .static_styles import inline_styles

THUMB_SIDE = 160  # px: thumbnails are re-encoded small so widget state stays light
_CUT = 300  # tool arguments and results are cut in the transcript, never in what Grok gets

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
    """A kernel function call: ``name(args) → result`` (``…`` while it runs); an agent's
    step as its code and status (``agent_view.py``)."""
    from ..notebook.display import call_signature
    from .agent_view import STEP_TOOLS, step_html

    if call.function.name in STEP_TOOLS:
        return step_html(call.function.name, call.function.arguments, output, error)

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


def activity_html(lines: Sequence[dict[str, str]]) -> str:
    """A turn's saved server-side tool lines: searches and code runs as status lines, MCP
    calls as tool lines (``Conversation.note_activity``)."""
    out = []
    for line in lines:
        text = str(line.get("text", ""))
        if line.get("kind") == "tool":
            out.append(f'<div class="grok-tool">{TOOL_ICON} <code>{html.escape(text)}</code></div>')
        else:
            out.append(server_tool_html(text))
    return "".join(out)


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


def answer_body(
    replies: Sequence[Message],
    citations: Sequence[Any] = (),
    note: str = "",
    activity: Sequence[dict[str, str]] = (),
) -> str:
    """A Grok block's inside: server-side tool lines, reasoning, tool calls with results,
    the answer, citations."""
    body: list[str] = [activity_html(activity)]
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
    activity: dict[int, Sequence[dict[str, str]]] | None = None,
) -> str:
    """The whole conversation: a user block, then one Grok block per turn (tool rounds inside).

    ``actions`` adds the per-turn Edit/Delete (and Regenerate on the last) buttons;
    ``citations`` / ``notes`` / ``activity`` (server-side tool lines) are per turn index."""
    blocks: list[str] = []
    turns = group_turns(messages)
    for index, (user, replies) in enumerate(turns):
        if user is not None:
            extra = turn_actions_html(index, last=index == len(turns) - 1) if actions else ""
            blocks.append(user_html(user, extra))
        cites = (citations or {}).get(index, ())
        note = (notes or {}).get(index, "")
        lines = (activity or {}).get(index, ())
        if replies or cites or lines:
            blocks.append(assistant_html(answer_body(replies, cites, note, lines)))
    return "".join(blocks)


def static_html(
    messages: Sequence[Message],
    title: str,
    citations: dict[int, Sequence[Any]] | None = None,
    panel_id: str = "",
    activity: dict[int, Sequence[dict[str, str]]] | None = None,
) -> str:
    """A self-contained transcript for viewers without a kernel or the panel's script.

    It is an output of its own beside the widget view; ``data-grok-panel`` lets a live view
    of that panel hide it (static/chat.js)."""
    head = f'<div class="grok-role">Grok chat: {html.escape(title)}</div>'
    body = transcript_html(messages, citations=citations, activity=activity)
    body = body or "<p><em>No turns yet.</em></p>"
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
