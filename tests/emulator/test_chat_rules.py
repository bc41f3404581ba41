"""The chat endpoint's fidelity rules (shared/xai-api.md sections 1-4 and 8)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from grok_jupyter.client._catalog import get_catalog
from grok_jupyter.client._tokens import count_prompt_tokens, image_tokens
from grok_jupyter.emulator._validation import camel
from tests.emulator.emulator_helpers import image_data_url, user_with_image

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_response_shape_and_alias_resolution(chat):
    body = chat("Hello there", model="grok-4.20-reasoning-latest").json()
    assert body["model"] == "grok-4.20-0309-reasoning"
    assert body["object"] == "chat.completion"
    assert body["system_fingerprint"].startswith("fp_") and len(body["system_fingerprint"]) == 13
    [choice] = body["choices"]
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["refusal"] is None
    assert "logprobs" not in choice
    assert choice["finish_reason"] == "stop"


def test_grok_4_3_effort_is_not_echoed_in_the_model_name(chat):
    # 2026 §4.1: the grok-3-mini-high style echo for grok-4.3 is [U]; echo grok-4.3.
    assert chat("hi", model="grok-4.3", reasoning_effort="high").json()["model"] == "grok-4.3"
    assert chat("hi", model="grok-4.3-latest", reasoning_effort="low").json()["model"] == "grok-4.3"


def test_usage_counts_reasoning_in_the_total_and_prices_from_the_catalogue(chat):
    body = chat("Reply with 10 words", model="grok-4.3", reasoning_effort="low").json()
    usage = body["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
    prices = get_catalog()["grok-4.3"].price_per_million
    expected = (
        usage["prompt_tokens"] * prices.input
        + (usage["completion_tokens"] + reasoning) * prices.output
    )
    assert usage["cost_in_usd_ticks"] == round(expected / 1e6 * 1e10)
    assert usage["prompt_tokens_details"]["text_tokens"] == usage["prompt_tokens"]


def test_non_reasoning_model_reports_no_reasoning(chat):
    body = chat("hi", model="grok-4.20-0309-non-reasoning").json()
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    assert "reasoning_content" not in body["choices"][0]["message"]


def test_hidden_reasoning_is_billed_but_not_shown(chat):
    body = chat("hi", model="grok-4.20").json()
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    assert "reasoning_content" not in body["choices"][0]["message"]


def test_tool_call_reply_has_empty_content_and_null_refusal(chat):
    body = chat("What is the weather in 'Paris'? Use get_weather.", tools=[WEATHER]).json()
    message = body["choices"][0]["message"]
    assert message["content"] == "" and message["refusal"] is None
    [call] = message["tool_calls"]
    assert "index" not in call
    assert call["id"].startswith("call_") and len(call["id"]) == 13
    assert body["choices"][0]["finish_reason"] == "tool_calls"


def test_search_parameters_is_gone(chat):
    response = chat("news?", search_parameters={"mode": "auto"})
    assert response.status_code == 410
    assert response.json() == {
        "error": "Live search is deprecated. Please switch to the Agent Tools API: "
        "https://docs.x.ai/docs/guides/tools/overview"
    }


REJECTIONS = [
    (m.id, p)
    for m in get_catalog().current_models("chat")
    for p in sorted(m.rejected_parameters)
    if p in ("reasoning_effort", "presence_penalty", "frequency_penalty", "stop")
]
VALUES = {
    "reasoning_effort": "low",
    "presence_penalty": 0.5,
    "frequency_penalty": 0.5,
    "stop": ["x"],
}


@pytest.mark.parametrize(("model", "param"), REJECTIONS)
def test_each_model_rejects_its_parameters_with_the_real_text(chat, model, param):
    response = chat("hi", model=model, **{param: VALUES[param]})
    assert response.status_code == 400
    assert response.json() == {
        "code": "Client specified an invalid argument",
        "error": f"Model {model} does not support parameter {camel(param)}.",
    }


def test_accepted_parameters_pass(chat):
    assert chat("hi", model="grok-4.7", stop=["zzz"], frequency_penalty=0.1).status_code == 200
    assert chat("hi", model="grok-4.3", reasoning_effort="high").status_code == 200


def test_unknown_and_retired_models_are_404_with_the_real_text(chat):
    for name in ("grok-nope", "grok-beta"):
        response = chat("hi", model=name)
        assert response.status_code == 404
        error = response.json()["error"]
        assert error.startswith(f"The model {name} does not exist or your team ")
        assert "does not have access to it" in error


def test_name_is_accepted_only_on_user_messages(chat):
    ok = chat(messages=[{"role": "user", "content": "hi", "name": "ada"}])
    assert ok.status_code == 200
    bad = chat(
        messages=[
            {"role": "system", "content": "be nice", "name": "x"},
            {"role": "user", "content": "hi"},
        ]
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "Only messages of role 'user' can have a name."


@pytest.mark.parametrize("content", ["", None, []])
def test_empty_content_is_400(chat, content):
    response = chat(messages=[{"role": "user", "content": content}])
    assert response.status_code == 400
    assert "Each message must have at least one content element." in response.json()["error"]


def test_assistant_tool_turn_needs_string_content(chat):
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    base = [{"role": "user", "content": "go"}]
    tool = {"role": "tool", "tool_call_id": "call_1", "content": "done"}
    ok = chat(messages=[*base, {"role": "assistant", "content": "", "tool_calls": [call]}, tool])
    assert ok.status_code == 200
    # Null content with tool calls is refused by the real API (langchain-ai/langchain#34140).
    null = chat(
        messages=[*base, {"role": "assistant", "content": None, "tool_calls": [call]}, tool]
    )
    assert null.status_code == 400


def test_tool_call_arguments_must_be_json(chat):
    call = {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{not json"}}
    response = chat(
        messages=[
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_9", "content": "x"},
        ]
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith(
        "The arguments to a tool_call with ID 'call_9' are not a valid JSON string. Parsing error: "
    )


def test_prompt_longer_than_the_context_window_is_400(chat):
    response = chat("word " * 257_000, model="grok-build-0.1")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith(
        "This model's maximum prompt length is 256000 but the request contains "
    )


def test_image_to_a_text_only_model_is_400(chat):
    response = chat(
        messages=user_with_image("what is this?", image_data_url()), model="grok-build-0.1"
    )
    assert response.status_code == 400
    assert "does not support image inputs" in response.json()["error"]


def test_images_are_checked_by_their_bytes_not_their_names(chat):
    gif = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(gif, format="GIF")
    lying = "data:image/png;base64," + base64.b64encode(gif.getvalue()).decode()
    response = chat(messages=user_with_image("what is this?", lying))
    assert response.status_code == 400
    assert "only JPEG and PNG" in response.json()["error"]
    jpeg_named_png = image_data_url("blue", fmt="JPEG").replace("image/jpeg", "image/png")
    assert chat(messages=user_with_image("what is this?", jpeg_named_png)).status_code == 200


def test_images_over_10_mib_are_400(chat):
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024)
    url = "data:image/png;base64," + base64.b64encode(big).decode()
    response = chat(messages=user_with_image("what is this?", url))
    assert response.status_code == 400
    assert "too large" in response.json()["error"]


def test_prompt_tokens_follow_the_shared_client_rule(chat):
    # One rule (client._tokens.count_prompt_tokens) for the emulator's bill and the client.
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Météo d'une ville",  # non-ASCII: counted as sent, not \u-escaped
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    messages = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Weather in "},
                {"type": "text", "text": "'Oslo'?"},
            ],
        },
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 C"},
    ]
    usage = chat(messages=messages, tools=[tool]).json()["usage"]
    assert usage["prompt_tokens"] == count_prompt_tokens(messages, [tool])
    assert count_prompt_tokens(messages, [tool]) > count_prompt_tokens(messages) > 4 * 3

    url = image_data_url(size=(900, 500))
    with_image = user_with_image("describe", url)
    body = chat(messages=with_image).json()
    assert body["usage"]["prompt_tokens"] == count_prompt_tokens(
        with_image, image_tokens_of=lambda part: image_tokens(900, 500)
    )


def test_image_tokens_are_counted(chat):
    body = chat(messages=user_with_image("describe", image_data_url(size=(900, 500)))).json()
    details = body["usage"]["prompt_tokens_details"]
    assert details["image_tokens"] == image_tokens(900, 500) == 256 * 3 * 2  # 448 px tiles
    assert details["text_tokens"] + details["image_tokens"] == body["usage"]["prompt_tokens"]
