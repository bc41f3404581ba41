"""What each model does on each route (shared/xai-api-2026-09.md sections 1, 3 and 5).

grok-4.3's Chat replies carry ``reasoning_content`` [REC]; the multi-agent model is
Responses-only [DOC]; grok-4.5 and grok-4.6 take no batches [DOC].
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY, parse_sse

MULTI_AGENT = "grok-4.20-multi-agent-0309"
INVALID = "Client specified an invalid argument"


def _message(chat, model: str, **fields) -> dict:
    r = chat("Say 'hi'", model=model, **fields)
    assert r.status_code == 200, r.text
    return r.json()["choices"][0]["message"]


def test_grok_4_3_chat_replies_carry_reasoning_content(chat):
    # REC vercel/ai issue-17936-chat: content "hello", reasoning_content "The user says: ...".
    message = _message(chat, "grok-4.3")
    assert message["content"] == "hi"
    assert "Say 'hi'" in message["reasoning_content"]


def test_a_retired_id_answered_by_grok_4_3_carries_it_too(chat):
    # The recording itself sent grok-4 and was answered by grok-4.3.
    message = _message(chat, "grok-4")
    assert message["reasoning_content"]


def test_no_reasoning_content_without_reasoning_or_where_none_is_recorded(chat):
    assert "reasoning_content" not in _message(chat, "grok-4.3", reasoning_effort="none")
    assert "reasoning_content" not in _message(chat, "grok-4.20-0309-reasoning")


def test_the_multi_agent_model_is_refused_on_chat_completions(emu, chat):
    for stream in (False, True):
        r = chat("hi", model=MULTI_AGENT, stream=stream)
        assert r.status_code == 400
        body = r.json()
        assert body["code"] == INVALID
        assert MULTI_AGENT in body["error"] and "/v1/responses" in body["error"]
    # Also by an alias, and before anything is billed.
    assert chat("hi", model="grok-4.20-multi-agent").status_code == 400
    assert emu.billed == {"ticks": 0, "calls": 0}


def test_the_multi_agent_model_answers_on_responses(http):
    for stream in (False, True):
        r = http.post(
            "/responses",
            json={"model": MULTI_AGENT, "input": "Say 'hi'", "stream": stream},
        )
        assert r.status_code == 200, r.text
        final = parse_sse(r.text)[-2]["response"] if stream else r.json()
        assert final["model"] == MULTI_AGENT and final["status"] == "completed"


@pytest.fixture(scope="module")
def batch_emu() -> Iterator:
    with serve(batch_delay=0) as emu:  # results at the first read
        yield emu


@pytest.fixture
def batches(batch_emu) -> Iterator[httpx.Client]:
    batch_emu.reset()
    with httpx.Client(
        base_url=batch_emu.base_url, headers={"Authorization": f"Bearer {KEY}"}
    ) as http:
        yield http


def _item(rid: str, model: str) -> dict:
    body = {"model": model, "messages": [{"role": "user", "content": "Say 'hi'"}]}
    return {"batch_request_id": rid, "batch_request": {"chat_get_completion": body}}


def test_models_that_take_no_batches_get_an_error_result_each(batch_emu, batches):
    bid = batches.post("/batches", json={"name": "mixed"}).json()["batch_id"]
    items = [_item("a", "grok-4.3"), _item("b", "grok-4.5"), _item("c", "grok-4.6")]
    assert batches.post(f"/batches/{bid}/requests", json={"batch_requests": items}).is_success
    state = batches.get(f"/batches/{bid}").json()["state"]
    assert (state["num_success"], state["num_error"]) == (1, 2)
    results = {
        r["batch_request_id"]: r["batch_result"]
        for r in batches.get(f"/batches/{bid}/results").json()["results"]
    }
    answered = results["a"]["response"]["chat_get_completion"]
    assert answered["choices"][0]["message"]["content"] == "hi"
    for rid, model in (("b", "grok-4.5"), ("c", "grok-4.6")):
        error = results[rid]["error"]
        assert error["code"] == 3 and model in error["message"] and "batch" in error["message"]
    # Only the answered request is billed.
    assert batch_emu.billed == {"ticks": answered["usage"]["cost_in_usd_ticks"], "calls": 1}
