"""Issue 20 in ChatGrok: with ``use_previous_response_id=True`` a conversation whose next
prompt would reach the long-context tier is compacted first, and the answer says so in
``response_metadata["compaction"]`` (real HTTP against the emulator)."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import BaseMessage, HumanMessage

from langchain_grok import ChatGrok
from tests.langchain.chunks import joined
from tests.long_chats import FIRST, MODEL, SECOND, posts, texts

pytestmark = pytest.mark.enable_socket


@pytest.fixture
def llm(emu):
    with ChatGrok(
        model=MODEL, base_url=emu.base_url, api_key="xai-test-key-1234567890",
        use_responses_api=True, use_previous_response_id=True, conversation_id="lc-long",
    ) as model:  # fmt: skip
        yield model


def test_a_chained_call_that_would_reach_the_tier_compacts_first(emu, llm):
    history: list[BaseMessage] = [HumanMessage(FIRST)]
    first = llm.invoke(history)
    assert "compaction" not in first.response_metadata
    history += [first, HumanMessage(SECOND)]
    second = llm.invoke(history)

    note = second.response_metadata["compaction"]
    assert 110_000 < note["tokens_before"] < 111_000
    assert note["tokens_after"] == round(note["tokens_before"] / 100)
    assert note["cost_usd"] > 0
    [compact] = posts(emu, "/v1/responses/compact")
    assert texts(compact["input"]) == [FIRST, first.content]
    sent = posts(emu)[-1]
    assert "previous_response_id" not in sent
    assert sent["input"][0]["type"] == "compaction" and texts(sent["input"][1:]) == [SECOND]
    assert second.content == "Your name is Zorblax."
    assert second.usage_metadata["input_tokens"] < 120_000

    # The next call chains on the compacted answer: nothing more to compact.
    history += [second, HumanMessage("What is my name?")]
    third = llm.invoke(history)
    assert "compaction" not in third.response_metadata
    assert posts(emu)[-1]["previous_response_id"] == second.response_metadata["id"]
    assert len(posts(emu, "/v1/responses/compact")) == 1
    assert third.content == "Your name is Zorblax."


def test_a_streamed_call_reports_the_compaction_too(emu, llm):
    history: list[BaseMessage] = [HumanMessage(FIRST)]
    first = joined(llm.stream(history))
    history += [first, HumanMessage(SECOND)]
    second = joined(llm.stream(history))
    assert second.response_metadata["compaction"]["tokens_after"] > 0
    assert second.content == "Your name is Zorblax."


def test_async_calls_compact_as_well(emu, llm):
    async def run() -> BaseMessage:
        history: list[BaseMessage] = [HumanMessage(FIRST)]
        first = await llm.ainvoke(history)
        history += [first, HumanMessage(SECOND)]
        return await llm.ainvoke(history)

    second = asyncio.run(run())
    assert second.response_metadata["compaction"]["tokens_after"] > 0
    assert posts(emu)[-1]["input"][0]["type"] == "compaction"


def test_a_failed_compaction_leaves_the_call_chained(emu, llm):
    history: list[BaseMessage] = [HumanMessage(FIRST)]
    first = llm.invoke(history)
    history += [first, HumanMessage(SECOND)]
    emu.inject("server_error", times=3)  # the compaction request and its two retries
    second = llm.invoke(history)
    assert second.response_metadata["compaction"]["failed"]
    assert posts(emu)[-1]["previous_response_id"] == first.response_metadata["id"]
    assert second.usage_metadata["input_tokens"] >= 200_000
