"""The look of the static transcript, written inline on each element.

The static copy of a chat (``render.static_html``) is an output of its own: a
viewer without the panel's script and style sheet (nbviewer, GitHub, nbconvert,
JupyterLab after a restart) shows the conversation readably, and a viewer that
strips ``<style>`` blocks never shows CSS as text. Colours: JupyterLab's
variables where they exist, else greys that read on light and dark pages alike
(translucent backgrounds, the text colour is inherited).
"""

from __future__ import annotations

import html
import re

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
    """``fragment`` (the panel's HTML, as ``render`` writes it) with its look inline and
    without Copy buttons."""
    fragment = _COPY_BUTTON.sub("", fragment)
    fragment = _TOKEN.sub(_token_style, fragment)
    return _STATIC_TAG.sub(_inline_style, fragment)
