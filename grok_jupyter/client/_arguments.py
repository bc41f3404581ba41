"""Checks of plain arguments (a text, a count, seconds, a file name, ``metadata``).

What every public method checks before it builds a request, so a wrong type, a
NaN or a negative number is an ``InvalidValueError`` naming the argument and
what it takes, never a ``TypeError`` from deep inside, a ``time.sleep`` error
after a request went out, or a server's 422 that cost a round trip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._encode import find_unsendable
from ._errors import InvalidValueError


def _kind(value: Any) -> str:
    return type(value).__name__


def check_text(value: Any, name: str, *, example: str = "", allow_empty: bool = True) -> str:
    """``value`` if it is a ``str`` that UTF-8 can carry (and not blank, unless allowed)."""
    if not isinstance(value, str):
        hint = f", e.g. {example}" if example else ""
        raise InvalidValueError(f"{name} must be a string{hint}, not {_kind(value)}.",
                                parameter=name)
    if not allow_empty and not value.strip():
        raise InvalidValueError(f"{name} must not be empty.", parameter=name)
    problem = find_unsendable(value, name)
    if problem is not None:
        raise problem
    return value


def check_count(value: Any, name: str, *, low: int = 1, high: int | None = None) -> int:
    """``value`` if it is an ``int`` (not a bool) from ``low`` to ``high``."""
    bounds = f"from {low} to {high}" if high is not None else f">= {low}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(
            f"{name} must be an integer {bounds}, not {value!r}.", parameter=name
        )
    if value < low or (high is not None and value > high):
        raise InvalidValueError(
            f"{name}={value} is out of range: it takes an integer {bounds}.", parameter=name
        )
    return value


def check_seconds(value: Any, name: str, *, allow_zero: bool = True) -> float:
    """``value`` as a finite number of seconds (>= 0, or > 0 when ``allow_zero`` is False)."""
    at_least = ">= 0" if allow_zero else "> 0"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(
            f"{name} must be a number of seconds {at_least}, not {value!r}.", parameter=name
        )
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InvalidValueError(
            f"{name} must be a finite number of seconds {at_least}, not {value!r}.",
            parameter=name,
        )
    return float(value)


def header_shape_problem(value: Any, name: str) -> str | None:
    """Why ``value`` (not None) is no dict of header names to values, or None if it is one.
    Shared with the MCP tool's ``headers`` (``_server_tools``), which raise their own type."""
    if not isinstance(value, Mapping):
        return (
            f"{name} must be a dict of header names to values, e.g. {{'X-Team': 'data'}}, "
            f"not {_kind(value)}."
        )
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            return (
                f"{name}: every header name and value must be a string, not {key!r}: "
                f"{_kind(item)}."
            )
    return None


def check_headers(value: Any, name: str = "headers") -> dict[str, str] | None:
    """Extra HTTP headers: a dict of strings (no CR or LF, which would end the header)."""
    if value is None:
        return None
    problem = header_shape_problem(value, name)
    if problem is not None:
        raise InvalidValueError(problem, parameter=name)
    for key, item in value.items():
        if any(ch in key + item for ch in "\r\n\0"):
            raise InvalidValueError(
                f"{name}: the header {key!r} holds a line break or NUL; remove it.",
                parameter=name,
            )
    return dict(value)


def check_filename(value: Any) -> str:
    """An upload's ``filename``: text with no control characters (it goes into a multipart
    header) and no lone surrogate (UTF-8 cannot carry it)."""
    name = check_text(value, "filename", example="'report.pdf'")
    bad = next((ch for ch in name if ord(ch) < 32 or ord(ch) == 127), None)
    if bad is not None:
        raise InvalidValueError(
            f"filename {name!r} holds the control character {bad!r}; use a plain file name "
            "such as 'report.pdf'.",
            parameter="filename",
        )
    return name


def check_metadata(body: Mapping[str, Any]) -> None:
    """``metadata`` in a request body is a JSON object (xai-api-2026.md section 2.1 [V]: "object");
    a string or a list is refused, as the server cannot read it as one."""
    metadata = body.get("metadata")
    if metadata is None or isinstance(metadata, Mapping):
        if metadata:
            for key in metadata:
                if not isinstance(key, str):
                    raise InvalidValueError(
                        f"metadata keys must be strings, not {key!r} ({_kind(key)}).",
                        parameter="metadata",
                    )
        return
    raise InvalidValueError(
        f"metadata must be a dict of string keys to string values, e.g. "
        f"metadata={{'project': 'q3-report'}}, not {_kind(metadata)} {metadata!r:.60}.",
        parameter="metadata",
    )
