"""``%grok fix`` and the panel's "Fix last error": the last exception, its cell, a prompt.

Where the exception comes from: IPython's ``showtraceback`` (in a plain
``InteractiveShell`` and in ipykernel alike) stores the exception it showed in
``sys.last_type`` / ``sys.last_value`` / ``sys.last_traceback``. The failing
cell is the first traceback frame whose file is a cell: IPython's compiler
maps each cell's file name to its execution count (``shell.compile._filename_map``),
and the cell's source as typed is ``history_manager.input_hist_raw[count]``.
A ``SyntaxError`` has no cell frame; its ``filename`` names the cell instead.

The traceback is rendered without colour (ANSI codes removed in any case,
since exception messages may carry them) and IPython's own frames are
dropped. Every API key the process knows (``secrets.known_keys``) is redacted
from the traceback and the source before either is cut to length.
"""

from __future__ import annotations

import linecache
import re
import sys
import traceback
from dataclasses import dataclass
from typing import Any

from .secrets import redact
from .transcript import fence

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_FENCE = re.compile(
    r"(?ms)^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+.-]*)[^\n]*\n"
    r"(?P<body>.*?)^[ \t]{0,3}(?P=fence)[`~]*[ \t]*$"
)
_PYTHON = {"python", "py", "python3", "ipython", "ipython3"}
MAX_TRACEBACK_CHARS = 8000  # the end of a long traceback says the most; the rest is cut
MAX_SOURCE_CHARS = 20000


@dataclass(frozen=True)
class FixRequest:
    """What "fix the last error" sends: built by :func:`fix_request`."""

    error: str  # one line: "NameError: name 'totl' is not defined"
    traceback: str  # plain text, IPython's frames dropped, key redacted
    source: str  # the failing cell as typed ("" when unknown), key redacted
    execution_count: int | None  # In[N] of the failing cell, when known
    prompt: str  # the user message to send


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _last_exception() -> BaseException | None:
    value = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
    if not isinstance(value, BaseException):
        return None
    from IPython.core.error import UsageError

    if isinstance(value, UsageError) and str(value).startswith("grok:"):
        return None  # our own one-line refusal (of %grok fix itself, say): nothing to fix
    return value


def _cell_files(shell: Any) -> dict[str, int]:
    compiler = getattr(shell, "compile", None)
    mapping = getattr(compiler, "_filename_map", None)
    return dict(mapping) if isinstance(mapping, dict) else {}


def _cell_source(shell: Any, filename: str | None, count: int | None) -> str:
    history = getattr(shell, "history_manager", None)
    raw = getattr(history, "input_hist_raw", None)
    if count is not None and isinstance(raw, list) and 0 < count < len(raw):
        return raw[count]
    if filename:  # IPython registers every cell's code with linecache
        return "".join(linecache.getlines(filename))
    return ""


def fix_request(shell: Any) -> FixRequest | None:
    """The last exception shown in ``shell`` and its cell, as a fix prompt; None when no
    cell has failed yet in this kernel."""
    value = _last_exception()
    if value is None:
        return None
    files = _cell_files(shell)
    tb = (
        value.__traceback__
        if value.__traceback__ is not None
        else getattr(sys, "last_traceback", None)
    )
    # Drop IPython's frames above the cell (run_code's exec line).
    start = tb
    while start is not None and start.tb_frame.f_code.co_filename not in files:
        start = start.tb_next
    cell_file: str | None = start.tb_frame.f_code.co_filename if start is not None else None
    if cell_file is None and isinstance(value, SyntaxError) and value.filename in files:
        cell_file = value.filename
    count = files.get(cell_file) if cell_file else None
    if start is None and isinstance(value, SyntaxError):
        lines = traceback.format_exception_only(type(value), value)  # the parser's frames only
    else:
        lines = traceback.format_exception(type(value), value, start if start is not None else tb)
    # Keys out first, then cut: a cut through a key would leave a piece that no longer
    # matches it, and that piece would be sent.
    text = redact(strip_ansi("".join(lines)))
    for name, number in files.items():  # a cell reads as In[5], not /tmp/ipykernel_1/29.py
        text = text.replace(f'File "{name}"', f"Cell In[{number}]")
    if len(text) > MAX_TRACEBACK_CHARS:
        text = "… [start of traceback cut]\n" + text[-MAX_TRACEBACK_CHARS:]
    text = text.rstrip("\n")
    source = redact(_cell_source(shell, cell_file, count)).rstrip("\n")
    if len(source) > MAX_SOURCE_CHARS:
        source = source[:MAX_SOURCE_CHARS] + "\n# … [rest of the cell cut]"
    error = redact(strip_ansi("".join(traceback.format_exception_only(type(value), value))))
    error = error.strip().splitlines()[-1] if error.strip() else type(value).__name__
    return FixRequest(error, text, source, count, build_prompt(text, source, count))


def build_prompt(traceback_text: str, source: str, count: int | None = None) -> str:
    """The fix prompt: what went wrong, and the corrected cell as one code block."""
    where = f"In[{count}]" if count is not None else "the cell"
    parts = [
        f"Fix this notebook cell: {where} raised the error below. Explain briefly what went "
        "wrong, then give the corrected cell as one complete ```python code block (the whole "
        "cell, ready to run again).",
        "",
    ]
    if source.strip():
        parts += ["The cell:", fence(source, "python"), ""]
    else:
        parts += ["(The cell's source is not available.)", ""]
    parts += ["The error:", fence(traceback_text)]
    return "\n".join(parts)


def extract_fix(answer: str) -> str | None:
    """The corrected cell in an answer: its last Python code block (else its last code
    block of any language); None when the answer has none."""
    blocks = [(m.group("lang").lower(), m.group("body")) for m in _FENCE.finditer(answer)]
    if not blocks:
        return None
    python = [body for lang, body in blocks if lang in _PYTHON]
    code = (python or [body for _, body in blocks])[-1].rstrip("\n")
    return code if code.strip() else None


def take_fix_turn(
    request: FixRequest,
    *,
    client: Any,
    conversation: Any = None,
    model: str | None = None,
    observer: Any = None,
    cancel: Any = None,
    stream: bool = True,
    source: str = "panel",
    confirm_over_usd: float | None = None,
) -> tuple[Any, str | None]:
    """Send ``request.prompt`` as one turn (in ``conversation``, or a one-off when None);
    returns ``(TurnResult, corrected cell or None)``. The magic and the panel both use it;
    offering the cell (``shell.set_next_input``) is the caller's, after it has shown the
    answer."""
    from ..client._types import Message
    from .turn import TurnRequest, run_turn

    turn = TurnRequest(Message.user(request.prompt), model=model, stream=stream, source=source,
                       confirm_over_usd=confirm_over_usd)
    result = run_turn(
        turn, client=client, conversation=conversation, observer=observer, cancel=cancel
    )
    return result, (extract_fix(result.text) if result.ok else None)
