"""The deterministic, honest responder, seen through the HTTP API."""

from __future__ import annotations

import json

import jsonschema
import pytest

from grok_jupyter.client._tokens import split_tokens
from tests.emulator.emulator_helpers import image_data_url, user_with_image


def _content(response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


def _calls(response) -> list[tuple[str, dict]]:
    assert response.status_code == 200, response.text
    message = response.json()["choices"][0]["message"]
    return [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or []
    ]


def test_same_request_same_answer(chat):
    first = chat("Tell me about rivers", model="grok-4.3").json()
    second = chat("Tell me about rivers", model="grok-4.3").json()
    assert first["choices"] == second["choices"]
    assert first["usage"] == second["usage"]
    assert _content(chat("Tell me about mountains")) != _content(chat("Tell me about rivers"))


@pytest.mark.parametrize(
    ("prompt", "n"),
    [
        ("reply with 500 words", 500),
        ("Write 12 words please", 12),
        ("in 1 word", 1),
        # A thousands separator once read as "000-word": an empty answer.
        ("Write a 2,000-word essay about the history of Rome.", 2000),
        ("Draft a 1.5k-word blog post on tides", 1500),
        ("Reply with 0 words.", 0),  # the one way to ask for an empty answer
    ],
)
def test_asked_word_counts_are_exact(chat, prompt, n):
    assert len(_content(chat(prompt)).split()) == n


@pytest.mark.parametrize(
    "prompt",
    [
        "Write an essay about the history of Rome.",
        "Write a long story about a dragon who learns to sail.",
        "Explain in detail how the TCP handshake works.",
    ],
)
def test_a_long_piece_asked_for_without_a_length_is_long(chat, prompt):
    assert len(_content(chat(prompt)).split()) >= 500


def test_a_long_answer_on_the_responses_api_too(http):
    body = http.post(
        "/responses", json={"model": "grok-4.3", "input": "Write a 2,000-word essay about Rome."}
    ).json()
    message = next(i for i in body["output"] if i["type"] == "message")
    assert len(message["content"][0]["text"].split()) == 2000


def test_answer_is_derived_from_the_prompt(chat):
    assert "Tell me about rivers" in _content(chat("Tell me about rivers"))
    assert _content(chat('Say "hello world"')) == "hello world"
    assert _content(chat("What is 6 * 7?")) == "6 * 7 = 42"


def test_the_conversation_is_remembered(chat):
    messages = [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Hello Ada."},
        {"role": "user", "content": "What is my name?"},
    ]
    assert "Ada" in _content(chat(messages=messages))


def test_max_tokens_truncates_with_length(chat):
    for field in ("max_tokens", "max_completion_tokens"):
        body = chat("Reply with 100 words", **{field: 10}).json()
        assert body["choices"][0]["finish_reason"] == "length"
        assert len(split_tokens(body["choices"][0]["message"]["content"])) == 10
        assert body["usage"]["completion_tokens"] == 10


def test_stop_sequences_are_honoured(chat):
    full = _content(chat("Reply with 30 words", model="grok-4.3"))
    word = full.split()[5]
    body = chat("Reply with 30 words", model="grok-4.3", stop=[word]).json()
    assert body["choices"][0]["message"]["content"] == full[: full.index(word)]
    assert body["choices"][0]["finish_reason"] == "stop"


def test_reasoning_models_think_first(chat):
    body = chat("Why is the sky blue?", model="grok-4.20").json()
    assert "reasoning_content" not in body["choices"][0]["message"]  # hidden on grok-4.x
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    low = chat("hi", model="grok-4.3", reasoning_effort="low").json()["usage"]
    high = chat("hi", model="grok-4.3", reasoning_effort="high").json()["usage"]
    assert (
        high["completion_tokens_details"]["reasoning_tokens"]
        > low["completion_tokens_details"]["reasoning_tokens"]
    )


# --- tools -----------------------------------------------------------------


def _tool(
    name: str,
    properties: dict,
    required: list[str] | None = None,
    defs: dict | None = None,
    description: str | None = None,
) -> dict:
    params = {"type": "object", "properties": properties, "required": required or list(properties)}
    if defs:
        params["$defs"] = defs
    return {
        "type": "function",
        "function": {"name": name, "description": description or name, "parameters": params},
    }


MAGIC = _tool("magic_function", {"input": {"type": "integer"}})
WEATHER = _tool(
    "get_weather",
    {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    required=["city"],
)
SEARCH = _tool("search", {"query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}})


def test_literal_call_syntax_gives_the_arguments(chat):
    assert _calls(chat("What is the value of magic_function(3)?", tools=[MAGIC])) == [
        ("magic_function", {"input": 3})
    ]


def test_named_tool_gets_quoted_strings_numbers_and_non_latin_text(chat):
    assert _calls(chat("Use get_weather for 'Paris' in fahrenheit", tools=[WEATHER, MAGIC])) == [
        ("get_weather", {"city": "Paris", "unit": "fahrenheit"})
    ]
    assert _calls(chat("Use get_weather for 北京 please", tools=[WEATHER])) == [
        ("get_weather", {"city": "北京"})
    ]
    assert _calls(chat("get_weather: Москва", tools=[WEATHER])) == [
        ("get_weather", {"city": "Москва"})
    ]
    assert _calls(chat('search "grok api" and show 5 results', tools=[SEARCH])) == [
        ("search", {"query": "grok api", "limit": 5})
    ]


def test_forced_tool_choice_always_calls(chat):
    required = chat("Hello there", tools=[MAGIC], tool_choice="required")
    [(name, args)] = _calls(required)
    assert name == "magic_function" and isinstance(args["input"], int)
    named = chat(
        "Hello",
        tools=[MAGIC, WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    [(name, args)] = _calls(named)
    assert name == "get_weather"
    jsonschema.validate(args, WEATHER["function"]["parameters"])


def test_asking_to_use_a_tool_calls_it_and_none_never_does(chat):
    assert _calls(chat("Please use a tool to help me", tools=[MAGIC]))[0][0] == "magic_function"
    assert _calls(chat("Use magic_function(3)", tools=[MAGIC], tool_choice="none")) == []
    assert _calls(chat("What's up?", tools=[MAGIC])) == []


LOCATION_WEATHER = _tool(
    "get_weather", {"location": {"type": "string"}}, description="Get the weather at a location."
)


def test_a_prompt_about_a_tools_subject_calls_it_under_auto(chat):
    # langchain_tests' test_agent_loop: the tool is never named, its subject is.
    prompt = "What is the weather in San Francisco, CA?"
    assert _calls(chat(prompt, tools=[LOCATION_WEATHER, MAGIC], tool_choice="auto")) == [
        ("get_weather", {"location": "San Francisco"})
    ]
    rate = _tool("fetchExchangeRate", {"pair": {"type": "string"}})
    assert [n for n, _ in _calls(chat("The exchange rate for 'EURUSD'?", tools=[rate]))] == [
        "fetchExchangeRate"
    ]
    # The key noun of the description counts when the name says nothing.
    lookup = _tool("lookup", {"ticker": {"type": "string"}}, description="Look up a stock quote.")
    assert _calls(chat("Give me a stock quote for 'XAI'", tools=[lookup])) == [
        ("lookup", {"ticker": "XAI"})
    ]


def test_the_best_matching_tool_wins_and_small_talk_calls_nothing(chat):
    forecast = _tool("get_weather_forecast", {"city": {"type": "string"}})
    tools = [WEATHER, forecast]
    assert [n for n, _ in _calls(chat("Weather forecast for 'Oslo'?", tools=tools))] == [
        "get_weather_forecast"
    ]
    assert [n for n, _ in _calls(chat("How is the weather in 'Oslo'?", tools=tools))] == [
        "get_weather"
    ]
    for prompt in ("hello", "Hello! How are you?", "Tell me a joke about cats."):
        assert _calls(chat(prompt, tools=[LOCATION_WEATHER, MAGIC, SEARCH])) == []


def test_sentence_openers_and_tool_name_words_are_not_values(chat):
    prompt = "Weather in 'Paris' and 'London'? Use get_weather for each."
    assert _calls(chat(prompt, tools=[WEATHER, MAGIC])) == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "London"}),
    ]
    assert _calls(chat("Weather in Lisbon, please", tools=[WEATHER])) == [
        ("get_weather", {"city": "Lisbon"})
    ]
    # ... but a name that opens a sentence as its subject is still a name.
    assert _calls(chat("Rome is lovely. Use get_weather.", tools=[WEATHER])) == [
        ("get_weather", {"city": "Rome"})
    ]


def test_several_calls_unless_parallel_tool_calls_is_false(chat):
    prompt = "Call magic_function(2) and magic_function(5), then get_weather for 'Oslo'"
    calls = _calls(chat(prompt, tools=[MAGIC, WEATHER]))
    assert calls == [
        ("magic_function", {"input": 2}),
        ("magic_function", {"input": 5}),
        ("get_weather", {"city": "Oslo"}),
    ]
    assert _calls(
        chat("Get the weather for 'Paris' and 'Rome', each with get_weather", tools=[WEATHER])
    ) == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Rome"}),
    ]
    assert len(_calls(chat(prompt, tools=[MAGIC, WEATHER], parallel_tool_calls=False))) == 1
    assert len(_calls(chat("Use all the tools", tools=[MAGIC, WEATHER]))) == 2


def test_arguments_are_completed_to_validate_against_the_schema(chat):
    nested = _tool(
        "book",
        {
            "guest": {"$ref": "#/$defs/Guest"},
            "nights": {"type": "integer", "minimum": 2},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
        defs={
            "Guest": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "vip": {"type": "boolean"}},
                "required": ["name", "vip"],
            }
        },
    )
    [(name, args)] = _calls(chat("Use book for Alice", tools=[nested]))
    assert name == "book"
    jsonschema.validate(args, nested["function"]["parameters"])
    assert args["guest"]["name"] == "Alice"


def test_tool_results_are_used_in_the_answer(chat):
    first = chat("What is magic_function(3)?", tools=[MAGIC]).json()["choices"][0]["message"]
    messages = [
        {"role": "user", "content": "What is magic_function(3)?"},
        {"role": "assistant", "content": "", "tool_calls": first["tool_calls"]},
        {"role": "tool", "tool_call_id": first["tool_calls"][0]["id"], "content": "5"},
    ]
    response = chat(messages=messages, tools=[MAGIC])
    assert response.json()["choices"][0]["finish_reason"] == "stop"
    answer = _content(response)
    assert "magic_function" in answer and "5" in answer


# --- structured output -----------------------------------------------------

PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "role": {"type": "string", "enum": ["engineer", "artist", "pilot"]},
        "email": {"anyOf": [{"type": "string", "format": "email"}, {"type": "null"}]},
        "address": {"$ref": "#/$defs/Address"},
        "pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}},
        "score": {"type": "number", "exclusiveMaximum": 1},
    },
    "required": ["name", "age", "role", "email", "address", "pets", "score"],
    "additionalProperties": False,
    "$defs": {
        "Address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "zip": {"type": ["string", "null"]}},
            "required": ["city", "zip"],
        },
        "Pet": {
            "type": "object",
            "properties": {"kind": {"const": "cat"}, "legs": {"type": "integer"}},
            "required": ["kind", "legs"],
        },
    },
}


def test_json_schema_answers_validate_and_use_the_prompt(chat):
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "person", "schema": PERSON_SCHEMA, "strict": True},
    }
    content = _content(chat("Alice is 30 and works as a pilot in Berlin.", response_format=fmt))
    person = json.loads(content)
    jsonschema.validate(person, PERSON_SCHEMA)
    assert person["name"] == "Alice" and person["age"] == 30 and person["role"] == "pilot"


def test_json_object_answers_are_json_objects(chat):
    content = _content(chat("Give me JSON about cats", response_format={"type": "json_object"}))
    assert json.loads(content).keys() == {"answer"}


@pytest.mark.parametrize(
    "prompt",
    [
        # langchain_tests' test_json_mode, word for word
        "Tell me a joke about cats. Return the result as a JSON with 'setup' and "
        "'punchline' keys. Return nothing other than JSON.",
        "Tell me a joke as JSON with `setup` and `punchline`.",
        "A joke, please, with keys setup and punchline.",
    ],
)
def test_json_object_answers_have_the_keys_the_prompt_names(chat, prompt):
    joke = json.loads(_content(chat(prompt, response_format={"type": "json_object"})))
    assert list(joke) == ["setup", "punchline"]
    assert all(isinstance(v, str) and v and v not in ("setup", "punchline") for v in joke.values())


def test_json_object_keys_take_values_from_the_prompt_or_the_system_message(chat):
    fmt = {"type": "json_object"}
    prompt = "Extract the person: Alice is 30 years old. Answer in JSON with keys name and age."
    assert json.loads(_content(chat(prompt, response_format=fmt))) == {"name": "Alice", "age": 30}
    messages = [
        {"role": "system", "content": "Always answer with a JSON object with keys 'city'."},
        {"role": "user", "content": "I live in Paris."},
    ]
    assert json.loads(_content(chat(messages=messages, response_format=fmt))) == {"city": "Paris"}


# --- vision ----------------------------------------------------------------


def test_vision_states_true_facts(chat):
    answer = _content(
        chat(messages=user_with_image("What colour is this?", image_data_url("red", (64, 48))))
    )
    assert "PNG" in answer and "64 × 48" in answer and "red" in answer
    jpeg = _content(
        chat(messages=user_with_image("and this?", image_data_url("blue", (30, 20), "JPEG")))
    )
    assert "JPEG" in jpeg and "blue" in jpeg


def test_vision_reads_the_emulators_own_generated_images(chat, http):
    url = http.post("/images/generations", json={"prompt": "a red square"}).json()["data"][0]["url"]
    answer = _content(chat(messages=user_with_image("What colour is the square?", url)))
    assert "red" in answer and "1024 × 768" in answer


def test_internet_images_are_honestly_not_fetched(chat):
    answer = _content(
        chat(messages=user_with_image("What is this?", "https://example.com/cat.png"))
    )
    assert "could not fetch" in answer
