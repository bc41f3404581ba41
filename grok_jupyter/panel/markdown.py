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

from ..notebook.markdown_blocks import BlockScanner

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

    Blocks are cut where the magic cuts its outputs (``notebook.markdown_blocks``): at
    a blank line outside a code fence once the open text is long enough, or anywhere
    once it passes ``MAX_OPEN`` characters (a long paragraph or code block), a cut
    fence closed and opened again. So the open tail, rendered again on every update,
    stays short however long the answer (one 50,000-word paragraph once made each
    update re-render the whole answer). Cuts can differ from a whole-text render only
    until the final render of the committed turn, which renders the whole text.
    """

    def __init__(self) -> None:
        self._frozen_html: list[str] = []
        self._frozen_to = 0  # text[:_frozen_to] is rendered into _frozen_html
        self._reopen = ""  # a code fence opened again at the open tail's start
        self._scanner = BlockScanner()

    def render(self, text: str) -> str:
        blocks, tail = self.parts(text)
        return "".join(blocks) + tail

    def parts(self, text: str) -> tuple[list[str], str]:
        """The finished blocks' HTML (a list that only grows) and the growing tail's HTML."""
        while (split := self._scanner.split(text[self._frozen_to :])) is not None:
            self._frozen_html.append(markdown_html(self._reopen + split.sealed))
            self._frozen_to += split.at
            self._reopen = split.reopen
        # The growing tail is rendered uncached: it changes on every update.
        return self._frozen_html, _md.render(self._reopen + text[self._frozen_to :])
