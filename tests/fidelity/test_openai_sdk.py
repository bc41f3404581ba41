"""The official ``openai`` SDK against the emulator: every answer parses, nothing is lost."""

from __future__ import annotations

import base64
import io
import json

import openai
import pytest
from PIL import Image
from pydantic import BaseModel

MAGIC = {
    "type": "function",
    "function": {
        "name": "magic_function",
        "description": "Applies a magic function to an input.",
        "parameters": {
            "type": "object",
            "properties": {"input": {"type": "integer"}},
            "required": ["input"],
        },
    },
}



def test_sync_completion(client):
    completion = client.chat.completions.create(
        model="grok-4.20", messages=[{"role": "user", "content": "Reply with 6 words"}]
    )
    assert completion.model == "grok-4.20-0309-reasoning"
    assert len(completion.choices[0].message.content.split()) == 6
    usage = completion.usage
    assert usage.total_tokens == (
        usage.prompt_tokens
        + usage.completion_tokens
        + usage.completion_tokens_details.reasoning_tokens
    )


def test_sync_stream_matches_the_non_streamed_answer(client):
    messages = [{"role": "user", "content": "Reply with 40 words"}]
    full = client.chat.completions.create(
        model="grok-4.3", messages=messages, reasoning_effort="low"
    )
    stream = client.chat.completions.create(
        model="grok-4.3",
        messages=messages,
        reasoning_effort="low",
        stream=True,
        stream_options={"include_usage": True},
    )
    text, reasoning, usage = [], [], None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            text.append(choice.delta.content or "")
            reasoning.append(getattr(choice.delta, "reasoning_content", None) or "")
    assert "".join(text) == full.choices[0].message.content
    # grok-4.3 shows its reasoning (2026-09 reference, section 1 [REC]): the same text
    # streamed as in the whole reply, and billed the same in both.
    assert "".join(reasoning) == full.choices[0].message.reasoning_content != ""
    assert usage.completion_tokens == full.usage.completion_tokens
    hidden = full.usage.completion_tokens_details.reasoning_tokens
    assert usage.completion_tokens_details.reasoning_tokens == hidden > 0


async def test_async_completion_and_stream(aclient):
    messages = [{"role": "user", "content": "Reply with 15 words"}]
    completion = await aclient.chat.completions.create(model="grok-4.3", messages=messages)
    stream = await aclient.chat.completions.create(model="grok-4.3", messages=messages, stream=True)
    parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
    assert "".join(parts) == completion.choices[0].message.content
    assert len(completion.choices[0].message.content.split()) == 15


def test_tools_round_trip(client):
    messages = [{"role": "user", "content": "What is magic_function(3)?"}]
    first = client.chat.completions.create(
        model="grok-4.20-0309-non-reasoning", messages=messages, tools=[MAGIC]
    )
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls"
    [call] = message.tool_calls
    assert call.function.name == "magic_function"
    assert json.loads(call.function.arguments) == {"input": 3}
    messages += [
        {"role": "assistant", "content": "", "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "5"},
    ]
    second = client.chat.completions.create(
        model="grok-4.20-0309-non-reasoning", messages=messages, tools=[MAGIC]
    )
    assert "5" in second.choices[0].message.content


def test_streamed_tool_calls_assemble(client):
    stream = client.chat.completions.create(
        model="grok-4.20-0309-non-reasoning",
        messages=[{"role": "user", "content": "Call magic_function(1) and magic_function(2)"}],
        tools=[MAGIC],
        stream=True,
    )
    calls: dict[int, dict] = {}
    finish = None
    for chunk in stream:
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for tc in choice.delta.tool_calls or []:
            slot = calls.setdefault(tc.index, {"name": "", "arguments": ""})
            slot["name"] += tc.function.name or ""
            slot["arguments"] += tc.function.arguments or ""
    assert finish == "tool_calls"
    assert [json.loads(c["arguments"]) for c in calls.values()] == [{"input": 1}, {"input": 2}]


def test_image_input(client):
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(out, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    completion = client.chat.completions.create(
        model="grok-4.20-0309-non-reasoning",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What colour is this square?"},
                    {"type": "image_url", "image_url": {"url": url, "detail": "high"}},
                ],
            }
        ],
    )
    assert "red" in completion.choices[0].message.content
    assert completion.usage.prompt_tokens_details.image_tokens > 0


class City(BaseModel):
    name: str
    country: str
    population: int
    landmarks: list[str]


def test_parse_with_a_pydantic_model(client):
    completion = client.chat.completions.parse(
        model="grok-4.20-0309-non-reasoning",
        messages=[{"role": "user", "content": "Tell me about Paris in France, population 2100000"}],
        response_format=City,
    )
    city = completion.choices[0].message.parsed
    assert isinstance(city, City)
    assert city.name == "Paris" and city.population == 2100000


def test_errors_surface_as_sdk_exceptions(client, emu):
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="grok-nope", messages=[{"role": "user", "content": "hi"}]
        )
    emu.inject("rate_limit", retry_after=0)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(
            model="grok-4.3", messages=[{"role": "user", "content": "hi"}]
        )
    bad = openai.OpenAI(base_url=emu.base_url, api_key="wrong-key", max_retries=0)
    with pytest.raises(openai.BadRequestError) as raised:
        bad.chat.completions.create(model="grok-4.3", messages=[{"role": "user", "content": "hi"}])
    # The SDK unwraps the body's "error" key: xAI's message reaches the caller.
    assert str(raised.value.body).startswith("Incorrect API key provided: wr***ey.")
