"""``logprobs`` / ``top_logprobs``: the shape, the numbers and the 400s (xai-api.md 1.1, 2, 3)."""

from __future__ import annotations

import pytest

from grok_jupyter.client._tokens import split_tokens
from tests.emulator.emulator_helpers import parse_sse

PROMPT = "Reply with 15 words"


def _check_entry(entry: dict, top: int) -> None:
    token = entry["token"]
    assert set(entry) == {"token", "logprob", "bytes", "top_logprobs"}
    assert entry["bytes"] == list(token.encode("utf-8"))
    assert entry["logprob"] <= 0
    alternatives = entry["top_logprobs"]
    assert len(alternatives) == top
    assert len({a["token"] for a in alternatives}) == top  # no token listed twice
    for alt in alternatives:
        assert set(alt) == {"token", "logprob", "bytes"}
        assert alt["bytes"] == list(alt["token"].encode("utf-8")) and alt["logprob"] <= 0
    if top:
        # The chosen token leads its alternatives and is the most likely of them.
        assert alternatives[0]["token"] == token and alternatives[0]["logprob"] == entry["logprob"]
        assert all(a["logprob"] < entry["logprob"] for a in alternatives[1:])


def test_one_entry_per_completion_token_with_its_alternatives(chat):
    body = chat(PROMPT, logprobs=True, top_logprobs=5).json()
    [choice] = body["choices"]
    content = choice["message"]["content"]
    entries = choice["logprobs"]["content"]
    assert [e["token"] for e in entries] == split_tokens(content)
    assert len(entries) == body["usage"]["completion_tokens"]
    for entry in entries:
        _check_entry(entry, 5)


@pytest.mark.parametrize("top", [None, 0, 8])
def test_top_logprobs_count_defaults_to_none_listed(chat, top):
    fields = {"logprobs": True} if top is None else {"logprobs": True, "top_logprobs": top}
    entries = chat("Say 'one two three'", **fields).json()["choices"][0]["logprobs"]["content"]
    assert [e["token"] for e in entries] == ["one", " two", " three"]
    for entry in entries:
        _check_entry(entry, top or 0)


def test_the_same_request_gets_the_same_logprobs(chat):
    first = chat(PROMPT, logprobs=True, top_logprobs=3).json()["choices"][0]["logprobs"]
    again = chat(PROMPT, logprobs=True, top_logprobs=3).json()["choices"][0]["logprobs"]
    assert first == again
    # Not a constant: different tokens get different numbers.
    assert len({e["logprob"] for e in first["content"]}) > 1


def test_every_choice_carries_logprobs(chat):
    choices = chat("Say 'hi'", logprobs=True, n=2).json()["choices"]
    assert [c["logprobs"]["content"][0]["token"] for c in choices] == ["hi", "hi"]


def test_no_logprobs_key_unless_asked(chat):
    for fields in ({}, {"logprobs": False}):
        assert "logprobs" not in chat("Say 'hi'", **fields).json()["choices"][0]
        chunks = parse_sse(chat("Say 'hi'", stream=True, **fields).text)[:-1]
        assert all("logprobs" not in c for chunk in chunks for c in chunk["choices"])


def test_each_streamed_content_chunk_carries_its_own_tokens_logprobs(chat):
    full = chat(PROMPT, logprobs=True, top_logprobs=2).json()["choices"][0]["logprobs"]
    events = parse_sse(chat(PROMPT, logprobs=True, top_logprobs=2, stream=True).text)
    assert events[-1] == "[DONE]"
    streamed = []
    for chunk in events[:-1]:
        [choice] = chunk["choices"]
        if "content" in choice["delta"]:
            [entry] = choice["logprobs"]["content"]
            assert entry["token"] == choice["delta"]["content"]
            streamed.append(entry)
        else:
            assert "logprobs" not in choice  # the finish chunk
    assert streamed == full["content"]


def test_a_reasoning_model_gives_logprobs_for_content_only(chat):
    # grok-4.3 (low) streams its reasoning_content first: only content tokens carry logprobs.
    chunks = parse_sse(
        chat("Say 'hi'", model="grok-4.3", reasoning_effort="low", logprobs=True, stream=True).text
    )[:-1]
    reasoning = [c["choices"][0] for c in chunks if "reasoning_content" in c["choices"][0]["delta"]]
    assert reasoning and all("logprobs" not in c for c in reasoning)
    content = [c["choices"][0] for c in chunks if "content" in c["choices"][0]["delta"]]
    assert [c["logprobs"]["content"][0]["token"] for c in content] == ["hi"]
    others = [c["choices"][0] for c in chunks if "content" not in c["choices"][0]["delta"]]
    assert others and all("logprobs" not in c for c in others)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"logprobs": True, "top_logprobs": 9}, "between 0 and 8"),
        ({"logprobs": True, "top_logprobs": -1}, "between 0 and 8"),
        ({"top_logprobs": 2}, "requires logprobs"),
        ({"logprobs": False, "top_logprobs": 2}, "requires logprobs"),
    ],
)
def test_bad_logprobs_requests_are_400(chat, fields, says):
    for stream in (False, True):
        response = chat("hi", stream=stream, **fields)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "Client specified an invalid argument"
        assert says in body["error"]


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (
            {"logprobs": True, "top_logprobs": "3"},
            'top_logprobs: invalid type: string "3", expected i32',
        ),
        ({"logprobs": "yes"}, 'logprobs: invalid type: string "yes", expected a boolean'),
    ],
)
def test_logprobs_of_the_wrong_json_type_are_422(chat, fields, says):
    response = chat("hi", **fields)
    assert response.status_code == 422
    assert response.text.startswith("Failed to deserialize the JSON body into the target type: ")
    assert says in response.text
