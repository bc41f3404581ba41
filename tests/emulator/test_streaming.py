"""SSE exactly as the reference records it (shared/xai-api.md section 3)."""

from __future__ import annotations

from grok_jupyter.client._tokens import split_tokens
from tests.emulator.emulator_helpers import parse_sse

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {
                "type": "object",
                "properties": {"x": {"type": "integer"}},
                "required": ["x"],
            },
        },
    }
    for name in ("alpha", "beta")
]


def _no_nulls(value) -> bool:
    if isinstance(value, dict):
        return all(v is not None and _no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_nulls(v) for v in value)
    return True


def test_text_stream_shape(chat):
    response = chat("Reply with 7 words", stream=True)
    assert response.headers["content-type"] == "text/event-stream"
    events = parse_sse(response.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert len({c["id"] for c in chunks}) == 1
    assert all(c["object"] == "chat.completion.chunk" and _no_nulls(c) for c in chunks)
    assert all("usage" not in c for c in chunks)  # no include_usage, no usage anywhere
    first = chunks[0]["choices"][0]["delta"]
    assert first["role"] == "assistant"
    # The role rides with the first payload: grok-4.3's reasoning, then its answer.
    assert first.get("reasoning_content") or first.get("content")
    assert all("role" not in c["choices"][0]["delta"] for c in chunks[1:])
    assert all("finish_reason" not in c["choices"][0] for c in chunks[:-1])
    assert chunks[-1]["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert len(text.split()) == 7
    # The stream says what the non-streamed reply says.
    assert text == chat("Reply with 7 words").json()["choices"][0]["message"]["content"]


def test_usage_chunk_only_with_include_usage(chat):
    events = parse_sse(
        chat(
            "hi",
            model="grok-4.20-0309-non-reasoning",
            stream=True,
            stream_options={"include_usage": True},
        ).text
    )
    usage_chunk = events[-2]
    assert usage_chunk["choices"] == []
    usage = usage_chunk["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert events[-3]["choices"][0]["finish_reason"] == "stop"
    without = parse_sse(chat("hi", stream=True, stream_options={"include_usage": False}).text)
    assert all("usage" not in e for e in without[:-1])


def _reasoning_stream(chat, model: str) -> tuple[list[dict], dict]:
    events = parse_sse(
        chat(
            "Reply with 3 words",
            model=model,
            stream=True,
            stream_options={"include_usage": True},
        ).text
    )[:-1]
    return [e["choices"][0]["delta"] for e in events if e["choices"]], events[-1]["usage"]


def test_hidden_reasoning_streams_no_reasoning_deltas_but_is_billed(chat):
    # grok-4.20 reasons without reasoning_content (no recording shows it on chat).
    deltas, usage = _reasoning_stream(chat, "grok-4.20-0309-reasoning")
    assert all("reasoning_content" not in d for d in deltas)
    assert len("".join(d.get("content", "") for d in deltas).split()) == 3
    assert deltas[0]["role"] == "assistant"
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0


def test_grok_4_3_streams_its_reasoning_content_before_the_answer(chat):
    # 2026-09 reference section 1: grok-4.3's Chat replies carry reasoning_content [REC].
    deltas, usage = _reasoning_stream(chat, "grok-4.3")
    reasoning = "".join(d.get("reasoning_content", "") for d in deltas)
    first_answer = next(i for i, d in enumerate(deltas) if "content" in d)
    assert reasoning and all("content" not in d for d in deltas[:first_answer])
    assert "reasoning_content" in deltas[0] and deltas[0]["role"] == "assistant"
    assert len("".join(d.get("content", "") for d in deltas).split()) == 3
    assert usage["completion_tokens_details"]["reasoning_tokens"] == len(split_tokens(reasoning))


def test_tool_calls_stream_whole_one_per_chunk_with_index(chat):
    events = parse_sse(chat("Call alpha(1) and beta(2)", tools=TOOLS, stream=True).text)[:-1]
    calls = [
        e["choices"][0]["delta"]["tool_calls"]
        for e in events
        if "tool_calls" in e["choices"][0]["delta"]
    ]
    assert [len(c) for c in calls] == [1, 1]
    assert [c[0]["index"] for c in calls] == [0, 1]
    assert [c[0]["function"] for c in calls] == [
        {"name": "alpha", "arguments": '{"x":1}'},
        {"name": "beta", "arguments": '{"x":2}'},
    ]
    assert all(c[0]["type"] == "function" and c[0]["id"].startswith("call_") for c in calls)
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert events[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}


def test_long_streams_arrive_whole(chat):
    events = parse_sse(chat("Write 3000 words", stream=True).text)
    text = "".join(
        e["choices"][0]["delta"].get("content", "") for e in events[:-1] if e != "[DONE]"
    )
    assert len(text.split()) == 3000
