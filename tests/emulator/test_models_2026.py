"""The chat route with today's lineup (shared/xai-api-2026.md §1, §4, §8 items 1-4, 12-14)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from grok_jupyter.client._catalog import USD_TICKS_PER_USD, get_catalog
from grok_jupyter.client._types import Usage
from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY, parse_sse


def _ticks(model: str, usage: dict) -> int:
    return round(get_catalog()[model].cost_usd(Usage.model_validate(usage)) * USD_TICKS_PER_USD)


# --- the lineup ------------------------------------------------------------


def test_listings_hold_the_current_models_and_no_retired_id(http):
    ids = {m["id"] for m in http.get("/models").json()["data"]}
    language = {m["id"] for m in http.get("/language-models").json()["models"]}
    for current in ("grok-4.3", "grok-4.20-0309-reasoning", "grok-4.6"):
        assert current in ids and current in language
    for retired in ("grok-4-1-fast-non-reasoning", "grok-4-0709", "grok-3", "grok-code-fast-1"):
        assert retired not in ids and retired not in language


def test_an_alias_is_echoed_as_its_canonical_id(chat):
    body = chat("hi", model="grok-4.20").json()
    assert body["model"] == "grok-4.20-0309-reasoning"


# --- reasoning_effort ------------------------------------------------------


@pytest.mark.parametrize("effort", ["none", "low", "high"])
def test_grok_4_20_rejects_reasoning_effort_for_every_value(chat, effort):
    response = chat("hi", model="grok-4.20", reasoning_effort=effort)
    assert response.status_code == 400
    assert response.json()["error"] == (
        "Model grok-4.20-0309-reasoning does not support parameter reasoningEffort."
    )


def test_each_model_takes_its_own_effort_set(chat):
    assert chat("hi", model="grok-4.6", reasoning_effort="xhigh").status_code == 200
    assert chat("hi", model="grok-4.3", reasoning_effort="none").status_code == 200
    refused = chat("hi", model="grok-4.3", reasoning_effort="xhigh")
    assert refused.status_code == 400
    assert "none, low, medium, high" in refused.json()["error"]


def test_reasoning_only_when_the_effort_is_not_none(chat):
    def reasoning(**fields) -> int:
        usage = chat("Why is the sky blue?", **fields).json()["usage"]
        return usage["completion_tokens_details"]["reasoning_tokens"]

    assert reasoning(model="grok-4.3", reasoning_effort="none") == 0
    # No effort: grok-4.3's default (low) applies, so it reasons as with low.
    assert reasoning(model="grok-4.3") == reasoning(model="grok-4.3", reasoning_effort="low") > 0
    assert reasoning(model="grok-4.6") == reasoning(model="grok-4.6", reasoning_effort="high")


def test_logprobs_are_ignored_on_grok_4_20(chat):
    response = chat("Say 'hi'", model="grok-4.20-0309-non-reasoning", logprobs=True)
    assert response.status_code == 200
    assert "logprobs" not in response.json()["choices"][0]
    chunks = parse_sse(chat("Say 'hi'", model="grok-4.20", logprobs=True, stream=True).text)[:-1]
    assert all("logprobs" not in c["choices"][0] for c in chunks if c["choices"])
    # grok-4.3 still honours it.
    assert "logprobs" in chat("Say 'hi'", model="grok-4.3", logprobs=True).json()["choices"][0]


# --- prices ----------------------------------------------------------------


def test_a_long_prompt_on_grok_4_20_bills_every_token_at_the_higher_tier(chat):
    usage = chat("word " * 200_000, model="grok-4.20-0309-non-reasoning").json()["usage"]
    assert usage["prompt_tokens"] >= 200_000
    tier = get_catalog()["grok-4.20-0309-non-reasoning"].price_per_million.long_context
    expected = usage["prompt_tokens"] * tier.input + usage["completion_tokens"] * tier.output
    assert usage["cost_in_usd_ticks"] == round(expected / 1e6 * USD_TICKS_PER_USD)
    standard = get_catalog()["grok-4.20-0309-non-reasoning"].price_per_million
    at_standard = (
        usage["prompt_tokens"] * standard.input + usage["completion_tokens"] * standard.output
    )
    assert abs(usage["cost_in_usd_ticks"] - 2 * at_standard / 1e6 * USD_TICKS_PER_USD) <= 1
    short = chat("word " * 1000, model="grok-4.20-0309-non-reasoning").json()["usage"]
    assert short["cost_in_usd_ticks"] == _ticks("grok-4.20-0309-non-reasoning", short)


# --- retired ids -----------------------------------------------------------


@pytest.mark.parametrize(
    ("retired", "reasons"),
    [("grok-4-1-fast-non-reasoning", False), ("grok-4-fast-reasoning", True), ("grok-3", False)],
)
def test_a_retired_id_is_answered_and_priced_by_its_target(chat, retired, reasons):
    response = chat("Why is the sky blue?", model=retired)
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "grok-4.3"
    usage = body["usage"]
    # The implied effort: low for a reasoning id, none for a non-reasoning one.
    assert (usage["completion_tokens_details"]["reasoning_tokens"] > 0) is reasons
    assert usage["cost_in_usd_ticks"] == _ticks("grok-4.3", usage)
    assert usage["cost_in_usd_ticks"] != _ticks(retired, usage)


def test_serve_retired_error_answers_404_with_the_not_found_text():
    with (
        serve(retired="error", quiet=True) as emu,
        httpx.Client(base_url=emu.base_url, headers={"Authorization": f"Bearer {KEY}"}) as http,
    ):
        messages = [{"role": "user", "content": "hi"}]
        old = http.post("/chat/completions", json={"model": "grok-3", "messages": messages})
        assert old.status_code == 404
        assert old.json()["error"].startswith("The model grok-3 does not exist or your team ")
        current = http.post("/chat/completions", json={"model": "grok-4.3", "messages": messages})
        assert current.status_code == 200
    with pytest.raises(ValueError, match="retired"):
        with serve(retired="maybe", quiet=True):
            pass


# --- prompt caching --------------------------------------------------------

SYSTEM = {"role": "system", "content": "You are a careful assistant. " * 40}


def test_a_repeated_prefix_under_one_conv_id_is_cached_and_cheaper(chat):
    conv = {"x-grok-conv-id": f"conv-{uuid.uuid4()}"}
    first = [SYSTEM, {"role": "user", "content": "What is 2+2?"}]
    one = chat(messages=first, headers=conv).json()["usage"]
    assert one["prompt_tokens_details"]["cached_tokens"] == 0
    second = [
        *first,
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    ]
    two = chat(messages=second, headers=conv).json()["usage"]
    cached = two["prompt_tokens_details"]["cached_tokens"]
    assert one["prompt_tokens"] <= cached + 1 and cached < two["prompt_tokens"]
    assert two["cost_in_usd_ticks"] == _ticks("grok-4.3", two)
    # The same request without the header: nothing cached (implicit caching -> zero).
    plain = chat(messages=second).json()["usage"]
    assert plain["prompt_tokens_details"]["cached_tokens"] == 0
    assert two["cost_in_usd_ticks"] < plain["cost_in_usd_ticks"]
    # Another conversation id shares no cache.
    other = chat(messages=second, headers={"x-grok-conv-id": f"conv-{uuid.uuid4()}"}).json()
    assert other["usage"]["prompt_tokens_details"]["cached_tokens"] == 0


def test_cached_tokens_reach_the_stream_usage_chunk(chat):
    conv = {"x-grok-conv-id": f"conv-{uuid.uuid4()}"}
    messages = [SYSTEM, {"role": "user", "content": "hi"}]
    chat(messages=messages, headers=conv)
    events = parse_sse(
        chat(
            messages=[*messages, {"role": "user", "content": "again"}],
            headers=conv,
            stream=True,
            stream_options={"include_usage": True},
        ).text
    )
    assert events[-2]["usage"]["prompt_tokens_details"]["cached_tokens"] > 0


# --- service_tier ----------------------------------------------------------


def test_service_tier_is_echoed_in_bodies_and_chunks(chat):
    assert chat("hi").json()["service_tier"] == "default"
    priority = chat("hi", service_tier="priority").json()
    assert priority["service_tier"] == "priority"
    # [U] multiplier: priced like default, as the Responses route does.
    assert priority["usage"]["cost_in_usd_ticks"] == _ticks("grok-4.3", priority["usage"])
    chunks = parse_sse(chat("hi", service_tier="priority", stream=True).text)[:-1]
    assert chunks and all(c["service_tier"] == "priority" for c in chunks)


def test_serve_retired_error_also_applies_to_responses():
    from grok_jupyter.emulator import serve

    with serve(retired="error") as emu:
        r = httpx.post(
            f"{emu}/responses",
            json={"model": "grok-4-1-fast-reasoning", "input": "hi"},
            headers={"Authorization": "Bearer xai-emulator-test-key-7Qk9"},
        )
        assert r.status_code == 404 and "grok-4-1-fast-reasoning" in r.text
