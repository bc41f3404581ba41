"""Streamed /v1/responses: the section 2.5 event sequence, numbering and payloads."""

from __future__ import annotations

import json

from tests.emulator.responses_helpers import events, model

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def _stream(http, prompt, **fields):
    body = {"model": fields.pop("model", model(reasoning=False)), "input": prompt, **fields}
    r = http.post("/responses", json={**body, "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    return events(r)


def test_sequence_numbers_start_at_zero_without_gaps_and_bookends(http):
    evs = _stream(http, 'Say "sea glass"', model=model(reasoning=True))
    assert [e["sequence_number"] for e in evs] == list(range(len(evs)))
    created, progress = evs[0], evs[1]
    assert created["type"] == "response.created" and progress["type"] == "response.in_progress"
    for e in (created, progress):
        # The 2026 layout [REC 17936]: "usage": null until the end.
        assert e["response"]["output"] == [] and e["response"]["usage"] is None
        assert e["response"]["status"] == "in_progress" and e["response"]["completed_at"] is None
    last = evs[-1]
    assert last["type"] == "response.completed"
    assert [e for e in evs if e.get("response", {}).get("usage")] == [last]
    assert last["response"]["usage"]["total_tokens"] > 0
    assert [i["type"] for i in last["response"]["output"]] == ["reasoning", "message"]


def test_reasoning_then_message_events_in_order(http):
    evs = _stream(http, 'Say "sea glass"', model=model(reasoning=True))
    types = [e["type"] for e in evs]
    reasoning_deltas = [e for e in evs if e["type"] == "response.reasoning_summary_text.delta"]
    text_deltas = [e for e in evs if e["type"] == "response.output_text.delta"]
    compact = [t for i, t in enumerate(types) if i == 0 or t != types[i - 1]]
    assert compact == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    final = evs[-1]["response"]
    summary = final["output"][0]["summary"][0]["text"]
    assert "".join(e["delta"] for e in reasoning_deltas) == summary
    assert all(e["summary_index"] == 0 and "content_index" not in e for e in reasoning_deltas)
    assert "".join(e["delta"] for e in text_deltas) == "sea glass"
    assert all(e["logprobs"] == [] and e["output_index"] == 1 for e in text_deltas)
    added = evs[types.index("response.output_item.added", 3)]
    assert added["item"]["content"] == [] and added["item"]["status"] == "in_progress"
    assert added["item"]["id"] == f"msg_{final['id']}"


def test_search_stream_has_tool_events_and_annotations_before_text_done(http):
    tools = [{"type": "web_search"}, {"type": "x_search"}]
    evs = _stream(http, "Starship orbit", tools=tools)
    types = [e["type"] for e in evs]
    for name in ("in_progress", "searching", "completed"):
        assert f"response.web_search_call.{name}" in types
    (delta,) = [e for e in evs if e["type"] == "response.custom_tool_call_input.delta"]
    assert json.loads(delta["delta"])["query"] == "starship orbit"
    added = [e for e in evs if e["type"] == "response.output_item.added"]
    assert added[1]["item"]["input"] == ""
    notes = [i for i, t in enumerate(types) if t == "response.output_text.annotation.added"]
    last_delta = max(i for i, t in enumerate(types) if t == "response.output_text.delta")
    text_done = types.index("response.output_text.done")
    assert notes and last_delta < min(notes) and max(notes) < text_done
    assert [evs[i]["annotation_index"] for i in notes] == list(range(len(notes)))
    final = evs[-1]["response"]["output"][-1]["content"][0]["annotations"]
    assert [evs[i]["annotation"] for i in notes] == final


def test_function_call_stream_has_one_arguments_delta_then_done(http):
    evs = _stream(http, "What is the weather in Oslo?", tools=[WEATHER])
    deltas = [e for e in evs if e["type"] == "response.function_call_arguments.delta"]
    (done,) = [e for e in evs if e["type"] == "response.function_call_arguments.done"]
    assert len(deltas) == 1 and deltas[0]["delta"] == done["arguments"]
    assert json.loads(done["arguments"]) == {"city": "Oslo"} and done["name"] == "get_weather"
    added = next(e for e in evs if e["type"] == "response.output_item.added")
    assert added["item"]["arguments"] == "" and added["item"]["type"] == "function_call"


def test_truncated_stream_ends_with_response_incomplete(http):
    evs = _stream(http, "Write 40 words about rain.", max_output_tokens=3)
    assert evs[-1]["type"] == "response.incomplete"
    assert evs[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


def test_cut_fault_applies_to_responses_streams(emu, http):
    emu.inject("cut", after_chunks=3)
    r = None
    try:
        r = http.post(
            "/responses",
            json={"model": model(reasoning=False), "input": "Say 'hi'", "stream": True},
        )
        received = r.text
    except Exception:  # the connection dropped mid-body, as the fault intends
        received = None
    assert received is None or received.count("data: ") <= 3
