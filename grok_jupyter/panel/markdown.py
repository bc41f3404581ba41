"""Markdown to HTML for the ChatPanel, in the kernel.

markdown-it-py (CommonMark plus tables, the dialect JupyterLab renders), and
fenced code highlighted by Pygments with CSS classes (``gk-`` prefix; the
colours are in ``static/chat.css``, taken from JupyterLab's editor variables so
they follow the theme), each code block with a Copy button. Raw HTML in the
text is *escaped*, never passed through: the panel inserts this HTML into the
page, and model output (or a prompt injection in it) must not run script in
the user's notebook. markdown-it also refuses ``javascript:``/``vbscript:``/
``file:`` links.

While a reply streams, ``IncrementalMarkdown`` re-renders only the text after
the last finished block, so the cost of an update does not grow with the
length of the answer.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

CLASS_PREFIX = "gk-"  # Pygments token classes, scoped so they never meet JupyterLab's own


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


@lru_cache(maxsize=256)
def markdown_html(text: str) -> str:
    """Markdown -> HTML, with any HTML in ``text`` shown as text.

    Cached: the transcript is rendered again on every change (and once more for the saved
    output's static copy), and earlier turns' text does not change."""
    return _md.render(text)


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
        blocks, tail = self.parts(text)
        return "".join(blocks) + tail

    def parts(self, text: str) -> tuple[list[str], str]:
        """The finished blocks' HTML (a list that only grows) and the growing tail's HTML."""
        boundary = self._advance(text)
        if boundary > self._frozen_to:
            self._frozen_html.append(markdown_html(text[self._frozen_to : boundary]))
            self._frozen_to = boundary
        # The growing tail is rendered uncached: it changes on every update.
        return self._frozen_html, _md.render(text[self._frozen_to :])

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
