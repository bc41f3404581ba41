"""An answer with no text, sent back in the history, must not break the conversation
(issue 23, item 9): xAI refuses a message with no content element (400 "Each message
must have at least one content element.", shared/xai-api.md section 1.2 [V]), so
ChatGrok sends a placeholder the model can read, on both APIs."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_grok import ChatGrok
from langchain_grok._convert import EMPTY_ANSWER
from tests.langchain.apis import only_on

pytestmark = pytest.mark.enable_socket


def _assistant_contents(body: dict, api: str) -> list:
    if api == "chat":
        return [m["content"] for m in body["messages"] if m["role"] == "assistant"]
    return [i["content"] for i in body["input"] if i.get("role") == "assistant"]


def test_an_empty_answer_in_the_history_does_not_break_the_next_turn(emu, api,
                                                                    use_responses_api):
    llm = ChatGrok(use_responses_api=use_responses_api)
    emu.inject("empty_answer")  # the emulator answers empty only when a test asks
    first = llm.invoke([HumanMessage("Say 'hello'")])
    assert first.content == "" or first.content == []  # what the user saw: nothing
    history = [HumanMessage("Say 'hello'"), first, HumanMessage("Say 'still here'")]
    assert llm.invoke(history).content == "still here"
    # A history built by hand the same way (an AIMessage with no text) works too.
    by_hand = [HumanMessage("Say 'a'"), AIMessage(content=""), HumanMessage("Say 'b'")]
    assert llm.invoke(by_hand).content == "b"
    *_, second, third = only_on(emu, api)
    assert _assistant_contents(second.body, api) == [EMPTY_ANSWER]
    assert _assistant_contents(third.body, api) == [EMPTY_ANSWER]
