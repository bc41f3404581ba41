"""The typed errors of a table map (``map_rows``): bad input, the budget, a failed row,
a refused API key, an unusable cache."""

from __future__ import annotations

from typing import Any

from ..client._errors import GrokError, InvalidRequestError


class MapInputError(InvalidRequestError):
    """The table, template, schema or options cannot be mapped; nothing was sent."""


class MapBudgetError(InvalidRequestError):
    """The map's estimated cost exceeds ``budget_usd``; nothing was sent."""

    def __init__(self, message: str, *, estimate_usd: float, budget_usd: float) -> None:
        super().__init__(message)
        self.estimate_usd = estimate_usd
        self.budget_usd = budget_usd


class MapRowError(GrokError):
    """A row failed with ``on_error="raise"``; ``.result`` holds the rows finished so far
    (also in the cache), ``.row`` the failing row's index, ``.reason`` what went wrong,
    ``__cause__`` the client's error."""

    def __init__(self, message: str, *, row: Any, result: Any, reason: str = "") -> None:
        super().__init__(message)
        self.row = row
        self.result = result
        self.reason = reason or message


class MapAuthError(MapRowError):
    """The API refused the key or the account (401, 403): the map stopped at the first
    such answer and sent no other row. ``.result`` holds the rows done before it."""


class MapCacheError(GrokError):
    """The map's SQLite cache cannot be opened, read or written (corrupt, locked, disk
    full, unwritable): ``.path`` names the file. Raised before anything is sent when the
    cache cannot be opened; mid-map, the map stops sending and ``.result`` holds every
    row done (their answers are in the table even where the cache could not keep them)."""

    def __init__(self, message: str, *, path: str, result: Any = None) -> None:
        super().__init__(message)
        self.path = path
        self.result = result


def row_error_message(row: Any, reason: str, done: int) -> str:
    """``MapRowError``'s text: the failing row, why, and where the ``done`` rows are."""
    return (
        f"Row {row!r} failed: {reason}. The {done:,} rows done are in .result and in the "
        "cache; on_error='keep' maps the other rows anyway."
    )


def auth_error_message(reason: str, done: int) -> str:
    """``MapAuthError``'s text: a refused key does not get better, so say how to fix it."""
    return (
        f"The API refused the request ({reason}). The map stopped at the first refusal and "
        "sent no other row: check XAI_API_KEY (a key from https://console.x.ai, with "
        "credits and access to the model) or the api_key of the client you passed, then run "
        f"the same call again. The {done:,} rows done are in .result and in the cache."
    )


def dollars(value: float) -> str:
    """USD for a message: four decimals, more when that would read $0.0000."""
    return f"${value:,.4f}" if value >= 0.0001 or not value else f"${value:.6f}"
