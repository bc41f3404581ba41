"""Every text the agent sends back to Grok: under a size budget, saying what it left out,
with every known API key redacted (``notebook/secrets.py``)."""

from __future__ import annotations

from typing import Any

from ..notebook.secrets import redact

# Characters of one tool result sent back to Grok: about 2,000 tokens, so ten steps of
# output cost less than one long prompt.
DEFAULT_CHARS = 8_000


def clip(text: str, limit: int = DEFAULT_CHARS, *, what: str = "characters") -> str:
    """``text`` redacted and cut to ``limit`` characters, keeping the head and the tail
    (a traceback's last line and a table's end matter most), and saying how many were
    left out."""
    text = redact(text)
    if len(text) <= limit:
        return text
    keep = max(limit - 80, 40)
    head = keep * 2 // 3
    tail = keep - head
    left = len(text) - head - tail
    return f"{text[:head]}\n… [{left:,} {what} left out] …\n{text[len(text) - tail:]}"


def redact_outputs(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nbformat outputs with every known API key out of their text (stream text, text
    mime types, tracebacks): they are shown in the notebook and saved with it."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: v if k.startswith("image/") else clean(v) for k, v in value.items()}
        return value

    return [clean(output) for output in outputs]


def clip_lines(lines: list[str], limit: int, *, what: str = "lines") -> list[str]:
    """The first ``limit`` lines, and one line saying how many more there were."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"… and {len(lines) - limit:,} more {what}"]
