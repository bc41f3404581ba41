"""Answer formats (``-f``): what each asks of Grok, and how the answer is turned into a value."""

from __future__ import annotations

import json
import re
from typing import Any

from .messages import fail

FORMATS = ("markdown", "text", "code", "json", "html")

# What a format asks of Grok; json uses response_format instead.
FORMAT_HINTS = {
    "code": "Answer with code only, in a single fenced code block, no prose around it.",
    "html": "Answer in HTML only (no Markdown, no code fences).",
}

_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:\n```|\Z)", re.DOTALL)


def extract_code(text: str) -> str:
    """The first fenced block, or the whole answer when there is none."""
    match = _FENCE.search(text)
    return (match.group(1) if match else text).strip("\n")


def load_json(text: str, *, cut: bool = False, max_tokens: int | None = None) -> Any:
    """The answer's JSON value; ``cut``: the answer stopped at the token cap."""
    raw = text.strip()
    fenced = _FENCE.search(raw)
    if fenced and not raw.startswith(("{", "[")):
        raw = fenced.group(1)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        if cut:
            cap = f" {max_tokens:,}" if max_tokens else ""
            raise fail(
                f"the answer was cut at --max-tokens{cap} before its JSON was complete "
                f"({exc.msg} at char {exc.pos}): raise --max-tokens and run the cell again."
            ) from None
        raise fail(f"the answer is not valid JSON ({exc.msg} at char {exc.pos}).") from None
    return data


def validate_answer(data: Any, schema_model: Any, schema_name: str | None) -> Any:
    """A pydantic instance for a model schema; the plain JSON value otherwise."""
    if schema_model is None:
        return data
    try:
        return schema_model.model_validate(data)
    except Exception as exc:
        first = str(exc).splitlines()
        detail = first[1] if len(first) > 1 else first[0] if first else ""
        raise fail(f"the answer does not match --schema {schema_name}: {detail}") from None


def to_pil(data: bytes | str) -> Any:
    if isinstance(data, str):
        return data
    import io

    from PIL import Image as PILImage

    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


# --- the in-kernel emulator --------------------------------------------------
