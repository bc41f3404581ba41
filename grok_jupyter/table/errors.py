"""The typed errors of a table map (``map_rows``): bad input, the budget, a failed row."""

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
    (also in the cache), ``.row`` the failing row's index, ``__cause__`` the client's error."""

    def __init__(self, message: str, *, row: Any, result: Any) -> None:
        super().__init__(message)
        self.row = row
        self.result = result


def dollars(value: float) -> str:
    """USD for a message: four decimals, more when that would read $0.0000."""
    return f"${value:,.4f}" if value >= 0.0001 or not value else f"${value:.6f}"
