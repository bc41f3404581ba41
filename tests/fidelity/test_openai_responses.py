"""The official openai SDK's Responses API against the emulator, with no workaround."""

from __future__ import annotations

import json

from tests.emulator.responses_helpers import model

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def test_create_with_string_input(client):
    response = client.responses.create(model=model(reasoning=True), input='Say "tide pool"')
    assert response.output_text == "tide pool"
    assert response.output[0].type == "reasoning"
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.usage.output_tokens_details.reasoning_tokens > 0


def test_function_call_round_trip_with_previous_response_id(client):
    first = client.responses.create(
        model=model(reasoning=False), input="What is the weather in Rome?", tools=[WEATHER]
    )
    (call,) = [o for o in first.output if o.type == "function_call"]
    assert json.loads(call.arguments) == {"city": "Rome"}
    second = client.responses.create(
        model=model(reasoning=False),
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "22C"}],
        tools=[WEATHER],
    )
    assert "22C" in second.output_text


def test_retrieve_and_delete(client, emu):
    created = client.responses.create(model=model(reasoning=False), input='Say "kept"')
    assert client.responses.retrieve(created.id).output_text == "kept"
    client.responses.delete(created.id)
    try:
        client.responses.retrieve(created.id)
    except Exception as exc:  # openai.NotFoundError
        assert getattr(exc, "status_code", None) == 404
    else:
        raise AssertionError("a deleted response is still retrievable")


def test_stream_accumulates_text_and_final_response(client):
    with client.responses.stream(model=model(reasoning=True), input='Say "low tide"') as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "low tide"
    assert final.output_text == "low tide" and final.status == "completed"
    assert final.usage.output_tokens > 0


def test_stream_with_web_search_gives_citations(client):
    with client.responses.stream(
        model=model(reasoning=False), input="Starship orbit", tools=[{"type": "web_search"}]
    ) as stream:
        kinds = [e.type for e in stream]
        final = stream.get_final_response()
    assert "response.output_text.annotation.added" in kinds
    message = final.output[-1]
    urls = [a.url for a in message.content[0].annotations]
    assert "https://www.space-example.org/starship-flight-12" in urls
    assert final.output[0].type == "web_search_call"


async def test_async_create_with_items(aclient):
    response = await aclient.responses.create(
        model=model(reasoning=False),
        instructions="Be brief.",
        input=[{"role": "user", "content": [{"type": "input_text", "text": 'Say "async"'}]}],
    )
    assert response.output_text == "async" and response.instructions == "Be brief."


def test_stream_with_x_search_finishes_with_the_tool_items(client, emu):
    emu.add_post("xai", "Fidelity stream post: the reef survey is published.", "2026-11-24")
    tool = {"type": "x_search", "allowed_x_handles": ["xai"], "from_date": "2026-11-01"}
    with client.responses.stream(
        model=model(reasoning=False), input="fidelity stream post", tools=[tool]
    ) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "response.custom_tool_call_input.delta" in kinds
    [call] = [o for o in final.output if o.type == "custom_tool_call"]
    assert json.loads(call.input)["from_date"] == "2026-11-01"
    assert "reef survey is published" in final.output_text
    urls = [a.url for a in final.output[-1].content[0].annotations]
    assert urls and all(u.startswith("https://x.com/i/status/") for u in urls)
    assert final.usage.model_extra["num_server_side_tools_used"] >= 1
    assert emu.requests[-1].body["tools"] == [tool]


def test_stream_with_code_interpreter_until_done(client):
    prompt = "Run this:\n```python\nprint(2 ** 10)\n```"
    with client.responses.stream(
        model=model(reasoning=False), input=prompt, tools=[{"type": "code_interpreter"}]
    ) as stream:
        final = stream.until_done().get_final_response()
    assert final.output[0].type == "code_interpreter_call"
    assert "1024" in final.output_text and final.status == "completed"


def test_stream_with_a_function_tool_beside_web_search(client):
    tools = [{"type": "web_search"}, WEATHER]
    with client.responses.stream(
        model=model(reasoning=False), input="What is the weather in Oslo?", tools=tools
    ) as stream:
        done = [e for e in stream if e.type == "response.function_call_arguments.done"]
        final = stream.get_final_response()
    [call] = [o for o in final.output if o.type == "function_call"]
    assert json.loads(call.arguments) == {"city": "Oslo"}
    assert [json.loads(e.arguments) for e in done] == [{"city": "Oslo"}]
    with client.responses.stream(
        model=model(reasoning=False),
        input=[
            {"role": "user", "content": "What is the weather in Oslo?"},
            *[o.model_dump(exclude_none=True) for o in final.output],
            {"type": "function_call_output", "call_id": call.call_id, "output": "-3C"},
        ],
        tools=tools,
    ) as stream:
        answer = stream.get_final_response()
    assert "-3C" in answer.output_text


async def test_async_stream_with_web_search(aclient):
    async with aclient.responses.stream(
        model=model(reasoning=False), input="Starship orbit", tools=[{"type": "web_search"}]
    ) as stream:
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(deltas) == final.output_text
    assert final.output[0].type == "web_search_call" and final.output[0].status == "completed"
