"""Fixtures for the fidelity tests: clients nobody here wrote, pointed at the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def emu(emulator_session) -> Iterator:
    """The session emulator, cleared (the root ``emu`` also needs the project's client)."""
    emulator_session.reset()
    yield emulator_session
    emulator_session.reset()
