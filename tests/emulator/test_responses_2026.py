"""The 2026 Responses layout of shared/xai-api-2026-09.md section 2, over real HTTP.

Recorded bodies and streams (vercel/ai issue-17936, xai-13218) fix: ``usage: null``
while in progress, the echo fields, ``logprobs: []`` on ``output_text.done``,
``context_details``, tool details only when a tool ran, the July 2026 web search
items and citations, interleaved searches, and reasoning beyond ``max_output_tokens``.
"""

from __future__ import annotations

import re

import pytest

from tests.emulator.responses_helpers import cited, events, message_of, model

TWO_QUESTIONS = "When did Starship reach orbit? What is new in the Rust 2026 edition?"
ECHOED = (
    "completed_at",
    "background",
    "service_tier",
    "truncation",
    "presence_penalty",
    "frequency_penalty",
    "top_logprobs",
    "prompt_cache_key",
    "max_tool_calls",
    "safety_identifier",
    "error",
    "instructions",
)


@pytest.fixture
def create(http):
    def post(input, *, stream: bool = False, **fields):
        body = {"model": fields.pop("model", "grok-4.3"), "input": input, **fields}
        r = http.post("/responses", json={**body, "stream": stream})
        assert r.status_code == 200, r.text
        return events(r) if stream else r.json()

    return post


def test_the_body_carries_every_2026_field(create):
    body = create("Say 'hi'")
    for key in ECHOED:
        assert key in body, key
    assert body["background"] is False and body["truncation"] == "disabled"
    assert body["completed_at"] >= body["created_at"]
    assert re.fullmatch(r"fp_[0-9a-f]+", body["metadata"]["system_fingerprint"])


def test_usage_has_context_details_and_no_tool_details_without_tools(create):
    usage = create("Say 'hi'")["usage"]
    # One model turn: its live context is what was billed [REC 17936: 197/111 both].
    assert usage["context_details"] == {
        "input_tokens": usage["input_tokens"],
        "output_tokens": usage["output_tokens"],
    }
    assert "server_side_tool_usage_details" not in usage
    assert usage["cost_in_usd_ticks"] > 0


def test_tool_details_appear_when_a_tool_ran(create):
    usage = create("Did Starship reach orbit?", tools=[{"type": "web_search"}])["usage"]
    assert usage["server_side_tool_usage_details"]["web_search_calls"] == 1
    assert usage["context_details"]["input_tokens"] == usage["input_tokens"]


def test_streams_open_with_usage_null_and_close_text_with_empty_logprobs(create):
    evs = create("Say 'sea glass'", stream=True)
    for opening in evs[:2]:
        assert opening["response"]["usage"] is None
        assert opening["response"]["completed_at"] is None
    [done] = [e for e in evs if e["type"] == "response.output_text.done"]
    assert done["text"] == "sea glass" and done["logprobs"] == []
    assert evs[-1]["response"]["usage"]["context_details"]["output_tokens"] > 0


def test_citations_carry_the_url_as_title_and_zero_indices(create):
    body = create("Did Starship reach orbit?", tools=[{"type": "web_search"}])
    annotations = message_of(body)["content"][0]["annotations"]
    assert annotations
    for a in annotations:
        assert a == {
            "type": "url_citation",
            "url": a["url"],
            "start_index": 0,
            "end_index": 0,
            "title": a["url"],
        }


def test_two_questions_give_two_searches_with_their_own_queries_and_sources(create):
    body = create(TWO_QUESTIONS, tools=[{"type": "web_search"}])
    calls = [i for i in body["output"] if i["type"] == "web_search_call"]
    assert len(calls) == 2
    first, second = calls
    # One call uuid per turn, numbered from 0 [REC 13218].
    prefix = re.fullmatch(rf"(ws_{body['id']}_call-[0-9a-f-]{{36}})-0", first["id"])
    assert prefix and second["id"] == f"{prefix.group(1)}-1"
    assert "starship" in first["action"]["query"] and "rust" in second["action"]["query"]
    sources = [[s["url"] for s in c["action"]["sources"]] for c in calls]
    assert "https://www.space-example.org/starship-flight-12" in sources[0]
    assert "https://www.rust-example.org/blog/rust-2026-edition" in sources[1]
    assert set(cited(body)) == set(sources[0]) | set(sources[1])
    assert body["usage"]["server_side_tool_usage_details"]["web_search_calls"] == 2
    assert body["usage"]["num_server_side_tools_used"] == 2


def test_several_searches_interleave_as_recorded(create):
    evs = create(TWO_QUESTIONS, stream=True, tools=[{"type": "web_search"}])
    searching = [
        (e["type"].removeprefix("response."), e["output_index"])
        for e in evs
        if "web_search_call" in e["type"] or e.get("item", {}).get("type") == "web_search_call"
    ]
    first = searching[0][1]  # after the reasoning item
    searching = [(kind, index - first) for kind, index in searching]
    assert searching == [
        ("output_item.added", 0),
        ("web_search_call.in_progress", 0),
        ("web_search_call.searching", 0),
        ("output_item.added", 1),
        ("web_search_call.in_progress", 1),
        ("web_search_call.searching", 1),
        ("web_search_call.completed", 0),
        ("output_item.done", 0),
        ("web_search_call.completed", 1),
        ("output_item.done", 1),
    ]

    def items(kind: str) -> list[dict]:
        return [
            e["item"] for e in evs if e["type"] == kind and e["item"]["type"] == "web_search_call"
        ]

    added = items("response.output_item.added")
    # Added with an empty action, finished with the query and sources.
    assert all(a["action"] == {"type": "search", "query": "", "sources": []} for a in added)
    assert all(a["status"] == "in_progress" for a in added)
    done = items("response.output_item.done")
    assert all(d["status"] == "completed" and d["action"]["sources"] for d in done)


def test_one_question_is_one_search(create):
    body = create("Search the web: did Starship reach orbit?", tools=[{"type": "web_search"}])
    assert [i["type"] for i in body["output"]].count("web_search_call") == 1


def test_max_output_tokens_caps_the_answer_not_the_reasoning(create):
    # REC 17936: a limit of 16 gave 199 output tokens, 198 of them reasoning, "completed".
    body = create("Say 'hi'", model=model(reasoning=True), max_output_tokens=2)
    usage = body["usage"]
    assert body["status"] == "completed" and body["incomplete_details"] is None
    assert usage["output_tokens_details"]["reasoning_tokens"] > 2
    assert usage["output_tokens"] > 2 == body["max_output_tokens"]
    capped = create("Write 40 words about rain.", max_output_tokens=3)
    assert capped["status"] == "incomplete"
    assert (
        capped["usage"]["output_tokens"]
        - capped["usage"]["output_tokens_details"]["reasoning_tokens"]
        == 3
    )
