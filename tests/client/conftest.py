"""Helpers for the client tests (the shared fixtures are in ``tests/conftest.py``)."""

from __future__ import annotations

import os

import pytest


def fault(spec: str) -> dict[str, str]:
    """Headers asking the emulator for one injected fault (``"reset_after_work"``...)."""
    return {"X-Emulator-Fault": spec}


@pytest.fixture
def api_key(emu) -> str:
    """The key the ``emu`` fixture put in the environment (``tests.conftest.TEST_API_KEY``)."""
    return os.environ["XAI_API_KEY"]


@pytest.fixture
def make_client(emu, api_key):
    """Build extra clients on the emulator (fast retries); closed at the end of the test."""
    from grok_jupyter.client import GrokClient

    made = []

    def make(**kw):
        kw.setdefault("retry_backoff", 0.01)
        c = GrokClient(api_key=kw.pop("api_key", api_key), base_url=emu.base_url, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
