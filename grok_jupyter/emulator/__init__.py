"""A local, faithful emulator of the xAI (Grok) REST API, for offline work and tests.

``with serve() as emu:`` runs it on 127.0.0.1 in a background thread; ``emu``
is the base URL and carries the test controls (recorded requests, faults,
rate limits). ``python -m grok_jupyter.emulator`` runs it in the foreground.
"""

from __future__ import annotations

from ._app import create_app
from ._faults import FAULTS, Fault
from ._server import EmulatorHandle, serve
from ._state import EmulatorState, RecordedRequest

__all__ = [
    "FAULTS",
    "EmulatorHandle",
    "EmulatorState",
    "Fault",
    "RecordedRequest",
    "create_app",
    "serve",
]
