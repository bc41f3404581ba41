"""``{name}`` fields in a ``%%grok`` prompt, filled from the user's namespace.

Not ``str.format``: a prompt is mostly prose, code and JSON, and any of those
may hold braces. So only a field that names something that exists is filled;
everything else (unknown names, JSON and dict literals, ``{}``) is left
exactly as written. ``{{`` and ``}}`` escape, as in ``str.format``, except that
the ``}}`` closing a nested JSON object stays as written.

Code is never touched: inside a fenced block (```` ``` ````/``~~~`` lines, as in
Markdown) or an inline code span (`` `...` ``) braces, ``{{`` and ``}}`` stay
exactly as written, so ``print(f'{x}')`` or a Jinja template reaches the model
as typed. An unclosed fence runs to the end of the prompt, as in Markdown.

Field grammar: ``name`` then any of ``.attr``, ``[0]``, ``[-1]``, ``['key']``,
``["key"]`` or ``[key]``; ``{In[3]}`` and ``{Out[3]}`` work because ``In``
and ``Out`` live in the namespace. A field that names something through an
attribute starting with ``_`` (``{obj.__init__.__globals__}``) is refused, not
filled: ``template_safety.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..client._errors import InvalidRequestError
from .describe import describe
from .template_safety import check_field

_FIELD = re.compile(
    r"""\{(?P<field>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[(?:-?\d+|'[^'\]]*'|"[^"\]]*"|[A-Za-z_]\w*)\])*)\}"""
)
_PART = re.compile(r"""\.(?P<attr>[A-Za-z_]\w*)|\[(?P<key>[^\]]*)\]""")
_ROOT = re.compile(r"[A-Za-z_]\w*")

# A plain value longer than this many characters per budget token is cut:
# a 10 MB list should not be pasted into a prompt by accident.
_CHARS_PER_TOKEN = 4

# A string longer than this is cut: a 3 MB log pasted by ``{log}`` would cost dollars.
MAX_STRING_CHARS = 20_000

_MISSING = object()

# Fenced code blocks (a fence line of 3+ backticks or tildes, closed by a line with the
# same fence, or running to the end) and inline spans (a run of backticks closed by a
# run of the same length), as CommonMark reads them.
_CODE = re.compile(
    r"(?ms)^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[^\n]*"
    r"(?:\n.*?(?:^[ \t]{0,3}(?P=fence)[ \t]*$|\Z)|\Z)"
    r"|(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)"
)


def resolve_field(field: str, namespace: Mapping[str, Any]) -> Any:
    """The object a field names, or a sentinel (``is_missing``) when it names nothing.
    ``UnsafeTemplateFieldError`` when it names something through an attribute that
    starts with ``_`` (or a frame attribute): refused, never filled."""
    root = _ROOT.match(field)
    if root is None or root.group() not in namespace:
        return _MISSING
    check_field(field)  # never a private, dunder or frame attribute (template_safety.py)
    value = namespace[root.group()]
    for part in _PART.finditer(field, root.end()):
        try:
            if part.group("attr") is not None:
                value = getattr(value, part.group("attr"))
            else:
                value = value[_key(part.group("key"))]
        except Exception:
            # Any failure (AttributeError, IndexError, KeyError, a property that
            # raises) means "not a field": the braces stay as the user wrote them.
            return _MISSING
    return value


def is_missing(value: Any) -> bool:
    return value is _MISSING


def _key(raw: str) -> Any:
    if raw[:1] in "'\"":
        return raw[1:-1]
    try:
        return int(raw)
    except ValueError:
        return raw  # a bare word is a string key, as in str.format


def _size(text: str) -> str:
    size = len(text.encode("utf-8", "surrogatepass"))
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def render_value(
    value: Any,
    *,
    budget_tokens: int,
    field: str | None = None,
    notes: list[str] | None = None,
    max_string_chars: int = MAX_STRING_CHARS,
) -> str:
    """How an interpolated object reads in a prompt. When the value is cut or summarised,
    one line saying what was sent is added to ``notes`` (named by ``field``)."""
    name = f"`{{{field}}}`" if field else "a value"
    if isinstance(value, str):
        if len(value) <= max_string_chars:
            return value
        if notes is not None:
            notes.append(f"{name}: {_size(value)} string, first {max_string_chars:,} "
                         "characters sent")
        more = len(value) - max_string_chars
        return f"{value[:max_string_chars]}… [cut: {more:,} more characters]"
    described = describe(value, budget_tokens=budget_tokens)
    if described is not None:
        if notes is not None and "left out" in described:
            shape = getattr(value, "shape", None)
            dims = " × ".join(f"{d:,}" for d in shape) if shape else ""
            kind = type(value).__name__
            notes.append(f"{name}: {kind} {dims}, summarised (first and last rows and a "
                         f"summary, within {budget_tokens:,} tokens)".replace("  ", " "))
        return described
    text = str(value)
    limit = budget_tokens * _CHARS_PER_TOKEN
    if len(text) > limit:
        if notes is not None:
            notes.append(f"{name}: {type(value).__name__} of {len(text):,} characters as text, "
                         f"first {limit:,} sent")
        text = f"{text[:limit]}… [cut: {len(text) - limit:,} more characters]"
    return text


def interpolate(
    prompt: str,
    namespace: Mapping[str, Any],
    *,
    budget_tokens: int = 800,
    notes: list[str] | None = None,
    max_string_chars: int = MAX_STRING_CHARS,
) -> str:
    """Fill the fields of ``prompt`` that name objects in ``namespace``; leave the rest
    (and all code blocks and code spans) exactly as written. Each value that was cut or
    summarised adds one line to ``notes``, saying what was sent."""
    if "{" not in prompt and "}" not in prompt:
        return prompt
    if "`" not in prompt and "~~~" not in prompt:
        return _fill(prompt, namespace, budget_tokens, notes, max_string_chars)
    out: list[str] = []
    at = 0
    for code in _CODE.finditer(prompt):
        out.append(_fill(prompt[at:code.start()], namespace, budget_tokens, notes,
                         max_string_chars))
        out.append(code.group())  # code as typed
        at = code.end()
    out.append(_fill(prompt[at:], namespace, budget_tokens, notes, max_string_chars))
    return "".join(out)


def _fill(
    prompt: str,
    namespace: Mapping[str, Any],
    budget_tokens: int,
    notes: list[str] | None = None,
    max_string_chars: int = MAX_STRING_CHARS,
) -> str:
    if "{" not in prompt and "}" not in prompt:
        return prompt
    out: list[str] = []
    # What each open "{" was: an escaped "{{" (closed by "}}") or a literal brace
    # (JSON, a dict, a set), whose closing "}" stays a single brace.
    opened: list[str] = []
    i, n = 0, len(prompt)
    while i < n:
        ch = prompt[i]
        if ch == "{":
            if prompt.startswith("{{", i):
                out.append("{")
                opened.append("escape")
                i += 2
                continue
            match = _FIELD.match(prompt, i)
            if match is not None:
                value = resolve_field(match.group("field"), namespace)
                if value is _MISSING:
                    out.append(match.group())
                else:
                    out.append(render_value(value, budget_tokens=budget_tokens,
                                            field=match.group("field"), notes=notes,
                                            max_string_chars=max_string_chars))
                i = match.end()
                continue
            out.append("{")
            opened.append("literal")
            i += 1
        elif ch == "}":
            if prompt.startswith("}}", i) and (not opened or opened[-1] == "escape"):
                if opened:
                    opened.pop()
                out.append("}")
                i += 2
                continue
            if opened:
                opened.pop()
            out.append("}")
            i += 1
        else:
            j = i + 1
            while j < n and prompt[j] not in "{}":
                j += 1
            out.append(prompt[i:j])
            i = j
    return "".join(out)


# --- "Add variable" (the panel): one field, described as the magic would -------------


class UnknownVariableError(InvalidRequestError, KeyError):
    """The name given to ``describe_variable`` is not a variable of the notebook."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _namespace(source: Any) -> Mapping[str, Any]:
    namespace = getattr(source, "user_ns", source)  # an IPython shell, or a mapping
    if not isinstance(namespace, Mapping):
        raise TypeError("describe_variable needs an IPython shell or a namespace mapping")
    return namespace


def variable_names(source: Any) -> list[str]:
    """The notebook's own variables, worth offering in an "Add variable" list: no
    ``_private`` names, no IPython history (``In``, ``Out``, ``exit``...), no modules."""
    import types

    namespace = _namespace(source)
    hidden = getattr(source, "user_ns_hidden", {})
    return sorted(
        name for name, value in namespace.items()
        if name.isidentifier() and not name.startswith("_") and name not in hidden
        and not isinstance(value, types.ModuleType)
    )


def describe_variable(source: Any, name: str, *, budget_tokens: int = 800) -> str:
    """What ``{name}`` in a ``%%grok`` prompt becomes: the same lookup and description
    (a DataFrame's compact summary, a long value cut to the budget).

    ``source`` is the IPython shell (or its ``user_ns``); ``name`` may be a field such as
    ``df.columns`` or ``rows[0]``. An unknown name raises ``UnknownVariableError`` naming
    the closest variables.
    """
    namespace = _namespace(source)
    field = (name or "").strip().removeprefix("{").removesuffix("}").strip()
    value = resolve_field(field, namespace) if _FIELD.fullmatch("{" + field + "}") else _MISSING
    if value is _MISSING:
        import difflib

        close = difflib.get_close_matches(field, variable_names(source), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownVariableError(
            f"{field or name!r} is not a variable in this notebook.{hint} Run the cell that "
            "defines it first, or pick one from the variable list."
        )
    return render_value(value, budget_tokens=budget_tokens)
