"""What one ChatGrok call gives back and sends (issue 11 item 7, issue 12)."""

from __future__ import annotations

import asyncio
import sys

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.tools import tool

from grok_jupyter.client import InvalidRequestError, get_catalog, get_ledger
from grok_jupyter.emulator._model_rules import takes_chat
from langchain_grok import ChatGrok
from tests.langchain.apis import only_on

pytestmark = pytest.mark.enable_socket


def test_n_choices_all_come_back_from_generate(emu):
    # n > 1 keeps the automatic choice on chat: the Responses API returns one answer.
    llm = ChatGrok(model="grok-4.3", n=3)
    result = llm.generate([[HumanMessage("Say 'hi'")]])
    generations = result.generations[0]
    assert len(generations) == 3
    assert all(g.message.content == "hi" for g in generations)
    assert emu.chat_requests[-1].body["n"] == 3
    # a per-call n works the same way, async too
    result = asyncio.run(ChatGrok(model="grok-4.3").agenerate([[HumanMessage("hi")]], n=2))
    assert len(result.generations[0]) == 2


@pytest.mark.parametrize("how", ["stream", "astream", "streaming_invoke"])
def test_n_above_one_is_refused_on_a_stream_before_sending(emu, how):
    extra = {"streaming": True} if how == "streaming_invoke" else {}
    llm = ChatGrok(model="grok-4.3", n=2, **extra)
    with pytest.raises(InvalidRequestError, match=r"invoke\(\) or generate\(\)") as err:
        if how == "stream":
            list(llm.stream("hi"))
        elif how == "astream":

            async def drain():
                return [c async for c in llm.astream("hi")]

            asyncio.run(drain())
        else:
            llm.invoke("hi")
    assert isinstance(err.value, ValueError)
    assert emu.requests == []  # n > 1 keeps the automatic choice on chat, which refuses it


def test_cost_in_usd_on_invoke_and_on_the_last_stream_chunk(emu):
    llm = ChatGrok(model="grok-4.3")
    reply = llm.invoke("Tell me a short story.")
    record = get_ledger().records[-1]
    assert record.source == "langchain"
    assert reply.response_metadata["cost_usd"] == pytest.approx(record.cost_usd)
    assert reply.response_metadata["cost_usd"] > 0

    chunks = list(llm.stream("Tell me a short story."))
    record = get_ledger().records[-1]
    assert chunks[-1].response_metadata["cost_usd"] == pytest.approx(record.cost_usd)
    assert record.cost_usd > 0
    assert all("cost_usd" not in c.response_metadata for c in chunks[:-1])
    whole = sum(chunks[1:], chunks[0])
    assert isinstance(whole, AIMessageChunk)
    assert whole.response_metadata["cost_usd"] == pytest.approx(record.cost_usd)


def test_token_counts_need_no_transformers_and_match_the_bill(emu, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers fails
    llm = ChatGrok(model="grok-4.3")

    @tool
    def lookup(city: str) -> str:
        """Look a city up."""
        return city

    messages = [SystemMessage("Be brief."), HumanMessage("What is the capital of France?")]
    assert llm.get_num_tokens("Hello, world") == 3
    assert len(llm.get_token_ids("Hello, world")) == 3
    counted = llm.get_num_tokens_from_messages(messages)
    billed = llm.invoke(messages).usage_metadata["input_tokens"]
    assert counted == billed
    with_tools = llm.get_num_tokens_from_messages(messages, tools=[lookup])
    billed = llm.bind_tools([lookup]).invoke(messages).usage_metadata["input_tokens"]
    assert with_tools == billed > counted


def test_conversation_id_is_sent_on_every_request(emu, api, use_responses_api):
    llm = ChatGrok(
        model="grok-4.3", conversation_id="notebook-42", use_responses_api=use_responses_api
    )
    llm.invoke("one")
    list(llm.stream("two"))
    asyncio.run(llm.ainvoke("three"))
    llm.invoke("four", conversation_id="other")  # a call may name its own
    ids = [r.headers.get("x-grok-conv-id") for r in only_on(emu, api)]
    assert ids == ["notebook-42", "notebook-42", "notebook-42", "other"]
    ChatGrok(model="grok-4.3", use_responses_api=use_responses_api).invoke("none")
    sent = only_on(emu, api)
    assert "x-grok-conv-id" not in sent[-1].headers
    assert "conversation_id" not in sent[-2].body
    if api == "responses":  # and as the Responses API's own routing key
        keys = [r.body.get("prompt_cache_key") for r in sent]
        assert keys == ["notebook-42", "notebook-42", "notebook-42", "other", None]


def test_a_conversation_id_gets_cached_prompt_tokens(emu, api, use_responses_api):
    llm = ChatGrok(conversation_id="notebook-7", use_responses_api=use_responses_api)
    history = [HumanMessage("Here is a long shared preamble. " * 100 + "Say 'one'.")]
    first = llm.invoke(history)
    history += [first, HumanMessage("Say 'two'.")]
    second = llm.invoke(history)
    assert first.usage_metadata["input_token_details"]["cache_read"] == 0
    cached = second.usage_metadata["input_token_details"]["cache_read"]
    assert cached >= first.usage_metadata["input_tokens"] - 10
    assert len(only_on(emu, api)) == 2


@pytest.mark.parametrize("effort", ["none", "low", "medium", "high", "xhigh"])
def test_every_reasoning_effort_reaches_the_wire(emu, api, use_responses_api, effort):
    catalog = get_catalog()
    model = next(
        m.id
        for m in catalog.chat_models()
        if not m.retired and effort in catalog.accepted_efforts(m.id)
        and takes_chat(m)  # grok-4.20-multi-agent is Responses-only (xai-api-2026-09 §1)
    )
    ChatGrok(model=model, reasoning_effort=effort, use_responses_api=use_responses_api).invoke("hi")
    body = only_on(emu, api)[-1].body
    sent = body["reasoning"]["effort"] if api == "responses" else body["reasoning_effort"]
    assert sent == effort
