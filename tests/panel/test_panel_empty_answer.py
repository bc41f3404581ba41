"""An answer with no text never breaks the panel's chat (issue 23, item 9).

xAI refuses a message with no content element (400 "Each message must have at least
one content element.", shared/xai-api.md section 1.2 [V]); the emulator enforces it.
The panel shows the empty answer as it came, and a later turn sends a placeholder in
its place, on both APIs; a chat saved with an empty answer loads and goes on."""

from __future__ import annotations

import pytest

from grok_jupyter.client._types import Message
from grok_jupyter.notebook.chat_store import ChatStore
from grok_jupyter.notebook.conversation import Conversation
from grok_jupyter.notebook.turn import set_default_api
from grok_jupyter.notebook.turn.empty_answer import EMPTY_ANSWER
from tests.panel.panel_helpers import ask
from tests.wire import last_body, sent_items


def _assistants(body: dict) -> list:
    return [i["content"] for i in sent_items(body) if i.get("role") == "assistant"]


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_an_empty_answer_then_the_next_turn_works(emu, client, panels, api):
    set_default_api(api)
    panel = panels(f"t-empty-{api}", client=client)
    emu.inject("empty_answer")
    first = ask(panel, "Say 'hello'")
    assert first.error is None and first.text == ""
    # What the user saw is kept: an empty answer, not the placeholder.
    assert [m.text for m in panel.conversation.messages] == ["Say 'hello'", ""]
    second = ask(panel, "Say 'still here'")
    assert second.error is None and second.text == "still here"
    if api == "chat":  # chat resends the history: the placeholder stands in for the answer
        assert _assistants(last_body(emu)) == [EMPTY_ANSWER]
    assert "still here" in panel.history_html


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_chat_saved_with_an_empty_answer_loads_and_works(emu, client, panels, tmp_path, api):
    set_default_api(api)
    name = f"t-saved-empty-{api}"
    saved = Conversation(name)
    saved.append(Message.user("Say 'hello'"), Message.assistant(""))
    ChatStore(tmp_path).save(saved)  # a chat saved by a version that kept it as is
    panel = panels(name, client=client, chat_dir=tmp_path)
    assert [m.text for m in panel.conversation.messages] == ["Say 'hello'", ""]
    result = ask(panel, "Say 'after the restart'")
    assert result.error is None and result.text == "after the restart"
    assert _assistants(last_body(emu)) == [EMPTY_ANSWER]  # the history went, placeholder in it
    reloaded = ChatStore(tmp_path).load(name)
    assert [m.text for m in reloaded.messages][-2:] == ["Say 'after the restart'",
                                                        "after the restart"]
    assert reloaded.messages[1].text == ""  # the saved chat still shows what was seen
