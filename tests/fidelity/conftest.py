"""Fixtures for the fidelity tests: clients nobody here wrote, pointed at the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

FIDELITY_KEY = "xai-fidelity-test-key"


@pytest.fixture
def emu(emulator_session) -> Iterator:
    """The session emulator, cleared (the root ``emu`` also needs the project's client)."""
    emulator_session.reset()
    yield emulator_session
    emulator_session.reset()


@pytest.fixture
def client(emu):
    """The official openai SDK, pointed at the emulator (no retries: faults must show)."""
    with openai.OpenAI(base_url=emu.base_url, api_key=FIDELITY_KEY, max_retries=0) as c:
        yield c


@pytest.fixture
async def aclient(emu):
    async with openai.AsyncOpenAI(base_url=emu.base_url, api_key=FIDELITY_KEY, max_retries=0) as c:
        yield c
