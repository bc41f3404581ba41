"""Read a JSON body the way the real API's Rust server (axum + serde_json) does.

serde_json refuses nesting deeper than 128 and axum answers that (like any
syntax error) with a plain-text 400 ``Failed to parse the request body as
JSON: ...``. A body that parses but has the wrong type for a field gets a
plain-text 422 ``Failed to deserialize the JSON body into the target type:
<field>: invalid type: ...`` (shared/xai-api.md section 4; xai-api-2026.md
section 8 item 20). The 400 wording and the Rust types behind each field
(f32/i32, from the OAS ``format``) are axum's and serde's own texts: [U] for
api.x.ai, by best evidence.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ._errors import EmulatorError, unprocessable

MAX_DEPTH = 128  # serde_json's recursion limit
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _position(raw: bytes, end: int) -> str:
    line = raw.count(b"\n", 0, end) + 1
    column = end - (raw.rfind(b"\n", 0, end) + 1)
    return f"line {line} column {column}"


def _syntax_error(message: str) -> EmulatorError:
    return EmulatorError(
        400,
        message,
        None,
        content_type="text/plain; charset=utf-8",
        raw_body=f"Failed to parse the request body as JSON: {message}",
    )


def _check_depth(raw: bytes) -> None:
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return  # cannot be too deep: skip the scan
    depth = 0
    for m in _TOKENS.finditer(raw):
        char = m.group(0)
        if char in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise _syntax_error(f"recursion limit exceeded at {_position(raw, m.end())}")
        elif char in (b"]", b"}"):
            depth -= 1


def parse_json_body(raw: bytes) -> Any:
    """The parsed body; None for an empty or unparsable one (handlers answer 422 for it)."""
    if not raw:
        return None
    _check_depth(raw)
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    lone = _LONE_SURROGATE.search(raw)
    if lone is not None and _has_surrogate(parsed):
        # serde_json refuses a lone surrogate escape while parsing: a syntax 400 ([U] wording).
        raise _syntax_error(f"lone leading surrogate in hex escape at {_position(raw, lone.end())}")
    return parsed


# A \uD800-\uDFFF escape that is not a high surrogate followed by a low one.
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<![89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


# --- field types -------------------------------------------------------------

F32, I32, BOOL, STRING, SEQ = "f32", "i32", "a boolean", "a string", "a sequence"


def _unexpected(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        return f"string {json.dumps(value)}"
    return "sequence" if isinstance(value, list) else "map"


def _fits(value: Any, kind: str) -> bool:
    if kind == F32:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == I32:  # serde refuses an integer outside i32 ("invalid value")
        return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == STRING:
        return isinstance(value, str)
    return isinstance(value, list)


def _value_end(raw: bytes, key: str) -> int | None:
    """Where the value of top-level ``key`` ends in ``raw`` (serde reports that position)."""
    text = raw.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    i = text.find("{")
    last = None
    while i >= 0:
        m = re.compile(r'\s*"').match(text, i + 1)
        if not m:
            break
        name, i = json.decoder.scanstring(text, m.end())
        i = text.index(":", i) + 1
        while text[i].isspace():
            i += 1
        _, i = decoder.raw_decode(text, i)
        if name == key:
            last = len(text[:i].encode("utf-8"))
        i = text.find(",", i)
    return last


def check_types(body: dict[str, Any], raw: bytes, fields: dict[str, str]) -> None:
    """422 for the first field (in the body's order) whose JSON type is wrong; null is fine."""
    for key, value in body.items():
        kind = fields.get(key)
        if kind is None or value is None or _fits(value, kind):
            continue
        at = _value_end(raw, key)
        where = f" at {_position(raw, at)}" if at is not None else ""
        if kind == I32 and isinstance(value, int) and not isinstance(value, bool):
            problem = f"invalid value: {_unexpected(value)}, expected {kind}"
        else:
            problem = f"invalid type: {_unexpected(value)}, expected {kind}"
        raise unprocessable(f"{key}: {problem}{where}")
