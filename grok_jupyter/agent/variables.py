"""What Grok reads of the kernel's variables: a list, and one variable described.

A DataFrame, Series or array is described as ``{name}`` describes it in a ``%%grok``
prompt (``notebook/describe.py``); anything else by its type and a short repr.
Modules, functions, classes, IPython's own names and ``_``-names are left out of the list.
"""

from __future__ import annotations

import inspect
import reprlib
from collections.abc import Mapping
from typing import Any

from ..notebook.describe import describe
from .budget import clip, clip_lines

_SHELL_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})
_MAX_LISTED = 60
_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80


def user_variables(ns: Mapping[str, Any]) -> dict[str, Any]:
    """The user's own data in ``ns``: no modules, functions, classes or hidden names."""
    out = {}
    for name, value in ns.items():
        if name.startswith("_") or name in _SHELL_NAMES:
            continue
        if inspect.ismodule(value) or inspect.isclass(value) or callable(value):
            continue
        out[name] = value
    return out


def _shape(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape == ():
        return f"value {_repr.repr(value)}"  # a numpy scalar
    if isinstance(shape, tuple):
        return " × ".join(str(d) for d in shape) or "scalar"
    try:
        return f"len {len(value):,}"
    except TypeError:
        return ""


def summary_line(name: str, value: Any) -> str:
    kind = type(value).__name__
    shape = _shape(value)
    columns = getattr(value, "columns", None)
    if columns is not None and hasattr(columns, "__len__") and len(columns) <= 12:
        shape += f"; columns {', '.join(map(str, columns))}"
    elif not hasattr(value, "shape"):
        shape = f"{shape}; {_repr.repr(value)}" if shape else _repr.repr(value)
    return f"{name}: {kind}" + (f" ({shape})" if shape else "")


def list_variables(ns: Mapping[str, Any]) -> str:
    """One line per user variable: name, type, shape and a short value."""
    names = user_variables(ns)
    if not names:
        return "The kernel has no user variables yet."
    lines = [summary_line(n, v) for n, v in sorted(names.items())]
    return clip("\n".join(clip_lines(lines, _MAX_LISTED, what="variables")))


def describe_variable(ns: Mapping[str, Any], name: str, *, budget_tokens: int = 800) -> str:
    """``name`` described for a prompt: tables and arrays as ``{name}`` would be."""
    if name not in ns:
        close = [n for n in user_variables(ns) if n.lower().startswith(name[:2].lower())]
        hint = f" Variables with a similar name: {', '.join(close[:5])}." if close else ""
        return f"No variable named {name!r} in the kernel.{hint}"
    value = ns[name]
    text = describe(value, budget_tokens=budget_tokens)
    if text is None:
        text = f"{type(value).__name__}: {reprlib.repr(value) if _big(value) else repr(value)}"
    return clip(f"{name} = {text}")


def _big(value: Any) -> bool:
    try:
        return len(value) > 200
    except TypeError:
        return False
