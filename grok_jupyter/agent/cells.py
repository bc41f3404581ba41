"""Recent cells with their outputs, and the last error, as Grok reads them.

From IPython's own history (``In``/``Out``), the last traceback the shell showed
(``sys.last_value``), and the agent's record of its own steps (``record.py``).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from .budget import clip
from .record import recent

_CELL_CHARS = 1_500


def last_error() -> str | None:
    """The last traceback the kernel showed, as text (None when no cell has failed)."""
    value = getattr(sys, "last_value", None)
    if value is None:
        return None
    lines = traceback.format_exception(type(value), value, value.__traceback__)
    return "".join(lines).rstrip()


def read_cells(shell: Any, count: int = 5) -> str:
    """The last ``count`` cells the user ran (source and the value they showed, if any),
    the agent's own recent steps, and the last error."""
    count = max(1, min(count, 20))
    history = getattr(shell, "history_manager", None)
    raw = list(getattr(history, "input_hist_raw", []) or [])
    outputs = dict(shell.user_ns.get("Out", {}) or {})
    parts: list[str] = []
    # The running cell (the agent's own) is the last entry: not "recent work".
    numbered = [(i, src) for i, src in enumerate(raw) if i and src.strip()][:-1][-count:]
    for number, source in numbered:
        text = f"In [{number}]:\n{clip(source, _CELL_CHARS)}"
        if number in outputs:
            text += f"\nOut[{number}]: {clip(repr(outputs[number]), _CELL_CHARS)}"
        parts.append(text)
    if not parts:
        parts.append("No cells have run yet in this kernel.")
    for step in recent(count):
        parts.append(f"Agent step ({step.status}):\n{clip(step.code, _CELL_CHARS)}\n"
                     f"Result: {clip(step.summary, _CELL_CHARS)}")
    error = last_error()
    parts.append(f"Last error:\n{clip(error, _CELL_CHARS)}" if error else "Last error: none")
    return clip("\n\n".join(parts))
