"""One user turn, whatever the front end and whatever the API.

``run_turn(TurnRequest(...), client=..., conversation=..., observer=...)`` is the
only place a turn is run: the magic, the panel and ``%grok fix`` differ only in
their ``TurnObserver``. The engine picks the API (``routing.choose_api``).
"""

from .engine import run_turn
from .guard import CostGuardError
from .routing import choose_api, default_api, set_default_api
from .server_activity import describe_call
from .types import (
    RUNNING_TOOLS,
    STREAMING,
    WAITING,
    RoundOutcome,
    StopSignal,
    TurnObserver,
    TurnRequest,
    TurnResult,
)

__all__ = [
    "RUNNING_TOOLS",
    "STREAMING",
    "WAITING",
    "CostGuardError",
    "RoundOutcome",
    "StopSignal",
    "TurnObserver",
    "TurnRequest",
    "TurnResult",
    "choose_api",
    "default_api",
    "describe_call",
    "run_turn",
    "set_default_api",
]
