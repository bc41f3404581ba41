"""Shared fixtures: one emulator per test session on 127.0.0.1, real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# A recognisable fake key: tests scan outputs for it to prove it never leaks.
TEST_API_KEY = "xai-emulator-test-key-7Qk9"

# Chats are saved after every turn (notebook/chat_store.py). Off for the test run, so no test
# (nor a kernel a test starts, which inherits this) writes into the working tree or sees
# another test's chats; the chat-store tests set their own folder.
os.environ.setdefault("GROK_JUPYTER_CHAT_DIR", "off")


@pytest.fixture(scope="session")
def emulator_session() -> Iterator:
    from grok_jupyter.emulator import serve

    with serve() as handle:
        yield handle


@pytest.fixture
def emu(emulator_session, monkeypatch):
    """The session's emulator, with its records and queued faults cleared.

    The environment points every default client (and kernels started by the
    test) at it, as a user's would after ``%grok emulator``.
    """
    emulator_session.reset()
    # reset() forgets the emulator's files; the upload cache (per base URL and key) must too.
    from grok_jupyter.notebook.attach_files import forget_uploads

    forget_uploads()
    monkeypatch.setenv("XAI_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("XAI_BASE_URL", emulator_session.base_url)
    from grok_jupyter import client as client_module

    client_module.set_client(None)
    client_module.set_async_client(None)
    yield emulator_session
    client_module.set_client(None)
    client_module.set_async_client(None)
    emulator_session.reset()


@pytest.fixture(autouse=True)
def default_api() -> Iterator[None]:
    """Every test starts on the default API ("auto"), whatever the one before set.

    ``%config GrokMagics.api`` (and ``set_default_api``) is process-wide and the chat
    panel follows it, so a test's setting must not leak into the next test.
    """
    from grok_jupyter.notebook.turn.routing import set_default_api

    set_default_api("auto")
    yield
    set_default_api("auto")


@pytest.fixture
def client(emu):
    from grok_jupyter.client import GrokClient

    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, retry_backoff=0.01) as c:
        yield c


@pytest.fixture
async def aclient(emu):
    from grok_jupyter.client import AsyncGrokClient

    async with AsyncGrokClient(
        api_key=TEST_API_KEY, base_url=emu.base_url, retry_backoff=0.01
    ) as c:
        yield c


def pytest_collection_modifyitems(config, items):
    # Live tests need a real key and the real endpoint; refuse to run them against the emulator.
    if os.environ.get("XAI_BASE_URL"):
        skip = pytest.mark.skip(reason="live tests run only without XAI_BASE_URL")
        for item in items:
            if "live" in item.keywords:
                item.add_marker(skip)
