"""Hardening (issue 11 item 15, issue 12): bad bodies, limits, bounds, request ids, auth."""

from __future__ import annotations

import json

import httpx
import pytest

from grok_jupyter.client._catalog import get_catalog
from grok_jupyter.emulator import serve
from grok_jupyter.emulator._model_rules import takes_chat
from tests.emulator.emulator_helpers import KEY

AUTH = {"Authorization": f"Bearer {KEY}"}
MODEL = "grok-4-fast-non-reasoning"
DESERIALIZE = "Failed to deserialize the JSON body into the target type: "


def _raw_chat(http: httpx.Client, raw: bytes) -> httpx.Response:
    return http.post("/chat/completions", content=raw, headers={"content-type": "application/json"})


def test_deeply_nested_json_is_400_not_500(http):
    deep = b'{"model":"m","messages":' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = _raw_chat(http, deep)
    assert response.status_code == 400
    assert response.text.startswith("Failed to parse the request body as JSON: recursion limit")


def test_nesting_just_past_serdes_limit_is_refused_and_within_it_is_not(http):
    def nested(depth: int) -> bytes:  # the top-level object is one level of nesting
        inner = b"[" * (depth - 1) + b"]" * (depth - 1)
        return b'{"model":"%s","messages":%s}' % (MODEL.encode(), inner)

    assert _raw_chat(http, nested(129)).status_code == 400
    assert "recursion limit" not in _raw_chat(http, nested(128)).text


def test_a_body_over_the_limit_gets_413_and_is_not_kept():
    with serve(max_body_bytes=10_000) as emu, httpx.Client(base_url=emu, headers=AUTH) as http:
        big = {"model": MODEL, "messages": [{"role": "user", "content": "x" * 20_000}]}
        response = http.post("/chat/completions", json=big)
        assert response.status_code == 413
        assert response.text == "Failed to buffer the request body: length limit exceeded"
        assert emu.requests == []  # refused before it was read or recorded
        small = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
        assert http.post("/chat/completions", json=small).status_code == 200


def test_a_chunked_body_over_the_limit_gets_413():
    with serve(max_body_bytes=10_000) as emu, httpx.Client(base_url=emu, headers=AUTH) as http:
        chunks = iter([b'{"model":"m","messages":"', b"x" * 8_000, b"x" * 8_000, b'"}'])
        response = http.post("/chat/completions", content=chunks)  # no content-length
        assert response.status_code == 413


def test_the_request_log_keeps_the_newest_within_count_and_bytes():
    with serve(max_recorded=3, max_recorded_bytes=10**9) as emu:
        with httpx.Client(base_url=emu, headers=AUTH) as http:
            for i in range(5):
                http.post(
                    "/chat/completions",
                    json={"model": MODEL, "messages": [{"role": "user", "content": f"say 'n{i}'"}]},
                )
        assert [r.body["messages"][0]["content"] for r in emu.requests] == [
            "say 'n2'",
            "say 'n3'",
            "say 'n4'",
        ]
    with serve(max_recorded=1000, max_recorded_bytes=2_500) as emu:
        with httpx.Client(base_url=emu, headers=AUTH) as http:
            for i in range(5):
                http.post(
                    "/chat/completions",
                    json={"model": MODEL, "messages": [{"role": "user", "content": f"{i}" * 1000}]},
                )
        kept = [r.body["messages"][0]["content"][0] for r in emu.requests]
        assert kept == ["3", "4"]  # about 1 kB each: two fit in 2.5 kB


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("temperature", "hot", 'temperature: invalid type: string "hot", expected f32'),
        ("stream", "yes", 'stream: invalid type: string "yes", expected a boolean'),
        ("n", 1.5, "n: invalid type: floating point `1.5`, expected i32"),
        ("max_tokens", True, "max_tokens: invalid type: boolean `true`, expected i32"),
        ("messages", "hi", 'messages: invalid type: string "hi", expected a sequence'),
    ],
)
def test_wrong_json_types_are_422_in_the_deserialiser_style(http, field, value, says):
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], field: value}
    raw = json.dumps(body, separators=(",", ":")).encode()
    response = _raw_chat(http, raw)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith(DESERIALIZE + says + " at line 1 column ")
    # serde reports the position just after the offending value.
    column = int(response.text.rsplit(" ", 1)[1])
    assert raw[:column].endswith(json.dumps(value, separators=(",", ":")).encode())


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"top_p": 0}, "top_p"),
        ({"top_p": 1.01}, "top_p"),
        ({"frequency_penalty": 2.5}, "frequency_penalty"),
        ({"presence_penalty": -3}, "presence_penalty"),
        ({"n": 0}, "n"),
    ],
)
def test_numbers_outside_the_documented_ranges_are_400(chat, fields, says):
    # A chat model that takes both penalties, so the range check is what answers.
    model = next(
        m.id
        for m in get_catalog().chat_models()
        if not {"presence_penalty", "frequency_penalty"} & set(m.rejected_parameters)
        and takes_chat(m)
    )
    response = chat("hi", model=model, **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "Client specified an invalid argument"
    assert body["error"].startswith(f"Invalid value for {says}:")


@pytest.mark.parametrize("fields", [{"temperature": 0}, {"temperature": 2}, {"top_p": 1}])
def test_numbers_at_the_edges_of_the_ranges_are_accepted(chat, fields):
    assert chat("hi", **fields).status_code == 200


def test_n_has_no_made_up_upper_bound_and_completion_tokens_count_every_choice(chat):
    one = chat("Write 10 words.").json()
    twelve = chat("Write 10 words.", n=12).json()
    assert len(twelve["choices"]) == 12
    assert twelve["usage"]["completion_tokens"] == 12 * one["usage"]["completion_tokens"]
    assert twelve["usage"]["prompt_tokens"] == one["usage"]["prompt_tokens"]
    assert twelve["usage"]["cost_in_usd_ticks"] > one["usage"]["cost_in_usd_ticks"]


def test_every_reply_carries_an_x_request_id(emu, http, chat):
    ok = chat("hi")
    streamed = chat("hi", stream=True)
    errors = [
        http.get("/models/nope"),
        httpx.post(f"{emu}/chat/completions", json={}),  # no key
        chat("hi", temperature="hot"),
    ]
    emu.inject("server_error")
    errors.append(chat("hi"))
    ids = [r.headers.get("x-request-id") for r in [ok, streamed, *errors]]
    assert all(ids) and len(set(ids)) == len(ids)


def test_a_bad_key_is_refused_before_an_injected_fault_applies(emu):
    emu.inject("server_error")
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    bad = httpx.post(f"{emu}/chat/completions", json=body, headers={"Authorization": "Bearer sk-x"})
    assert bad.status_code == 400 and "Incorrect API key" in bad.json()["error"]
    missing = httpx.post(
        f"{emu}/chat/completions", json=body, headers={"x-emulator-fault": "unavailable"}
    )
    assert missing.status_code == 401
