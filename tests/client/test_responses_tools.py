"""Server-side tool builders, the refusals made before sending, citations and the ledger."""

from __future__ import annotations

import datetime as dt
import json

import httpx2 as httpx
import pytest

from grok_jupyter.client import (
    Catalog,
    ForcedServerToolError,
    InvalidRequestError,
    InvalidToolError,
    ModelInfo,
    ServerToolsNotSupportedError,
    UnknownToolTypeError,
    UsageLedger,
    code_interpreter,
    mcp,
    web_search,
    x_search,
)
from grok_jupyter.client._responses_types import Response
from tests.client.test_responses import X_SEARCH_STREAM, Server, json_answer, make, sse


def test_builders_make_the_reference_request_shapes():
    assert web_search(
        allowed_domains=["arxiv.org"], excluded_domains=None, enable_image_understanding=True
    ) == {"type": "web_search", "allowed_domains": ["arxiv.org"],
          "enable_image_understanding": True}  # fmt: skip
    assert x_search(
        allowed_x_handles=["@xai", "elonmusk"],
        excluded_x_handles=["spam"],
        from_date=dt.date(2026, 11, 1),
        to_date="2026-11-30",
        enable_image_understanding=True,
        enable_video_understanding=False,
    ) == {"type": "x_search", "allowed_x_handles": ["xai", "elonmusk"],
          "excluded_x_handles": ["spam"], "from_date": "2026-11-01", "to_date": "2026-11-30",
          "enable_image_understanding": True, "enable_video_understanding": False}  # fmt: skip
    assert code_interpreter() == {"type": "code_interpreter"}
    assert mcp(
        "https://mcp.example.com/mcp",
        server_label="docs",
        allowed_tools=["search"],
        headers={"X-Team": "a"},
    ) == {"type": "mcp", "server_url": "https://mcp.example.com/mcp", "server_label": "docs",
          "allowed_tools": ["search"], "headers": {"X-Team": "a"}}  # fmt: skip


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: x_search(from_date="2026-11-30", to_date="2026-11-01"), "after to_date"),
        (lambda: x_search(from_date="01/11/2026"), "not an ISO date"),
        (lambda: x_search(to_date="2026-13-01"), "not an ISO date"),
        (lambda: mcp("ftp://files.example.com"), "http:// or https://"),
        (lambda: mcp("localhost:8000/mcp"), "http:// or https://"),
    ],
)
def test_builders_refuse_bad_values_with_a_typed_error(build, match):
    with pytest.raises(InvalidToolError, match=match) as info:
        build()
    assert isinstance(info.value, InvalidRequestError)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"tools": [{"type": "x_search", "from_date": "2026-12-01", "to_date": "2026-11-01"}]},
         InvalidToolError, "after to_date"),
        ({"tools": [{"type": "mcp", "server_url": "file:///etc/passwd"}]},
         InvalidToolError, "server_url"),
        ({"tools": [{"type": "live_search"}]}, UnknownToolTypeError, "live_search"),
        ({"tools": [web_search()], "tool_choice": {"type": "web_search"}},
         ForcedServerToolError, "cannot force"),
        ({"tools": [x_search()], "tool_choice": {"type": "function", "name": "x_search"}},
         ForcedServerToolError, "cannot force"),
        ({"tool_choice": "required"}, InvalidRequestError, "tools is empty"),
    ],
)  # fmt: skip
def test_bad_tool_requests_are_refused_before_anything_is_sent(kwargs, error, match):
    server = Server(json_answer("{}"))
    client = make(server)
    with pytest.raises(error, match=match):
        client.responses.create("hi", model="grok-4.3", **kwargs)
    with pytest.raises(error, match=match):
        client.responses.stream("hi", model="grok-4.3", **kwargs)
    assert server.requests == []


def test_required_tool_choice_and_function_tools_are_sent():
    body = json.dumps({"id": "r", "model": "grok-4.3", "status": "completed", "output": []})
    server = Server(json_answer(body))
    fn = {"type": "function", "name": "lookup", "parameters": {"type": "object"}}
    make(server).responses.create(
        "hi", model="grok-4.3", tools=[fn, x_search()], tool_choice="required"
    )
    assert server.bodies[0]["tools"] == [fn, {"type": "x_search"}]


def test_server_side_tools_on_a_model_the_catalogue_says_takes_none_are_refused():
    catalog = Catalog(
        [
            ModelInfo(id="grok-chat-only", apis=("chat",)),
            ModelInfo(id="grok-agentic", apis=("responses", "chat")),
        ]
    )
    server = Server(json_answer(json.dumps({"id": "r", "model": "grok-agentic", "output": []})))
    client = make(server, catalog=catalog)
    with pytest.raises(ServerToolsNotSupportedError, match="grok-agentic") as info:
        client.responses.create("hi", model="grok-chat-only", tools=[web_search()])
    assert info.value.model == "grok-chat-only"
    assert server.requests == []
    # A function tool is fine on it, and server-side tools on a model that takes them.
    client.responses.create("hi", model="grok-chat-only", tools=[{"type": "function", "name": "f"}])
    client.responses.create("hi", model="grok-agentic", tools=[web_search()])
    assert len(server.requests) == 2


def test_reasoning_effort_is_checked_against_the_catalogue():
    # Only a [V] rejection is refused; a value outside the listed set is the server's call.
    catalog = Catalog([
        ModelInfo(id="grok-e", reasoning_efforts=("low", "high")),
        ModelInfo(id="grok-no", rejected_parameters=frozenset({"reasoning_effort"}),
                  verified_rejected_parameters=frozenset({"reasoning_effort"})),
    ])
    server = Server(json_answer(json.dumps({"id": "r", "model": "grok-e", "output": []})))
    client = make(server, catalog=catalog)
    with pytest.raises(InvalidRequestError, match="reasoning_effort"):
        client.responses.create("hi", model="grok-no", reasoning_effort="low")
    assert server.requests == []
    client.responses.create("hi", model="grok-e", reasoning_effort="x")
    assert len(server.requests) == 1


def test_a_citation_with_a_broken_url_is_kept_as_text():
    body = {
        "id": "r", "model": "grok-4.3", "status": "completed",
        "output": [{"type": "message", "role": "assistant", "content": [{
            "type": "output_text", "text": "See both.", "logprobs": [],
            "annotations": [{"type": "url_citation", "url": "https://x.com/i/status/1"},
                            {"type": "url_citation", "url": "ht!tp:/ broken link"}]}]}],
    }  # fmt: skip
    r = make(Server(json_answer(json.dumps(body)))).responses.create("hi", model="grok-4.3")
    assert [(c.index, c.url, c.is_link) for c in r.citations] == [
        (1, "https://x.com/i/status/1", True),
        (2, "ht!tp:/ broken link", False),
    ]


# --- the ledger --------------------------------------------------------------------


def test_one_ledger_record_per_stream_with_tools_priced_per_call_apart():
    ledger = UsageLedger()
    client = make(Server(lambda: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=sse(X_SEARCH_STREAM))),
        ledger=ledger)  # fmt: skip
    client.responses.stream("x", model="grok-4.3", tools=[x_search()]).final()
    [rec] = ledger.records
    assert (rec.prompt_tokens, rec.cached_tokens) == (27236, 4585)
    # The ledger counts as chat does: completion excludes reasoning.
    assert (rec.completion_tokens, rec.reasoning_tokens) == (3077 - 1091, 1091)
    assert rec.request_id == "b7b464ea-cc85-d44a-0f2f-1f7320e703c3"
    assert rec.model == "grok-4-fast-reasoning"  # the model the server echoed
    # x_search_calls: 1 is billed (not the 6 sub-tool calls), at $5 per 1k calls.
    assert rec.tool_call_counts == {"x_search_calls": 1} and rec.tool_calls == 1
    assert rec.tool_cost_usd == pytest.approx(0.005)
    assert rec.cost_usd is not None and rec.cost_usd > 0  # tokens, shown apart
    assert ledger.total().tool_cost_usd == pytest.approx(0.005)


def test_the_servers_cost_in_ticks_is_split_into_tokens_and_tool_calls():
    body = {
        "id": "r", "model": "grok-4.3", "status": "completed", "output": [],
        "usage": {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120,
                  "num_server_side_tools_used": 2, "cost_in_usd_ticks": 1_100_000_000,
                  "server_side_tool_usage_details": {"web_search_calls": 2}},
    }  # fmt: skip
    ledger = UsageLedger()
    make(Server(json_answer(json.dumps(body))), ledger=ledger).responses.create(
        "hi", model="grok-4.3", tools=[web_search()]
    )
    [rec] = ledger.records
    assert rec.tool_cost_usd == pytest.approx(0.01) and rec.tool_calls == 2
    assert rec.cost_usd == pytest.approx(0.10)
    assert rec.total_cost_usd == pytest.approx(0.11)


def test_response_model_keeps_unknown_keys_and_items():
    r = Response.model_validate(
        {"id": "r", "output": [{"type": "brand_new_call", "id": "b1", "status": "completed"}],
         "usage": {"input_tokens": 1, "context_details": {"input_tokens": 1}}, "later": 1}
    )  # fmt: skip
    assert r.output[0].type == "brand_new_call" and r.model_extra == {"later": 1}
