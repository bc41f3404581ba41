"""POST/GET/DELETE /v1/responses: shapes, ids, usage, storage, chaining, tools, errors."""

from __future__ import annotations

import json
import re

import pytest

from tests.emulator.emulator_helpers import image_data_url
from tests.emulator.responses_helpers import model, text_of

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def create(http):
    def post(input, *, model_id: str | None = None, **fields):
        body = {"model": model_id or model(reasoning=False), "input": input, **fields}
        return http.post("/responses", json=body)

    return post


def test_string_input_gives_the_response_object_with_ids_and_usage(create):
    r = create('Say "blue harbour"', model_id=model(reasoning=True))
    assert r.status_code == 200
    body = r.json()
    rid = body["id"]
    assert UUID.match(rid) and not rid.startswith("resp_")
    assert body["object"] == "response" and body["status"] == "completed"
    reasoning, message = body["output"]
    assert reasoning["id"] == f"rs_{rid}" and reasoning["summary"][0]["type"] == "summary_text"
    assert message["id"] == f"msg_{rid}" and message["role"] == "assistant"
    assert message["content"] == [
        {"type": "output_text", "text": "blue harbour", "logprobs": [], "annotations": []}
    ]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert 0 < usage["output_tokens_details"]["reasoning_tokens"] < usage["output_tokens"]
    assert usage["num_sources_used"] == 0 and usage["num_server_side_tools_used"] == 0
    assert usage["cost_in_usd_ticks"] > 0
    for key, value in {
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "store": True,
        "service_tier": "default",
        "instructions": None,
        "prompt_cache_key": None,
        "background": False,
        "error": None,
        "incomplete_details": None,
    }.items():
        assert body[key] == value, key


def test_non_reasoning_model_has_only_a_message(create):
    body = create('Say "plain"').json()
    assert [i["type"] for i in body["output"]] == ["message"]
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] == 0


def test_input_items_with_text_and_image_parts(create):
    items = [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What colour is this?"},
                {"type": "input_image", "image_url": image_data_url("red"), "detail": "low"},
            ],
        }
    ]
    body = create(items, model_id=model(reasoning=False, images=True)).json()
    assert "dominant colour is red" in text_of(body)


def test_instructions_service_tier_and_max_output_tokens(create):
    body = create(
        "Write 50 words about rivers.",
        instructions="Be brief.",
        service_tier="priority",
        max_output_tokens=5,
    ).json()
    assert body["instructions"] == "Be brief." and body["service_tier"] == "priority"
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["usage"]["output_tokens"] == 5


def test_text_format_json_schema_gives_matching_json(create):
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
    }
    fmt = {"type": "json_schema", "name": "town", "schema": schema, "strict": True}
    body = create("Lyon has a population of 522000.", text={"format": fmt}).json()
    data = json.loads(text_of(body))
    assert data == {"city": "Lyon", "population": 522000}
    assert body["text"] == {"format": fmt}


def test_stored_response_get_delete_then_404(create, http):
    rid = create('Say "keep me"').json()["id"]
    got = http.get(f"/responses/{rid}")
    assert got.status_code == 200 and text_of(got.json()) == "keep me"
    deleted = http.delete(f"/responses/{rid}")
    assert deleted.json() == {"id": rid, "object": "response", "deleted": True}
    gone = http.get(f"/responses/{rid}")
    assert gone.status_code == 404
    assert gone.json()["code"] == "Some requested entity was not found"
    assert http.delete(f"/responses/{rid}").status_code == 404


def test_store_false_is_not_retrievable(create, http):
    body = create('Say "forget me"', store=False).json()
    assert body["store"] is False
    assert http.get(f"/responses/{body['id']}").status_code == 404


def test_previous_response_id_prepends_the_stored_conversation(create):
    first = create("My name is Zephyrine.").json()
    second = create("What is my name?", previous_response_id=first["id"]).json()
    assert text_of(second) == "Your name is Zephyrine."
    assert second["previous_response_id"] == first["id"]
    assert second["usage"]["input_tokens"] > first["usage"]["input_tokens"]
    assert second["usage"]["input_tokens_details"]["cached_tokens"] > 0
    missing = create("Hi", previous_response_id="00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_prompt_cache_key_reports_the_repeated_prefix_as_cached(create):
    items = [
        {"role": "system", "content": "You are a careful assistant. " * 20},
        {"role": "user", "content": 'Say "one"'},
    ]
    key = "cache-test-key-1"
    first = create(items, prompt_cache_key=key).json()
    items[1]["content"] = 'Say "two"'
    second = create(items, prompt_cache_key=key).json()
    other = create(items, prompt_cache_key="another-key").json()
    assert first["usage"]["input_tokens_details"]["cached_tokens"] == 0
    cached = second["usage"]["input_tokens_details"]["cached_tokens"]
    assert 100 < cached < second["usage"]["input_tokens"]
    assert second["usage"]["cost_in_usd_ticks"] < first["usage"]["cost_in_usd_ticks"]
    assert other["usage"]["input_tokens_details"]["cached_tokens"] == 0
    assert second["prompt_cache_key"] == key


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


def test_function_tool_gives_a_function_call_then_uses_its_output(create):
    body = create("What is the weather in Paris?", tools=[WEATHER]).json()
    (call,) = body["output"]
    assert call["type"] == "function_call" and call["name"] == "get_weather"
    assert call["call_id"].startswith("call_") and call["status"] == "completed"
    assert json.loads(call["arguments"]) == {"city": "Paris"}
    follow = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {k: call[k] for k in ("type", "call_id", "name", "arguments")},
        {"type": "function_call_output", "call_id": call["call_id"], "output": "18C and sunny"},
    ]
    answer = create(follow, tools=[WEATHER]).json()
    assert "18C and sunny" in text_of(answer)
    chained = create(
        [{"type": "function_call_output", "call_id": call["call_id"], "output": "rain, 9C"}],
        tools=[WEATHER],
        previous_response_id=body["id"],
    ).json()
    assert "get_weather returned rain, 9C" in text_of(chained)


def test_tool_choice_rules(create):
    no_tools = create("Hi", tool_choice="auto")
    assert no_tools.status_code == 400
    assert no_tools.json()["error"].startswith(
        "Invalid request content: A tool_choice was set on the request but no tools"
    )
    forced = create("Hi", tools=[{"type": "web_search"}], tool_choice={"type": "web_search"})
    assert forced.status_code == 400 and "server-side tool" in forced.json()["error"]
    named = create(
        "Hello", tools=[WEATHER], tool_choice={"type": "function", "name": "get_weather"}
    ).json()
    assert named["output"][0]["type"] == "function_call"


def test_server_side_tools_on_chat_completions_are_refused(chat):
    r = chat("Search the web", tools=[{"type": "web_search"}])
    assert r.status_code == 400 and "/v1/responses" in r.json()["error"]
    fn = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    assert chat("Call get_weather", tools=[fn]).status_code == 200


def test_bad_bodies(create, http):
    missing = http.post("/responses", json={"model": model(reasoning=False)})
    assert missing.status_code == 422
    assert missing.text.startswith("Failed to deserialize the JSON body")
    unknown = create("Hi", model_id="grok-nope")
    assert unknown.status_code == 404 and "grok-nope" in unknown.json()["error"]
    bad_part = create([{"role": "user", "content": [{"type": "picture"}]}])
    assert bad_part.status_code == 400 and "input_text" in bad_part.json()["error"]
    assert http.get("/responses/abc/input_items").status_code == 404


def _model_where(test) -> str:
    from grok_jupyter.client._catalog import get_catalog

    catalog = get_catalog()
    return next(
        m.id for m in catalog.chat_models() if m.id not in catalog.retired_aliases and test(m)
    )


def test_reasoning_effort_is_checked_by_model_and_none_turns_reasoning_off(create):
    rejecting = _model_where(lambda m: "reasoning_effort" in m.rejected_parameters)
    r = create("Hi", model_id=rejecting, reasoning={"effort": "low"})
    assert r.status_code == 400 and "reasoningEffort" in r.json()["error"]
    configurable = _model_where(lambda m: m.reasoning and "none" in m.reasoning_efforts)
    off = create('Say "fast"', model_id=configurable, reasoning={"effort": "none"}).json()
    assert [i["type"] for i in off["output"]] == ["message"]
    assert off["reasoning"] == {"effort": "none", "summary": None}
    on = create('Say "slow"', model_id=configurable, reasoning={"effort": "high"}).json()
    assert on["output"][0]["type"] == "reasoning"
