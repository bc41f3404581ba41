"""``--reasoning-effort``: the values the API knows, checked against the chosen model."""

from __future__ import annotations

from .messages import fail

REASONING_EFFORTS = ("none", "low", "medium", "high", "xhigh")


def checked_effort(model: str | None, effort: str) -> str:
    """``effort``, refused here only where the catalogue marks the rejection [V]."""
    from ..client._catalog import get_catalog

    catalog = get_catalog()
    name = model or catalog.default_chat_model
    if not catalog.must_refuse_effort(name, effort):
        return effort  # accepted, or [U]: send it and let the server answer
    accepted = catalog.accepted_efforts(name)
    default = catalog.default_effort(name)
    takes = (f"it takes {', '.join(accepted)} (default {default or 'none'})" if accepted
             else "it takes no reasoning effort; drop --reasoning-effort")
    raise fail(f"--reasoning-effort {effort}: {name} refuses it; {takes}.")
