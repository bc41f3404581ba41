"""How the magic fits into the IPython shell: cells as typed, one-line warnings,
a trailing ``?`` in ``%grok SUB TEXT?`` kept as text, and re-run cells.

Imports only what the shell has loaded (see ``cell.py``'s note on cost).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sys
import warnings
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

_RAW_ALIASES = {"_i": 1, "_ii": 2, "_iii": 3}  # how many cells back, as IPython counts


class UserNamespace(MutableMapping):
    """The user's namespace, except that ``In``/``_ih``/``_iN``/``_i`` give each cell as
    typed (``%%grok`` cells included) rather than IPython's transformed Python."""

    def __init__(self, shell: Any) -> None:
        self._shell = shell
        self._ns: MutableMapping[str, Any] = shell.user_ns

    def _raw(self) -> list[str] | None:
        history = getattr(self._shell, "history_manager", None)
        raw = getattr(history, "input_hist_raw", None)
        parsed = getattr(history, "input_hist_parsed", None)
        ok = isinstance(raw, list) and isinstance(parsed, list) and len(raw) == len(parsed)
        return raw if ok else None

    def __getitem__(self, key: str) -> Any:
        raw = self._raw()
        if raw is not None:
            if key in ("In", "_ih"):
                return raw
            if re.fullmatch(r"_i\d+", key) and int(key[2:]) < len(raw):
                return raw[int(key[2:])]
            if key in _RAW_ALIASES and key in self._ns:
                # The one before the running cell, counted from the end (the running cell is last).
                back = _RAW_ALIASES[key] + 1
                return raw[-back] if len(raw) >= back else ""
        return self._ns[key]

    def __contains__(self, key: object) -> bool:
        return key in self._ns

    def __setitem__(self, key: str, value: Any) -> None:
        self._ns[key] = value

    def __delitem__(self, key: str) -> None:
        del self._ns[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ns)

    def __len__(self) -> int:
        return len(self._ns)


# --- warnings: one clean line -------------------------------------------------


def _ours(category: type) -> bool:
    return getattr(category, "__module__", "").startswith(("grok_jupyter", "langchain_grok"))


@contextlib.contextmanager
def clean_warnings() -> Iterator[None]:
    """While a grok cell runs, our warnings print as ``Category: message`` on one line,
    without a library path and source line; other warnings print as usual."""
    original = warnings.showwarning

    def show(message: Any, category: type, filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        if not _ours(category):
            original(message, category, filename, lineno, file, line)
            return
        out = file if file is not None else sys.stderr
        with contextlib.suppress(OSError, ValueError):
            out.write(f"{category.__name__}: {' '.join(str(message).split())}\n")

    warnings.showwarning = show
    try:
        yield
    finally:
        if warnings.showwarning is show:
            warnings.showwarning = original


# --- `%grok tokens how many?`: text, not a help request -------------------------

_TRAILING_HELP = re.compile(r"^(\s*)%grok\s+(\w+)\s+(\S.*?)\s*$")


def keep_question_marks(lines: list[str]) -> list[str]:
    """An input transformer: ``%grok SUB TEXT?`` runs the subcommand with the ``?`` kept.

    IPython reads a line ending in ``?`` as a help request before any magic sees it.
    ``%grok?`` and ``%grok SUB?`` (no text) stay help requests.
    """
    out = []
    for line in lines:
        match = _TRAILING_HELP.match(line.rstrip("\n"))
        if match and line.rstrip().endswith("?") and not line.lstrip().startswith("%%"):
            indent, sub, text = match.groups()
            call = f"{indent}get_ipython().run_line_magic('grok', {sub + ' ' + text!r})"
            line = call + ("\n" if line.endswith("\n") else "")
        out.append(line)
    return out


def install(shell: Any) -> None:
    cleanups = getattr(shell, "input_transformers_cleanup", None)
    if cleanups is not None and keep_question_marks not in cleanups:
        cleanups.append(keep_question_marks)


def uninstall(shell: Any) -> None:
    cleanups = getattr(shell, "input_transformers_cleanup", None)
    if cleanups is not None and keep_question_marks in cleanups:
        cleanups.remove(keep_question_marks)


# --- re-running a cell replaces its turn -------------------------------------------


_runs = itertools.count(1)  # every %%grok run without a cell id is a cell of its own


def cell_key(shell: Any) -> str:
    """What identifies the running cell, asked once a run: Jupyter's cellId when the
    front end sends one (the same cell re-run, edited or not, keeps it), else this run
    alone. Without an id (terminal IPython, older nbclient and papermill) a re-run cannot
    be told from a new cell with the same text ("Go on." twice), so a turn is never
    replaced there: a dropped turn would be lost, an extra one is only kept."""
    header = getattr(shell, "parent_header", None)
    metadata = header.get("metadata") if isinstance(header, Mapping) else None
    cell_id = metadata.get("cellId") if isinstance(metadata, Mapping) else None
    if cell_id:
        return f"id:{cell_id}"
    return f"run:{getattr(shell, 'execution_count', '?')}#{next(_runs)}"
