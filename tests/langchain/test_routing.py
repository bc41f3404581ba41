"""Which API a ChatGrok call goes over: ``use_responses_api`` True, False or automatic (None).

xAI calls Chat Completions legacy, and a current model misbehaved there (grok-4.6
put its answer into ``reasoning_content`` and looped: xai-api-2026-09.md §3), so
the default sends a call for a model whose catalogue entry lists the Responses
API there, and keeps on chat what only chat can do. The chat path stays whole:
``use_responses_api=False`` forces it, reasoning text included.
"""

from __future__ import annotations

import asyncio
import json
import warnings

import pytest
from langchain_core.messages import AIMessage, ChatMessage, HumanMessage

from grok_jupyter.client import (
    Catalog,
    GrokClient,
    InvalidRequestError,
    NotFoundError,
    get_catalog,
)
from langchain_grok import ChatGrok
from tests.client.scripted_server import Reply, ScriptedServer, reasoning_chat_stream
from tests.conftest import TEST_API_KEY
from tests.langchain.apis import only_on, sent

pytestmark = pytest.mark.enable_socket


def test_the_default_model_goes_over_responses_on_every_kind_of_call(emu):
    llm = ChatGrok()
    assert llm.use_responses_api is None
    assert llm.invoke("Say 'one'").content == "one"
    assert "".join(c.content for c in llm.stream("Say 'two'")) == "two"
    assert asyncio.run(llm.ainvoke("Say 'three'")).content == "three"

    async def drain() -> str:
        return "".join([c.content async for c in llm.astream("Say 'four'")])

    assert asyncio.run(drain()) == "four"
    requests = only_on(emu, "responses")
    assert [r.body["model"] for r in requests] == [get_catalog().default_chat_model] * 4
    assert all(r.body["input"][0]["role"] == "user" for r in requests)


@pytest.mark.parametrize("model", ["grok-4.3", "grok-4.20", "grok-4.6", "grok-latest"])
def test_current_models_and_their_aliases_go_over_responses(emu, model):
    assert ChatGrok(model=model).invoke("Say 'ok'").content == "ok"
    assert only_on(emu, "responses")[-1].body["model"] == model


def test_false_forces_chat_and_true_forces_responses(emu):
    ChatGrok(use_responses_api=False).invoke("hi")
    assert len(only_on(emu, "chat")) == 1
    emu.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RetiredModelWarning
        ChatGrok(model="grok-3", use_responses_api=True).invoke("hi")  # even a retired id
    assert len(only_on(emu, "responses")) == 1


def test_a_model_the_catalogue_lists_for_chat_only_goes_to_chat(emu):
    # The choice reads the client's own catalogue: here one where grok-4.3 takes chat only.
    models = [
        m.model_copy(update={"apis": ("chat",)}) if m.id == "grok-4.3" else m for m in get_catalog()
    ]
    catalog = Catalog(models, defaults={"default_chat_model": "grok-4.3"})
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, catalog=catalog) as client:
        assert ChatGrok(model="grok-4.3", client=client).invoke("Say 'ok'").content == "ok"
        assert len(only_on(emu, "chat")) == 1
        ChatGrok(model="grok-4.6", client=client).invoke("hi")  # the others still list it
        assert len(sent(emu, "responses")) == 1


def test_retired_and_unknown_models_go_to_chat(emu):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RetiredModelWarning / UnknownModelWarning
        reply = ChatGrok(model="grok-3").invoke("hi")  # the API answers with grok-4.3
        assert reply.response_metadata["model_name"] == "grok-4.3"
        with pytest.raises(NotFoundError):
            ChatGrok(model="grok-99-unreleased").invoke("hi")
    assert len(only_on(emu, "chat")) == 2


def test_a_calls_own_model_decides_its_api(emu):
    llm = ChatGrok(model="grok-3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        llm.invoke("hi")
    llm.invoke("hi", model="grok-4.3")
    assert [r.path for r in emu.requests] == ["/v1/chat/completions", "/v1/responses"]


@pytest.mark.parametrize(
    ("fields", "call"),
    [
        ({}, {"stop": ["END"]}),
        ({"stop": ["END"]}, {}),
        ({"n": 2}, {}),
        ({}, {"logprobs": True}),
        ({"logprobs": True, "top_logprobs": 2}, {}),
        ({"model": "grok-4.7", "frequency_penalty": 0.5}, {}),
        ({"model_kwargs": {"presence_penalty": 0.5}, "model": "grok-4.7"}, {}),
    ],
    ids=["call-stop", "stop", "n", "call-logprobs", "logprobs", "frequency", "presence"],
)
def test_what_only_chat_does_keeps_an_automatic_call_on_chat(emu, fields, call):
    # Chat takes these; the Responses API has no stop, no n and no penalties and
    # sends empty logprobs (xai-api-2026.md §2.1, §2.3, §2.7).
    reply = ChatGrok(**fields).invoke("Say 'ok'", **call)
    assert isinstance(reply, AIMessage)
    body = only_on(emu, "chat")[-1].body
    for name, value in {**fields.get("model_kwargs", {}), **fields, **call}.items():
        if name not in ("model_kwargs", "model"):
            assert body[name] == value


def test_empty_or_unset_chat_only_fields_stay_on_responses(emu):
    # LangChain's standard parameters pass stop=[]; n=1 asks for nothing chat-only either.
    ChatGrok(stop=[], n=1, logprobs=False).invoke("hi", stop=None)
    assert len(only_on(emu, "responses")) == 1


def test_stop_that_needs_the_responses_api_is_refused_before_sending(emu):
    with pytest.raises(InvalidRequestError, match="use_responses_api=False"):
        ChatGrok(stop=["END"], use_responses_api=True).invoke("hi")
    search = ChatGrok(stop=["END"]).bind_tools([{"type": "web_search"}])
    with pytest.raises(InvalidRequestError, match="stop"):
        search.invoke("hi")  # a server-side tool needs Responses, which has no stop
    assert emu.requests == []


def test_chat_messages_in_langchain_spellings_go_over_either_api(emu, api, use_responses_api):
    history = [
        ChatMessage(role="human", content="Say 'first'"),
        ChatMessage(role="ai", content="first"),
        ChatMessage(role="user", content="Say 'second'"),
    ]
    assert ChatGrok(use_responses_api=use_responses_api).invoke(history).content == "second"
    body = only_on(emu, api)[-1].body
    wire = body["input"] if api == "responses" else body["messages"]
    assert [m["role"] for m in wire] == ["user", "assistant", "user"]


# --- the chat path keeps reasoning text ------------------------------------------

def _whole(reasoning: str, text: str) -> Reply:
    body = {
        "id": "s1",
        "object": "chat.completion",
        "created": 1,
        "model": "grok-4.6",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "reasoning_content": reasoning},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 5,
            "completion_tokens": 1,
            "total_tokens": 10,
            "completion_tokens_details": {"reasoning_tokens": 4},
        },
    }
    return Reply(body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def test_reasoning_content_on_chat_reaches_the_message_invoked_and_streamed():
    # The emulator's current models send no reasoning_content on chat, while the real
    # API does (grok-4.3 chat replies, xai-api-2026-09.md §1; grok-4.6 even put its
    # answer there, §3), so a scripted server on loopback plays those answers.
    streamed_reply = reasoning_chat_stream("grok-4.6", ["Light ", "scatters."], "Rayleigh.")
    with ScriptedServer([_whole("Light scatters.", "Rayleigh."), streamed_reply]) as server:
        llm = ChatGrok(
            model="grok-4.6",
            use_responses_api=False,
            api_key=TEST_API_KEY,
            base_url=server.base_url,
        )
        invoked = llm.invoke([HumanMessage("Why is the sky blue?")])
        streamed = None
        for chunk in llm.stream([HumanMessage("Why is the sky blue?")]):
            streamed = chunk if streamed is None else streamed + chunk
        llm.close()
    assert server.requests == ["POST /v1/chat/completions HTTP/1.1"] * 2
    for message in (invoked, streamed):
        assert message.content == "Rayleigh."
        assert message.additional_kwargs["reasoning_content"] == "Light scatters."
        assert [b["type"] for b in message.content_blocks] == ["reasoning", "text"]
        assert message.usage_metadata["output_token_details"]["reasoning"] == 4
