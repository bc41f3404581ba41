"""Fixtures for the emulator's own tests: raw httpx against the session emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.emulator.emulator_helpers import KEY


@pytest.fixture
def emu(emulator_session) -> Iterator:
    """The session emulator, cleared. (Overrides the root ``emu``, which also needs the client.)"""
    emulator_session.reset()
    yield emulator_session
    emulator_session.reset()


@pytest.fixture
def http(emu) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.base_url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        yield c


@pytest.fixture
def chat(http) -> Callable[..., httpx.Response]:
    """POST /chat/completions with one user message (or ``messages=``) and any fields."""

    def post(prompt: str | None = None, *, model: str = "grok-4.3", **fields):
        messages = fields.pop("messages", None) or [{"role": "user", "content": prompt}]
        headers = fields.pop("headers", None)
        return http.post(
            "/chat/completions",
            json={"model": model, "messages": messages, **fields},
            headers=headers,
        )

    return post
