"""langchain-xai's ``ChatXAI`` with Grok's server-side tools, against the emulator, no workaround.

ChatXAI sends a turn to ``/v1/responses`` (through langchain-openai's Responses code and
the openai SDK) as soon as a tool other than a function is bound. Users read the result
as content blocks: ``server_tool_call`` / ``server_tool_result`` and text blocks whose
``annotations`` hold the citations.
"""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_xai import ChatXAI

from tests.conftest import TEST_API_KEY

MODEL = "grok-4.20-0309-non-reasoning"
STARSHIP_URL = "https://www.space-example.org/starship-flight-12"
CODE_PROMPT = "Run this and tell me the result:\n```python\nprint(sum(range(10)) * 2)\n```"


@tool
def magic_function(input: int) -> int:
    """Applies a magic function to an input."""
    return input + 2


@pytest.fixture
def llm(emu) -> ChatXAI:
    return ChatXAI(model=MODEL, base_url=emu.base_url, api_key=TEST_API_KEY, max_retries=0)


def _merged(chunks):
    merged = None
    for chunk in chunks:
        merged = chunk if merged is None else merged + chunk
    assert merged is not None, "the stream yielded nothing"
    return merged


def _blocks(message, kind: str) -> list[dict]:
    return [b for b in message.content_blocks if b["type"] == kind]


def _cited(message) -> list[str]:
    return [a["url"] for b in _blocks(message, "text") for a in b.get("annotations") or []]


def _responses_bodies(emu) -> list[dict]:
    return [r.body for r in emu.requests if r.path == "/v1/responses"]


def test_web_search_invoke_cites_the_page_it_quotes(llm, emu):
    tools = [{"type": "web_search", "allowed_domains": ["space-example.org"]}]
    message = llm.bind_tools(tools).invoke("Did Starship reach orbit?")
    [body] = _responses_bodies(emu)
    assert body["tools"] == tools and body["stream"] is False
    assert body["input"][0]["content"] == "Did Starship reach orbit?"
    [call] = _blocks(message, "server_tool_call")
    assert call["name"] == "web_search" and call["args"]["query"]
    [result] = _blocks(message, "server_tool_result")
    assert result["tool_call_id"] == call["id"] and result["status"] == "success"
    assert _cited(message) == [STARSHIP_URL]
    assert "Starship flight 12 reached orbit" in message.text
    # xAI ids carry no resp_ prefix; the message ids derive from it (section 2.3).
    rid = message.response_metadata["id"]
    assert not rid.startswith("resp_") and _blocks(message, "text")[0]["id"] == f"msg_{rid}"
    assert message.usage_metadata["total_tokens"] == (
        message.usage_metadata["input_tokens"] + message.usage_metadata["output_tokens"]
    )
    assert TEST_API_KEY not in repr(message)


def test_web_search_stream_delivers_the_same_cited_answer(llm, emu):
    bound = llm.bind_tools([{"type": "web_search"}])
    invoked = bound.invoke("Did Starship reach orbit?")
    chunks = list(bound.stream("Did Starship reach orbit?"))
    assert len(chunks) > 3  # it really streamed, in pieces
    merged = _merged(chunks)
    assert _responses_bodies(emu)[-1]["stream"] is True
    assert merged.text == invoked.text
    assert _cited(merged) == [STARSHIP_URL]
    assert [b["name"] for b in _blocks(merged, "server_tool_call")] == ["web_search"]
    assert merged.usage_metadata["output_tokens"] == invoked.usage_metadata["output_tokens"]


async def test_web_search_astream(llm):
    bound = llm.bind_tools([{"type": "web_search"}])
    merged = _merged([c async for c in bound.astream("Did Starship reach orbit?")])
    assert _cited(merged) == [STARSHIP_URL]


def test_x_search_honours_handles_and_from_date(llm, emu):
    emu.add_post("xai", "Grok fidelity post: the tide tables are live.", "2026-11-25")
    emu.add_post("xai", "Grok fidelity post from before the window.", "2026-09-01")
    emu.add_post("someone_else", "Grok fidelity post by another handle.", "2026-11-26")
    tool_spec = {"type": "x_search", "allowed_x_handles": ["xai"], "from_date": "2026-11-01"}
    # langchain-core's bind_tools converts only the tool types OpenAI knows and refuses
    # x_search ("Unsupported function"); ``bind(tools=...)`` is how ChatXAI users send it.
    bound = llm.bind(tools=[tool_spec])
    for message in (
        bound.invoke("grok fidelity post"),
        _merged(bound.stream("grok fidelity post")),
    ):
        assert _responses_bodies(emu)[-1]["tools"] == [tool_spec]
        cited = _cited(message)
        assert cited and all(re.fullmatch(r"https://x\.com/i/status/\d+", u) for u in cited)
        assert "tide tables are live" in message.text
        assert "another handle" not in message.text and "before the window" not in message.text
        # xAI reports the X sub-tool as a custom_tool_call (section 3.2, 2025-12 format).
        [call] = [b for b in message.content if b.get("type") == "custom_tool_call"]
        assert call["name"] == "x_keyword_search"
        assert json.loads(call["input"])["from_date"] == "2026-11-01"
        # langchain-openai turns every custom_tool_call into a client tool call; with
        # api.x.ai's format that surfaces the server's sub-tool as ``tool_calls`` too.
        assert [c["name"] for c in message.tool_calls] == ["x_keyword_search"]


def test_x_search_date_after_to_date_is_refused(llm):
    bad = {"type": "x_search", "from_date": "2026-11-20", "to_date": "2026-11-01"}
    with pytest.raises(Exception, match="400") as info:
        llm.bind(tools=[bad]).invoke("anything")
    # The openai SDK keeps xAI's ``{"code", "error"}`` message as the error's body.
    assert "from_date" in str(info.value.body) and "to_date" in str(info.value.body)


def test_code_interpreter_runs_the_prompt_code(llm, emu):
    bound = llm.bind_tools([{"type": "code_interpreter"}])
    for message in (bound.invoke(CODE_PROMPT), _merged(bound.stream(CODE_PROMPT))):
        assert "90" in message.text  # really executed: sum(range(10)) * 2
        [call] = _blocks(message, "server_tool_call")
        assert call["name"] == "code_interpreter"
        assert "sum(range(10))" in json.loads(call["extras"]["arguments"])["code"]
        assert _responses_bodies(emu)[-1]["tools"] == [{"type": "code_interpreter"}]


@pytest.mark.parametrize("streamed", [False, True])
def test_function_tool_beside_web_search_round_trip(llm, emu, streamed):
    bound = llm.bind_tools([{"type": "web_search"}, magic_function])
    question = HumanMessage("What is the value of magic_function(3)?")
    first = _merged(bound.stream([question])) if streamed else bound.invoke([question])
    [call] = first.tool_calls
    assert call["name"] == "magic_function" and call["args"] == {"input": 3}
    sent = _responses_bodies(emu)[-1]["tools"]
    assert sent[0] == {"type": "web_search"}
    assert sent[1]["type"] == "function" and sent[1]["name"] == "magic_function"
    result = magic_function.invoke(call)
    assert isinstance(result, ToolMessage)
    answer = bound.invoke([question, first, result])
    assert "magic_function returned 5" in answer.text
    items = _responses_bodies(emu)[-1]["input"]
    [output] = [i for i in items if i.get("type") == "function_call_output"]
    assert output == {"type": "function_call_output", "output": "5", "call_id": call["id"]}


def test_follow_up_after_a_search_replays_the_tool_items(llm, emu):
    bound = llm.bind_tools([{"type": "web_search"}])
    question = HumanMessage("Did Starship reach orbit?")
    first = bound.invoke([question])
    second = bound.invoke([question, first, HumanMessage("Tell me about Starship flight 12")])
    # langchain-openai sends the earlier web_search_call item back as input.
    kinds = [i.get("type") for i in _responses_bodies(emu)[-1]["input"]]
    assert kinds == ["message", "web_search_call", "message", "message"]
    assert _cited(second) == [STARSHIP_URL]


def test_use_previous_response_id_resends_history_for_xai_ids(emu):
    # langchain-openai chains only ids starting with "resp_"; xAI's are bare UUIDs, so
    # the whole conversation is sent again instead (the answer is the same).
    llm = ChatXAI(
        model=MODEL,
        base_url=emu.base_url,
        api_key=TEST_API_KEY,
        max_retries=0,
        use_previous_response_id=True,
    )
    first = llm.invoke("Say hello.")
    assert isinstance(first, AIMessage) and first.text
    llm.invoke([HumanMessage("Say hello."), first, HumanMessage("Reply with 3 words")])
    body = _responses_bodies(emu)[-1]
    assert "previous_response_id" not in body and len(body["input"]) == 3


def test_stateless_turns_replay_encrypted_reasoning(emu):
    # store=False: langchain-openai drops a reasoning block unless it carries
    # encrypted_content, which the API returns when ``include`` asks for it (section 2.1).
    from tests.emulator.responses_helpers import model

    llm = ChatXAI(
        model=model(reasoning=True),
        base_url=emu.base_url,
        api_key=TEST_API_KEY,
        max_retries=0,
        use_responses_api=True,
        store=False,
        include=["reasoning.encrypted_content"],
    )
    question = HumanMessage("Why is the sky blue?")
    first = llm.invoke([question])
    [reasoning] = [b for b in first.content if b.get("type") == "reasoning"]
    assert reasoning["encrypted_content"]
    second = llm.invoke([question, first, HumanMessage("Reply with 3 words")])
    assert len(second.text.split()) == 3
    body = _responses_bodies(emu)[-1]
    assert body["store"] is False
    [replayed] = [i for i in body["input"] if i.get("type") == "reasoning"]
    assert replayed["encrypted_content"] == reasoning["encrypted_content"]


@pytest.mark.parametrize("nested", [False, True])
def test_web_search_domain_filter_in_either_shape(llm, emu, nested):
    emu.add_page("https://tides.example.com/reef", "Reef tides", "Fidelity reef tide tables.")
    emu.add_page("https://other.example.net/reef", "Reef elsewhere", "Fidelity reef tide blog.")
    domains = {"allowed_domains": ["tides.example.com"]}
    # Top-level as in section 3.1 [V VER]; nested in ``filters`` as OpenAI's web_search
    # (what langchain-openai's docs show) and hermes-agent#27023 have it.
    spec = {"type": "web_search", **({"filters": domains} if nested else domains)}
    message = llm.bind_tools([spec]).invoke("fidelity reef tide")
    assert _responses_bodies(emu)[-1]["tools"] == [spec]
    assert _cited(message) == ["https://tides.example.com/reef"]
