"""The agent's own record of the steps it ran in this kernel.

IPython's history does not hold the agent's steps (they run inside the agent's cell),
so the cells tool reads them from here: what ran, how it ended, and its output summary.
Kept in memory for this kernel only; the named conversation keeps them for good.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

_MAX_KEPT = 50


@dataclass(frozen=True)
class StepRecord:
    code: str
    status: str  # "ok", "failed", "timed out after N s", "skipped", "interrupted"
    summary: str  # what was sent back to Grok


_lock = threading.Lock()
_steps: list[StepRecord] = []


def remember(step: StepRecord) -> None:
    with _lock:
        _steps.append(step)
        del _steps[:-_MAX_KEPT]


def recent(n: int) -> list[StepRecord]:
    with _lock:
        return list(_steps[-n:]) if n > 0 else []
