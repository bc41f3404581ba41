"""ChatGrok end to end against the emulator: what a LangChain user sees.

Tests that take the ``api`` fixture run twice: over /v1/responses (the
automatic choice for current models) and over chat completions
(``use_responses_api=False``); see tests/langchain/apis.py.
"""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from PIL import Image
from pydantic import BaseModel
from typing_extensions import TypedDict

from grok_jupyter import client as client_module
from grok_jupyter.client import (
    AsyncGrokClient,
    GrokClient,
    UnsupportedParameterError,
    get_ledger,
)
from langchain_grok import ChatGrok
from tests.langchain.apis import USE_RESPONSES_API, only_on

pytestmark = pytest.mark.enable_socket


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return {"Paris": "sunny, 21 C", "London": "rain, 14 C"}.get(city, "unknown")


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class Person(BaseModel):
    name: str
    age: int


class PersonDict(TypedDict):
    name: str
    age: int


class TokenCounter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


def run_agent(llm_with_tools: Any, question: str, tools: dict[str, Any]) -> tuple[AIMessage, list]:
    """A LangGraph-free agent loop: call tools until the model answers."""
    messages: list = [HumanMessage(question)]
    for _ in range(5):
        reply = llm_with_tools.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return reply, messages
        messages.extend(tools[tc["name"]].invoke(tc) for tc in reply.tool_calls)
    raise AssertionError("the agent did not finish")


def test_agent_loop_with_parallel_calls(emu, api, use_responses_api):
    llm = ChatGrok(use_responses_api=use_responses_api).bind_tools([get_weather, add])
    answer, messages = run_agent(
        llm,
        "What is the weather in 'Paris' and 'London'? Use get_weather for each.",
        {"get_weather": get_weather, "add": add},
    )
    first = messages[1]
    assert [tc["args"] for tc in first.tool_calls] == [{"city": "Paris"}, {"city": "London"}]
    assert [type(m) for m in messages[2:4]] == [ToolMessage, ToolMessage]
    assert "sunny, 21 C" in answer.content and "rain, 14 C" in answer.content
    ids = [tc["id"] for tc in first.tool_calls]
    if api == "responses":
        # the tool-calling turn went back as function_call items, results as their outputs
        sent = only_on(emu, api)[-1].body["input"]
        assert [i["call_id"] for i in sent if i.get("type") == "function_call"] == ids
        outputs = [i for i in sent if i.get("type") == "function_call_output"]
        assert [i["call_id"] for i in outputs] == ids
        assert [i["output"] for i in outputs] == ["sunny, 21 C", "rain, 14 C"]
        return
    # the turn that only called tools went back as content "" (null makes xAI answer 400)
    sent = only_on(emu, api)[-1].body["messages"]
    assert sent[1]["role"] == "assistant"
    assert sent[1]["content"] == ""
    assert [c["id"] for c in sent[1]["tool_calls"]] == ids
    assert [m["tool_call_id"] for m in sent[2:4]] == ids


def test_agent_loop_several_turns(emu, api, use_responses_api):
    llm = ChatGrok(use_responses_api=use_responses_api).bind_tools([add])
    messages: list = [HumanMessage("Use the add tool: add(2, 3)")]
    for question in (None, "Now use the add tool: add(40, 2)"):
        if question:
            messages.append(HumanMessage(question))
        reply = llm.invoke(messages)
        messages.append(reply)
        messages.extend(add.invoke(tc) for tc in reply.tool_calls)
        messages.append(llm.invoke(messages))
    results = [m.content for m in messages if isinstance(m, ToolMessage)]
    assert results == ["5", "42"]
    assert len(only_on(emu, api)) == 4


def test_tool_choice_forces_a_named_tool(emu, api, use_responses_api):
    llm = ChatGrok(use_responses_api=use_responses_api)
    reply = llm.bind_tools([get_weather, add], tool_choice="add").invoke("Hello!")
    assert [tc["name"] for tc in reply.tool_calls] == ["add"]
    assert only_on(emu, api)[-1].body["tool_choice"] == (
        {"type": "function", "name": "add"}  # the Responses API's flat form
        if api == "responses"
        else {"type": "function", "function": {"name": "add"}}
    )


def test_parallel_tool_calls_false_limits_to_one(emu, api, use_responses_api):
    llm = ChatGrok(use_responses_api=use_responses_api)
    llm = llm.bind_tools([get_weather], parallel_tool_calls=False)
    reply = llm.invoke("What is the weather in 'Paris' and 'London'? Use get_weather for each.")
    assert len(reply.tool_calls) == 1
    assert only_on(emu, api)[-1].body["parallel_tool_calls"] is False


def test_streamed_tool_calls_aggregate(emu, api, use_responses_api):
    llm = ChatGrok(use_responses_api=use_responses_api).bind_tools([get_weather])
    chunks = list(
        llm.stream("What is the weather in 'Paris' and 'London'? Use get_weather for each.")
    )
    indexed = [tc["index"] for c in chunks for tc in c.tool_call_chunks]
    # Two distinct calls in order; on chat they follow grok-4.3's streamed reasoning, which
    # holds content index 0 in the v1 view, so they are numbered after it.
    assert len(set(indexed)) == 2 and indexed == sorted(indexed)
    assert indexed[0] in (0, 1)
    full = sum(chunks[1:], chunks[0])
    assert [tc["args"]["city"] for tc in full.tool_calls] == ["Paris", "London"]
    assert full.response_metadata["finish_reason"] == "tool_calls"  # on Responses too
    assert only_on(emu, api)


def test_lcel_chain_streams_tokens_with_callbacks(emu, api, use_responses_api):
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are terse."), ("human", "Write {n} words about the sea.")]
    )
    chain = prompt | ChatGrok(use_responses_api=use_responses_api) | StrOutputParser()
    counter = TokenCounter()
    pieces = list(chain.stream({"n": 12}, config={"callbacks": [counter]}))
    text = "".join(pieces)
    assert len(text.split()) == 12
    assert len(pieces) > 5  # token by token, not one block
    # one on_llm_new_token per streamed chunk, none doubled
    assert "".join(counter.tokens) == text
    body = only_on(emu, api)[-1].body
    sent = body["input"] if api == "responses" else body["messages"]
    assert sent[0] == {"role": "system", "content": "You are terse."}


# Current models return reasoning text only over /v1/responses (xai-api-2026.md
# §2.7 item 8; on chat only retired models sent reasoning_content, xai-api.md §2).
REASONING = {"model": "grok-4.3", "reasoning_effort": "high"}


@pytest.mark.parametrize("use_responses_api", [False, True], ids=["chat", "responses"])
def test_usage_on_exactly_one_stream_chunk_and_it_adds_up(emu, use_responses_api):
    llm = ChatGrok(**REASONING, use_responses_api=use_responses_api)
    chunks = list(llm.stream("Write 10 words."))
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1
    usage = with_usage[0].usage_metadata
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["output_token_details"]["reasoning"] > 0
    last = chunks[-1]
    assert last.chunk_position == "last"
    assert last.response_metadata["finish_reason"] == "stop"
    assert last.response_metadata["model_provider"] == "xai"
    assert emu.requests[-1].path == (
        "/v1/responses" if use_responses_api else "/v1/chat/completions"
    )


def test_streamed_reasoning_summary_aggregates_before_the_text(emu):
    chunks = list(ChatGrok(**REASONING, use_responses_api=True).stream("Write 10 words."))
    full = sum(chunks[1:], chunks[0])
    assert full.additional_kwargs["reasoning_content"].startswith("The user wrote")
    assert [b["type"] for b in full.content_blocks] == ["reasoning", "text"]
    assert emu.requests[-1].body["reasoning"] == {"effort": "high"}


def test_stream_usage_off_sends_no_usage(emu):
    # Chat only: a chat stream carries usage only when asked (stream_options); a
    # Responses stream always ends with the whole response, usage included.
    chunks = list(ChatGrok(stream_usage=False, use_responses_api=False).stream("Write 3 words."))
    assert not any(c.usage_metadata for c in chunks)
    body = emu.chat_requests[-1].body
    assert body.get("stream_options", {}).get("include_usage", False) is False


def test_invoke_metadata_resolves_aliases(emu, api, use_responses_api):
    msg = ChatGrok(model="grok-4.20", use_responses_api=use_responses_api).invoke("hi")
    assert msg.response_metadata["model_name"] == "grok-4.20-0309-reasoning"
    assert msg.response_metadata["system_fingerprint"].startswith("fp_")
    assert only_on(emu, api)[-1].body["model"] == "grok-4.20"


def test_output_version_v1_gives_reasoning_blocks(emu):
    llm = ChatGrok(**REASONING, use_responses_api=True, output_version="v1")
    msg = llm.invoke("hi")
    assert [b["type"] for b in msg.content] == ["reasoning", "text"]
    assert msg.content[0]["reasoning"].startswith("The user wrote")


def test_batch_and_abatch_with_max_concurrency(emu, api, use_responses_api):
    llm = ChatGrok(use_responses_api=use_responses_api)
    prompts = [f"Say 'reply {i}'" for i in range(6)]
    results = llm.batch(prompts, config={"max_concurrency": 2})
    assert [r.content for r in results] == [f"reply {i}" for i in range(6)]
    results = asyncio.run(llm.abatch(prompts, config={"max_concurrency": 3}))
    assert [r.content for r in results] == [f"reply {i}" for i in range(6)]
    assert len(only_on(emu, api)) == 12


async def test_async_stream_and_callbacks(emu, api, use_responses_api):
    class Counter(AsyncCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []

        async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            self.tokens.append(token)

    counter = Counter()
    llm = ChatGrok(use_responses_api=use_responses_api)
    chunks = [c async for c in llm.astream("Write 8 words.", config={"callbacks": [counter]})]
    text = "".join(c.content for c in chunks)
    assert len(text.split()) == 8
    assert "".join(counter.tokens) == text
    assert only_on(emu, api)


def test_chain_usage_lands_in_the_shared_ledger(emu, api, use_responses_api):
    ledger = get_ledger()
    before = len(ledger.records)
    llm = ChatGrok(use_responses_api=use_responses_api)
    chain = ChatPromptTemplate.from_template("Write {n} words.") | llm | StrOutputParser()
    chain.invoke({"n": 4})
    "".join(chain.stream({"n": 4}))
    mine = ledger.records[before:]
    assert [r.source for r in mine] == ["langchain", "langchain"]
    assert all(r.prompt_tokens > 0 and r.completion_tokens > 0 for r in mine)
    assert len(only_on(emu, api)) == 2


def test_client_validation_errors_reach_the_user_unchanged(emu):
    llm = ChatGrok(model="grok-4.5", presence_penalty=0.5)  # a [V] rejection (§4.3)
    with pytest.raises(UnsupportedParameterError, match="presence_penalty"):
        llm.invoke("hi")
    with pytest.raises(UnsupportedParameterError):
        list(llm.stream("hi"))
    assert emu.requests == []  # refused before any money was spent, on either API


@pytest.mark.parametrize("schema", [Person, PersonDict, Person.model_json_schema()])
@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output(emu, api, use_responses_api, schema, method):
    llm = ChatGrok(use_responses_api=use_responses_api)
    result = llm.with_structured_output(schema, method=method).invoke(
        "Ada Lovelace is 36 years old."
    )
    as_dict = result.model_dump() if isinstance(result, BaseModel) else result
    assert as_dict == {"name": "Ada Lovelace", "age": 36}
    assert only_on(emu, api)


def test_structured_output_include_raw(emu):
    out = ChatGrok().with_structured_output(Person, include_raw=True).invoke("Ada is 36.")
    assert isinstance(out["raw"], AIMessage)
    assert out["parsed"] == Person(name="Ada", age=36)
    assert out["parsing_error"] is None


def png_base64(size: tuple[int, int], colour: tuple[int, int, int]) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize("form", ["data_url", "base64_block", "v0_block"])
def test_vision_with_images_we_make(emu, api, use_responses_api, form):
    data = png_base64((64, 48), (30, 60, 210))
    block = {
        "data_url": {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}},
        "base64_block": {"type": "image", "base64": data, "mime_type": "image/png"},
        "v0_block": {
            "type": "image",
            "source_type": "base64",
            "data": data,
            "mime_type": "image/png",
        },
    }[form]
    msg = ChatGrok(use_responses_api=use_responses_api).invoke(
        [HumanMessage([{"type": "text", "text": "Describe this image."}, block])]
    )
    assert "PNG" in msg.content and "64 × 48" in msg.content and "blue" in msg.content
    assert msg.usage_metadata["input_tokens"] > 0
    assert only_on(emu, api)


def test_message_name_and_system_prompt_go_out_right(emu):
    # Chat only: xAI documents ``name`` on chat's user messages; Responses input has none.
    llm = ChatGrok(use_responses_api=False)
    llm.invoke([SystemMessage("Be brief."), HumanMessage("hello", name="ada")])
    sent = emu.chat_requests[-1].body["messages"]
    assert sent == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hello", "name": "ada"},
    ]


def test_request_fields_reach_the_wire(emu):
    llm = ChatGrok(
        model="grok-4.3", temperature=0.3, max_tokens=50, top_p=0.9, seed=7, stop=["END"]
    )
    llm.invoke(
        "hi", logprobs=True, top_logprobs=2
    )  # stop and logprobs: the automatic choice is chat
    body = emu.chat_requests[-1].body
    assert {
        k: body[k]
        for k in ("temperature", "max_tokens", "top_p", "seed", "stop", "logprobs", "top_logprobs")
    } == {
        "temperature": 0.3,
        "max_tokens": 50,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["END"],
        "logprobs": True,
        "top_logprobs": 2,
    }


def test_shared_client_by_default_and_dedicated_when_settings_given(emu):
    shared = client_module.get_client()
    assert ChatGrok()._get_client() is shared
    own = ChatGrok(max_retries=0)
    assert own._get_client() is not shared
    assert own._get_client().ledger is get_ledger()
    assert own.invoke("Say 'ok'").content == "ok"


def test_a_given_client_is_used_and_its_async_twin_shares_settings(emu, api, client):
    llm = ChatGrok(client=client, use_responses_api=USE_RESPONSES_API[api])
    assert llm._get_client() is client
    assert llm.invoke("Say 'sync'").content == "sync"
    assert asyncio.run(llm.ainvoke("Say 'async'")).content == "async"
    assert len(only_on(emu, api)) == 2


async def test_a_given_async_client_is_used(emu, aclient):
    llm = ChatGrok(client=aclient)
    assert (await llm.ainvoke("Say 'a'")).content == "a"
    assert llm._get_async_client() is aclient
    assert isinstance(aclient, AsyncGrokClient) and not isinstance(aclient, GrokClient)
