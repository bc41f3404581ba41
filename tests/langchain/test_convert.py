"""Message conversion both ways, without a server."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from grok_jupyter.client._types import ChatCompletion, ChatCompletionChunk
from langchain_grok._convert import ChunkTranslator, completion_to_result, to_wire_messages


def wire(*messages):
    return [m.to_wire() for m in to_wire_messages(list(messages))]


def test_roles_and_name_only_on_user():
    out = wire(
        SystemMessage("be brief"),
        HumanMessage("hi", name="ada"),
        AIMessage("hello", name="bot"),
        ChatMessage(role="human", content="again"),
    )
    assert out == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi", "name": "ada"},
        # xAI answers 400 to ``name`` on anything but a user message
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "again"},
    ]


def test_ai_message_with_tool_calls_and_no_text_sends_empty_string():
    ai = AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1}, "id": "call_1"}])
    (out,) = wire(ai)
    assert out["content"] == ""
    assert out["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}
    ]


def test_ai_list_content_keeps_text_and_drops_other_providers_blocks():
    ai = AIMessage(
        [
            {"type": "text", "text": "some text"},
            {"type": "tool_use", "id": "abc", "name": "add", "input": {"a": 1}},
        ],
        tool_calls=[{"name": "add", "args": {"a": 1}, "id": "abc"}],
    )
    (out,) = wire(ai)
    assert out["content"] == "some text"
    assert [c["id"] for c in out["tool_calls"]] == ["abc"]


def test_tool_message_is_text_with_its_call_id():
    out = wire(ToolMessage([{"type": "text", "text": "3"}], tool_call_id="call_1", name="add"))
    assert out == [{"role": "tool", "content": "3", "tool_call_id": "call_1"}]


def test_images_a_tool_returned_follow_the_run_of_tool_results_in_a_user_message():
    # Chat tool messages carry text only: the images go right after the last tool result,
    # behind a note naming the tool, and the tool result says where they went.
    call = AIMessage("", tool_calls=[{"name": "chart", "args": {}, "id": "c1"},
                                     {"name": "add", "args": {}, "id": "c2"}])  # fmt: skip
    chart = ToolMessage(
        [{"type": "image", "base64": "AAAA", "mime_type": "image/png"}], tool_call_id="c1"
    )
    out = wire(call, chart, ToolMessage("3", tool_call_id="c2"), HumanMessage("and?"))
    assert [m["role"] for m in out] == ["assistant", "tool", "tool", "user", "user"]
    assert out[1]["content"] == "[returned an image, sent in the next message]"
    assert out[3]["content"] == [
        {"type": "text", "text": "The tool chart returned this image:"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]


def test_a_block_a_tool_result_cannot_carry_is_refused_clearly():
    msg = ToolMessage([{"type": "input_audio", "data": "AAAA"}], tool_call_id="1")
    with pytest.raises(ValueError, match="text, images and files"):
        wire(msg)


@pytest.mark.parametrize(
    ("block", "url", "detail"),
    [
        (
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,QUJD"}},
            "data:image/png;base64,QUJD",
            None,
        ),
        (
            {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "low"}},
            "https://x/a.png",
            "low",
        ),
        ({"type": "image_url", "image_url": "https://x/a.png"}, "https://x/a.png", None),
        (
            {"type": "image", "base64": "QUJD", "mime_type": "image/jpeg"},
            "data:image/jpeg;base64,QUJD",
            None,
        ),
        ({"type": "image", "url": "https://x/b.png"}, "https://x/b.png", None),
        (
            {"type": "image", "source_type": "base64", "data": "QUJD", "mime_type": "image/png"},
            "data:image/png;base64,QUJD",
            None,
        ),
        (
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "QUJD"},
            },
            "data:image/png;base64,QUJD",
            None,
        ),
    ],
)
def test_every_image_spelling_becomes_an_image_url_part(block, url, detail):
    (out,) = wire(HumanMessage([{"type": "text", "text": "what is this?"}, block]))
    text, image = out["content"]
    assert text == {"type": "text", "text": "what is this?"}
    expected = {"url": url} if detail is None else {"url": url, "detail": detail}
    assert image == {"type": "image_url", "image_url": expected}


def test_file_ids_and_audio_are_refused():
    with pytest.raises(ValueError, match="file id"):
        wire(HumanMessage([{"type": "image", "file_id": "f1"}]))
    with pytest.raises(ValueError, match="audio"):
        wire(HumanMessage([{"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"}]))
    with pytest.raises(ValueError, match="ToolMessage"):
        wire(FunctionMessage(name="f", content="x"))


COMPLETION = {
    "id": "r-1",
    "model": "grok-3-mini",
    "created": 1,
    "system_fingerprint": "fp_0123456789",
    "citations": ["https://example.org"],
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "",
                "reasoning_content": "Think first.",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'},
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "add", "arguments": "{not json"},
                    },
                ],
            },
        }
    ],
    "usage": {
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "total_tokens": 150,
        "prompt_tokens_details": {"cached_tokens": 40, "text_tokens": 100},
        "completion_tokens_details": {"reasoning_tokens": 30},
    },
}


def test_completion_becomes_ai_message_with_usage_that_adds_up():
    result = completion_to_result(ChatCompletion.model_validate(COMPLETION))
    msg = result.generations[0].message
    assert msg.usage_metadata == {
        "input_tokens": 100,
        "output_tokens": 50,  # completion + reasoning, as LangChain counts
        "total_tokens": 150,  # equals xAI's own total_tokens
        "input_token_details": {"cache_read": 40},
        "output_token_details": {"reasoning": 30},
    }
    assert msg.additional_kwargs["reasoning_content"] == "Think first."
    assert msg.additional_kwargs["citations"] == ["https://example.org"]
    assert msg.tool_calls == [
        {"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1", "type": "tool_call"}
    ]
    assert msg.invalid_tool_calls[0]["id"] == "call_2"
    meta = msg.response_metadata
    assert meta["model_name"] == "grok-3-mini"
    assert meta["model_provider"] == "xai"
    assert meta["finish_reason"] == "tool_calls"
    assert meta["system_fingerprint"] == "fp_0123456789"
    blocks = msg.content_blocks
    assert blocks[0] == {"type": "reasoning", "reasoning": "Think first."}
    assert any(b["type"] == "tool_call" for b in blocks)


def chunk(**fields):
    base = {"id": "s-1", "model": "grok-3-mini", "system_fingerprint": "fp_0123456789"}
    return ChatCompletionChunk.model_validate({**base, **fields})


STREAM = [
    chunk(choices=[{"index": 0, "delta": {"role": "assistant", "reasoning_content": "Hm"}}]),
    chunk(choices=[{"index": 0, "delta": {}}]),  # keep-alive
    chunk(choices=[{"index": 0, "delta": {"content": "Hel"}}]),
    chunk(choices=[{"index": 0, "delta": {"content": "lo"}}]),
    chunk(
        choices=[
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "index": 0,
                            "type": "function",
                            "function": {"name": "add", "arguments": '{"a": 1}'},
                        }
                    ]
                },
            }
        ]
    ),
    chunk(
        choices=[
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "id": "call_2",
                            "index": 1,
                            "type": "function",
                            "function": {"name": "mul", "arguments": "{}"},
                        }
                    ]
                },
            }
        ]
    ),
    chunk(choices=[{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]),
    chunk(choices=[], usage=COMPLETION["usage"]),
]


def translate(chunks):
    t = ChunkTranslator()
    out = [g for c in chunks for g in t.add(c)]
    return out + t.close()


def test_stream_translation_usage_once_and_metadata_on_the_last_chunk():
    gens = translate(STREAM)
    messages = [g.message for g in gens]
    assert [m.content for m in messages[:3]] == ["", "Hel", "lo"]
    with_usage = [m for m in messages if m.usage_metadata]
    assert with_usage == [messages[-1]]
    last = messages[-1]
    assert last.chunk_position == "last"
    assert last.response_metadata["finish_reason"] == "tool_calls"
    assert last.response_metadata["model_name"] == "grok-3-mini"
    full = messages[0]
    for m in messages[1:]:
        full = full + m
    assert isinstance(full, AIMessageChunk)
    assert full.content == "Hello"
    assert full.additional_kwargs["reasoning_content"] == "Hm"
    # After streamed reasoning (v1 content index 0) the calls are numbered from 1.
    assert [tc["index"] for tc in full.tool_call_chunks] == [1, 2]
    assert [(tc["name"], tc["args"]) for tc in full.tool_calls] == [("add", {"a": 1}), ("mul", {})]
    assert full.usage_metadata["total_tokens"] == 150


def test_stream_without_usage_chunk_still_ends_with_metadata():
    gens = translate(STREAM[:-1])
    assert gens[-1].message.response_metadata["finish_reason"] == "tool_calls"
    assert all(g.message.usage_metadata is None for g in gens)


def test_tool_arguments_round_trip_through_json():
    ai = AIMessage("", tool_calls=[{"name": "f", "args": {"name": "你好"}, "id": "c"}])
    (out,) = wire(ai)
    assert json.loads(out["tool_calls"][0]["function"]["arguments"]) == {"name": "你好"}
