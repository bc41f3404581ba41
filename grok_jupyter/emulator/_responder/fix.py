"""Answers to a "fix this cell" prompt (``%grok fix``, the panel's "Fix last error").

Emulator behaviour: a prompt starting "Fix this notebook cell" that holds the
cell in a ```python block and the error in a second block gets a short
explanation and the corrected cell in one ```python block. The fixes are the
few a program can make honestly: a misspelt name (``NameError``) or attribute
(``AttributeError`` on a built-in type) becomes the closest name the cell or
the type defines. Any other error gets the cell back unchanged, saying so.
"""

from __future__ import annotations

import builtins
import difflib
import keyword
import re

_ASK = re.compile(r"^\s*Fix this notebook cell\b", re.IGNORECASE)
_BLOCK = re.compile(r"(?ms)^(`{3,})[^\n]*\n(.*?)^\1[ \t]*$")
_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")
_ATTR_ERROR = re.compile(r"AttributeError: '(\w+)' object has no attribute '(\w+)'")
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def fix_answer(prompt: str) -> str | None:
    """The answer to a fix prompt, or None when ``prompt`` is not one."""
    if not _ASK.match(prompt):
        return None
    blocks = [body.rstrip("\n") for _, body in _BLOCK.findall(prompt)]
    if len(blocks) < 2:
        return None
    cell, error = blocks[0], blocks[-1]
    explanation, fixed = (
        _name_fix(cell, error)
        or _attribute_fix(cell, error)
        or (
            "The grok-jupyter emulator cannot work out a fix for this error; here is the cell "
            "unchanged.",
            cell,
        )
    )
    last = error.strip().splitlines()[-1] if error.strip() else "an error"
    return f"The cell raised `{last}`. {explanation}\n\n```python\n{fixed}\n```"


def _replace_word(code: str, old: str, new: str) -> str:
    return re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, code)


def _name_fix(cell: str, error: str) -> tuple[str, str] | None:
    match = _NAME_ERROR.search(error)
    if match is None:
        return None
    missing = match.group(1)
    names = {n for n in _IDENT.findall(cell) if n != missing and not keyword.iskeyword(n)}
    names |= {n for n in dir(builtins) if not n.startswith("_")}
    close = difflib.get_close_matches(missing, sorted(names), n=1, cutoff=0.75)
    if not close:
        return None
    return (
        f"`{missing}` is never defined; `{close[0]}` looks like the name you meant.",
        _replace_word(cell, missing, close[0]),
    )


def _attribute_fix(cell: str, error: str) -> tuple[str, str] | None:
    match = _ATTR_ERROR.search(error)
    kind = getattr(builtins, match.group(1), None) if match else None
    if not isinstance(kind, type):
        return None
    attr = match.group(2)  # type: ignore[union-attr]
    public = [n for n in dir(kind) if not n.startswith("_")]
    close = difflib.get_close_matches(attr, public, n=1, cutoff=0.6)
    if not close:
        return None
    fixed = re.sub(rf"\.{re.escape(attr)}\b", f".{close[0]}", cell)
    return f"`{kind.__name__}` has no `{attr}`; the method is `{close[0]}`.", fixed
