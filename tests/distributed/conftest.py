"""An emulator in its own process, as a cluster's workers would reach a real API.

The workers of a ``LocalCluster`` or of ``ray.init`` are separate processes;
an emulator thread inside the test process would work too, but a separate
process is what proves nothing rides on shared memory. Its billing counter
(``GET /_emulator/billing``) is the independent figure a merged ledger must match.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from grok_jupyter.client import UsageLedger
from grok_jupyter.client._catalog import USD_TICKS_PER_USD

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class EmulatorProcess:
    base_url: str  # "http://127.0.0.1:PORT/v1"
    process: subprocess.Popen

    @property
    def _admin(self) -> str:
        return self.base_url.removesuffix("/v1") + "/_emulator"

    def billed(self) -> dict[str, int]:
        """``{"ticks": ..., "calls": ...}`` the emulator billed since the last reset."""
        return httpx.get(self._admin + "/billing", timeout=10).json()

    def requests(self) -> list[dict[str, Any]]:
        return httpx.get(self._admin + "/requests", timeout=10).json()

    def reset(self) -> None:
        httpx.post(self._admin + "/reset", timeout=10).raise_for_status()


def ledger_ticks(ledger: UsageLedger) -> int:
    """The ledger's total in the API's unit (1e-10 USD), as the emulator counts it."""
    return round(ledger.total().cost_usd * USD_TICKS_PER_USD)


@contextmanager
def _emulator(log: Path, *args: str) -> Iterator[EmulatorProcess]:
    """``python -m grok_jupyter.emulator --port 0 ARGS`` in its own process."""
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "grok_jupyter.emulator", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=ROOT,
        )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("XAI_BASE_URL="):
            raise RuntimeError(f"the emulator did not start: {line!r}; see {log}")
        # Keep reading its stdout so a chatty server can never block on a full pipe.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        yield EmulatorProcess(line.strip().partition("=")[2], proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory) -> Iterator[EmulatorProcess]:
    with _emulator(tmp_path_factory.mktemp("emulator") / "stderr.log") as emu:
        yield emu


LIMIT_RPM, ANSWER_S = 1200, 0.5


@pytest.fixture(scope="session")
def limited_emulator_process(tmp_path_factory) -> Iterator[EmulatorProcess]:
    """An account limited to 1,200 requests a minute (a smooth bucket of 20 refilled at 20
    a second) whose answers take half a second: where the workers must share one pace."""
    log = tmp_path_factory.mktemp("limited-emulator") / "stderr.log"
    with _emulator(log, "--rpm", str(LIMIT_RPM), "--rate-window", "smooth",
                   "--speed", f"answer_s={ANSWER_S}") as emu:  # fmt: skip
        yield emu


def chat_requests(emu: EmulatorProcess) -> int:
    """Chat requests the emulator received (429s included) since its last reset."""
    return sum(1 for r in emu.requests() if r["path"].endswith("/chat/completions"))


@pytest.fixture(scope="module")
def worker_env(emulator_process, tmp_path_factory) -> Iterator[dict[str, str]]:
    """The environment cluster workers start with: a key of their own, an empty cache.

    ``XAI_BASE_URL`` is deliberately absent: the URL reaches the workers through
    the driver client's settings, as the key must not.
    """
    from tests.conftest import TEST_API_KEY

    cache = tmp_path_factory.mktemp("grok-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XAI_API_KEY", TEST_API_KEY)
        mp.delenv("XAI_BASE_URL", raising=False)
        mp.setenv("GROK_JUPYTER_CACHE_DIR", str(cache))
        yield dict(os.environ)
