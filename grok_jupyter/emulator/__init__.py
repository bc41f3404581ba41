"""A local, faithful emulator of the xAI (Grok) REST API, for offline work and tests.

``with serve() as emu:`` runs it on 127.0.0.1 in a background thread; ``emu``
is the base URL and carries the test controls (recorded requests, faults,
rate limits). ``start(if_no_key=True)`` runs one for the whole process and
points ``XAI_BASE_URL`` and the default clients at it (a notebook's first
cell). ``python -m grok_jupyter.emulator`` runs it in the foreground.

Names load on first use (PEP 562), so ``--help`` and plain imports stay cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app
    from ._faults import FAULTS, Fault
    from ._server import EmulatorHandle, serve
    from ._session import running_url, start, stop
    from ._state import EmulatorState, RecordedRequest

_WHERE = {
    "FAULTS": "._faults",
    "EmulatorHandle": "._server",
    "EmulatorState": "._state",
    "Fault": "._faults",
    "RecordedRequest": "._state",
    "create_app": "._app",
    "running_url": "._session",
    "serve": "._server",
    "start": "._session",
    "stop": "._session",
}

__all__ = [
    "FAULTS",
    "EmulatorHandle",
    "EmulatorState",
    "Fault",
    "RecordedRequest",
    "create_app",
    "running_url",
    "serve",
    "start",
    "stop",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
