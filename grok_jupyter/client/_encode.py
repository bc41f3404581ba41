"""A request body to JSON bytes, refusing what JSON or UTF-8 cannot carry.

``json.dumps`` would write NaN and infinity as the non-JSON tokens ``NaN`` /
``Infinity`` (the server rejects the body, or worse, reads something else),
and a lone surrogate fails later as an untyped ``UnicodeEncodeError``. Both
become an ``InvalidValueError`` naming where the value is. The happy path
pays nothing extra: the body is walked only after encoding failed.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ._errors import InvalidValueError


def encode_body(body: Any) -> bytes:
    """Compact UTF-8 JSON for ``body``; ``InvalidValueError`` for NaN/inf or a lone surrogate."""
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")
    except ValueError:  # includes UnicodeEncodeError
        problem = find_unsendable(body)
        if problem is None:
            raise
        raise problem from None


def find_unsendable(value: Any, where: str = "") -> InvalidValueError | None:
    """The error for the first NaN/inf number or lone surrogate in ``value``, or None."""
    if isinstance(value, str):
        return _check_text(value, where or "the text")
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return non_finite(where or "a number", value)
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and (err := _check_text(key, f"the key {path!r}")):
                return err
            if err := find_unsendable(item, path):
                return err
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if err := find_unsendable(item, f"{where}[{i}]"):
                return err
    return None


def non_finite(where: str, value: float) -> InvalidValueError:
    return InvalidValueError(
        f"{where} is {value!r}: JSON has no NaN or infinity, so the request cannot be sent. "
        "Pass a finite number (or leave the parameter out for its default).",
        parameter=where,
    )


def _check_text(text: str, where: str) -> InvalidValueError | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        at = exc.start
        around = text[max(0, at - 20) : at + 20]
        return InvalidValueError(
            f"{where} holds a lone surrogate {text[at]!r} at index {at} (around {around!r}), "
            "which is not valid Unicode and cannot be sent as UTF-8. It usually comes from "
            "bytes decoded with errors='surrogateescape' or half of a split emoji; clean "
            "the text first, e.g. text.encode('utf-8', 'replace').decode('utf-8').",
            parameter=where,
        )
    return None
