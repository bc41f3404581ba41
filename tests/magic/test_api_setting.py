"""``GrokMagics.api``: "auto" (the default) takes plain turns to the Responses API,
"chat" to Chat Completions; the setting is process-wide and the chat panel follows it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.panel.panel_helpers import ask, closing_panels
from tests.wire import CHAT, RESPONSES, turn_requests


@pytest.fixture
def panels(monkeypatch) -> Iterator[Callable[..., Any]]:
    """ChatPanels on a recording comm (as tests/panel's fixture makes them), closed after."""
    import comm

    from grok_jupyter import ChatPanel
    from tests.panel.conftest import RecordingComm

    monkeypatch.setattr(RecordingComm, "log", [])
    monkeypatch.setattr(comm, "create_comm", lambda *a, **kw: RecordingComm(*a, **kw))
    with closing_panels(ChatPanel) as make:
        yield make


def test_the_chat_setting_takes_magic_and_panel_turns_to_chat_completions(ip, emu, panels):
    panel = panels("api-setting")
    ip.ok('%%grok\nSay "one"')
    assert ask(panel, "Say 'two'").api == "responses"
    assert [r.path for r in turn_requests(emu)] == [RESPONSES, RESPONSES]  # the default

    ip.ok('%config GrokMagics.api = "chat"')
    ip.ok('%%grok\nSay "three"')
    assert "three" in ip.markdown()
    result = ask(panel, "Say 'four'")  # the panel follows the magic's setting
    assert result.ok and result.api == "chat" and "four" in result.text
    assert [r.path for r in turn_requests(emu)][2:] == [CHAT, CHAT]
    assert emu.chat_requests[-1].body["messages"][-1] == {"role": "user", "content": "Say 'four'"}

    ip.ok('%config GrokMagics.api = "auto"')
    assert ask(panel, "Say 'five'").api == "responses"
    assert turn_requests(emu)[-1].path == RESPONSES


def test_a_bad_api_setting_is_refused_when_made(ip, emu):
    ip.run('%config GrokMagics.api = "legacy"')
    assert ip.magics.api == "auto"
    ip.ok('%%grok\nSay "still the default"')
    assert turn_requests(emu)[-1].path == RESPONSES
