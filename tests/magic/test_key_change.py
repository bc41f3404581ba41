"""Issue 23: a key or base URL corrected in ``os.environ`` is used by the next cell, no
restart; ``%grok config`` shows what will be sent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

RIGHT = "xai-the-right-key-Hq27"
WRONG = "xai-a-mistyped-key-Pw55"


@pytest.fixture
def strict_emu() -> Iterator[Any]:
    """An emulator that takes one key only, as the real API does."""
    from grok_jupyter.emulator import serve

    with serve(api_keys=[RIGHT]) as handle:
        yield handle


@pytest.fixture
def from_environment(ip, monkeypatch) -> Iterator[None]:
    """The shared client built from the environment, as in a user's kernel."""
    from grok_jupyter.client import set_client

    set_client(None)
    yield
    set_client(None)


def _config(ip) -> str:
    ip.ok("%grok config")
    return ip.plain()


def test_a_corrected_key_is_sent_by_the_next_cell(ip, strict_emu, monkeypatch,
                                                  from_environment) -> None:
    monkeypatch.setenv("XAI_API_KEY", WRONG)
    monkeypatch.setenv("XAI_BASE_URL", strict_emu.base_url)
    message = ip.fails('%%grok --no-history\nSay "hi"')
    assert "Check XAI_API_KEY" in message
    refused = len(strict_emu.requests)
    ip.ok(f'import os\nos.environ["XAI_API_KEY"] = "{RIGHT}"')
    (shown,) = [line for line in _config(ip).splitlines() if line.startswith("XAI_API_KEY")]
    assert shown.endswith(f"...{RIGHT[-2:]}')")  # the masked key the next request sends
    ip.ok('%%grok --no-history\nSay "hi"')  # refused with the old key: accepted now
    assert len(strict_emu.requests) > refused
    assert "hi" in ip.markdown()
    assert RIGHT not in ip.plain() + ip.markdown()


def test_a_corrected_base_url_is_used_by_the_next_cell(ip, strict_emu, monkeypatch,
                                                       from_environment) -> None:
    monkeypatch.setenv("XAI_API_KEY", RIGHT)
    monkeypatch.setenv("XAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    ip.ok("%config GrokMagics.confirm_over_usd = None")
    message = ip.fails('%%grok --no-history\nSay "hi"')
    assert "Check XAI_BASE_URL" in message
    os.environ["XAI_BASE_URL"] = strict_emu.base_url
    assert strict_emu.base_url in _config(ip)
    ip.ok('%%grok --no-history\nSay "hi"')
    assert strict_emu.requests
