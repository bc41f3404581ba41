"""The September-2026 catalogue and the one estimator: tiers, priority, tools, batch support.

Facts from ../shared/xai-api-2026-09.md §1 and §5. Where a call goes over HTTP it is a
real one: to the emulator, or to ``ScriptedServer`` when the answer must lack
``cost_in_usd_ticks`` (the emulator always sends it).
"""

from __future__ import annotations

import json
import warnings

import pytest

from grok_jupyter.client import (
    BatchSupportUnknownWarning,
    GrokClient,
    InvalidValueError,
    ModelNotBatchableError,
    Usage,
    UsageLedger,
    estimate_cost,
)
from grok_jupyter.client._catalog import Catalog, get_catalog
from grok_jupyter.client._usage import record_from_usage
from tests.client.scripted_server import Reply, ScriptedServer
from tests.conftest import TEST_API_KEY

# (input, cached, output) per 1M tokens, then the >=200k tier, from §1's table.
TABLE = {
    "grok-4.3": ((1.25, 0.20, 2.50), (2.50, 0.40, 5.00)),
    "grok-4.5": ((2.00, 0.30, 6.00), (4.00, 0.60, 12.00)),
    "grok-4.6": ((2.00, 0.50, 6.00), (4.00, 1.00, 12.00)),
    "grok-4.7": ((2.00, 0.50, 6.00), (4.00, 1.00, 12.00)),
    "grok-4.20-multi-agent-0309": ((1.25, 0.20, 2.50), (2.50, 0.40, 5.00)),
}


@pytest.fixture
def cat() -> Catalog:
    return Catalog.bundled()


@pytest.mark.parametrize("model", sorted(TABLE))
def test_prices_and_the_200k_tier_match_the_table(cat, model):
    (i, c, o), (ti, tc, to) = TABLE[model]
    p = cat[model].price_per_million
    assert (p.input, p.cached_input, p.output) == (i, c, o)
    assert (p.long_context.input, p.long_context.cached_input, p.long_context.output) == (
        ti, tc, to)  # fmt: skip
    # grok-4.3's tier starts at 200,000 prompt tokens, not 204,800.
    assert p.long_context_threshold == 200_000


def test_the_tier_bills_every_token_from_the_threshold_on(cat):
    # The example: 230k prompt tokens on grok-4.6 cost $0.92, not $0.46.
    est = estimate_cost("grok-4.6", prompt_tokens=230_000, catalog=cat)
    assert est.usd == pytest.approx(0.92) and est.usd_without_tier == pytest.approx(0.46)
    assert est.long_context and est.tier_threshold == 200_000
    assert "every token at the long-context price" in est.describe()
    # The ledger prices a call the same way when the server sends no cost.
    record = record_from_usage("grok-4.6", Usage(prompt_tokens=230_000), source="client",
                               latency_s=0.0, catalog=cat)  # fmt: skip
    assert record.cost_usd == pytest.approx(0.92)
    # One token under the threshold is the standard price; at it, the tier.
    below = estimate_cost("grok-4.3", prompt_tokens=199_999, output_tokens=1_000, catalog=cat)
    at = estimate_cost("grok-4.3", prompt_tokens=200_000, output_tokens=1_000, catalog=cat)
    assert not below.long_context and at.long_context
    assert below.usd == pytest.approx((199_999 * 1.25 + 1_000 * 2.5) / 1e6)
    assert at.usd == pytest.approx((200_000 * 2.5 + 1_000 * 5.0) / 1e6)


def test_the_estimate_adds_tool_fees_priority_and_the_batch_discount(cat):
    est = estimate_cost("grok-4.6", prompt_tokens=10_000, output_tokens=2_000,
                        cached_tokens=4_000, tool_calls={"web_search": 3}, catalog=cat)  # fmt: skip
    tokens = (6_000 * 2.0 + 4_000 * 0.5 + 2_000 * 6.0) / 1e6
    assert est.token_usd == pytest.approx(tokens)
    assert est.tool_usd == pytest.approx(3 * 0.005)  # web search: $5 per 1,000 calls
    assert est.usd == pytest.approx(tokens + 0.015)
    # A usage counter name works too; a tool with no known fee is named, not guessed.
    counted = estimate_cost("grok-4.6", prompt_tokens=10, tool_calls={"x_search_calls": 2,
                            "mcp_calls": 1}, catalog=cat)  # fmt: skip
    assert counted.tool_usd == pytest.approx(0.01) and counted.unpriced_tools == ("mcp_calls",)
    priority = estimate_cost("grok-4.3", prompt_tokens=1_000_000, service_tier="priority",
                             catalog=cat)  # fmt: skip
    assert priority.usd == pytest.approx(2 * 2.50)  # tier price, then 2x
    batch = estimate_cost("grok-4.3", prompt_tokens=100_000, batch=True, catalog=cat)
    assert batch.usd == pytest.approx(0.125 * 0.8) and "batch -20%" in batch.describe()
    # A retired id is priced as the model that answers it.
    assert estimate_cost("grok-3", prompt_tokens=100_000, catalog=cat).priced_as == "grok-4.3"
    unknown = estimate_cost("grok-99", prompt_tokens=10, catalog=cat)
    assert unknown.usd is None and "price unknown" in unknown.describe()


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"prompt_tokens": -1}, "prompt_tokens"),
        ({"prompt_tokens": 1.5}, "prompt_tokens"),
        ({"prompt_tokens": 10, "cached_tokens": 11}, "cached_tokens"),
        ({"prompt_tokens": 10, "tool_calls": {"web_search": -2}}, "tool_calls['web_search']"),
    ],
)
def test_bad_counts_are_refused_with_what_to_change(kwargs, parameter):
    with pytest.raises(InvalidValueError) as err:
        estimate_cost("grok-4.3", **kwargs)
    assert err.value.parameter == parameter


def test_efforts_defaults_apis_batch_and_release_dates(cat):
    g43, g45, g46, g47 = (cat[m] for m in ("grok-4.3", "grok-4.5", "grok-4.6", "grok-4.7"))
    multi = cat["grok-4.20-multi-agent"]
    assert (g43.reasoning_efforts, g43.default_reasoning_effort) == (
        ("none", "low", "medium", "high"), "low")
    assert (g45.reasoning_efforts, g45.default_reasoning_effort) == (
        ("low", "medium", "high"), "high")
    assert g46.reasoning_efforts == ("low", "medium", "high", "xhigh")
    assert "none" not in g47.reasoning_efforts and "xhigh" in g47.reasoning_efforts
    assert (g43.batch, g45.batch, g46.batch, g47.batch, multi.batch) == (
        True, False, False, None, None)
    assert multi.apis == ("responses",)
    assert {e: multi.agents_for(e) for e in multi.reasoning_efforts} == {
        "low": 4, "medium": 4, "high": 16, "xhigh": 16}
    assert (g46.released, g47.released) == ("2026-08-12", "2026-09-21")
    assert g47.context_window == 500_000 and "grok-4.6-latest" not in cat
    assert cat.service_tier_multiplier("priority") == 2.0
    assert cat.service_tier_multiplier("default") == cat.service_tier_multiplier(None) == 1.0


# --- the ledger at a priority tier, over real HTTP ------------------------------------


def _chat_body(service_tier: str | None, ticks: int | None = None) -> bytes:
    usage = {"prompt_tokens": 100_000, "completion_tokens": 10_000, "total_tokens": 110_000}
    if ticks is not None:
        usage["cost_in_usd_ticks"] = ticks
    body = {
        "id": "chat-prio", "object": "chat.completion", "created": 0, "model": "grok-4.3",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                     "finish_reason": "stop"}],
        "usage": usage,
    }  # fmt: skip
    if service_tier is not None:
        body["service_tier"] = service_tier
    return json.dumps(body).encode()


def _responses_body(service_tier: str) -> bytes:
    return json.dumps({
        "id": "resp-prio", "object": "response", "model": "grok-4.3", "status": "completed",
        "service_tier": service_tier,
        "output": [{"type": "message", "role": "assistant",
                    "content": [{"type": "output_text", "text": "ok", "annotations": []}]}],
        "usage": {"input_tokens": 100_000, "output_tokens": 10_000, "total_tokens": 110_000},
    }).encode()  # fmt: skip


STANDARD = (100_000 * 1.25 + 10_000 * 2.5) / 1e6


def test_a_priority_call_is_billed_twice_the_price_when_the_server_sends_no_cost():
    replies = [Reply(200, _chat_body("priority")), Reply(200, _chat_body(None)),
               Reply(200, _responses_body("priority")), Reply(200, _chat_body("priority", 7))]
    with ScriptedServer(replies) as server, GrokClient(
        api_key=TEST_API_KEY, base_url=server.base_url, ledger=UsageLedger()
    ) as client:
        client.chat("hi", service_tier="priority")  # echoed: priority
        client.chat("hi", service_tier="priority")  # not echoed: what was asked for
        client.responses.create("hi", service_tier="priority")
        client.chat("hi", service_tier="priority")  # the server's own figure wins
        records = client.ledger.records
    assert [r.cost_usd for r in records[:3]] == [pytest.approx(2 * STANDARD)] * 3
    assert all(r.service_tier == "priority" for r in records)
    assert records[3].cost_usd == pytest.approx(7 / 1e10)


def _sse(*events: dict) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + (
        b"data: [DONE]\n\n")


def test_a_streamed_priority_call_is_billed_twice_too():
    chunk = {"id": "s1", "object": "chat.completion.chunk", "created": 1, "model": "grok-4.3"}
    body = _sse(
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "ok"},
                               "finish_reason": "stop"}]},
        {**chunk, "choices": [], "usage": {"prompt_tokens": 100_000,
                                           "completion_tokens": 10_000, "total_tokens": 110_000}},
    )  # fmt: skip
    reply = Reply(body=body, headers={"Content-Type": "text/event-stream"})
    with ScriptedServer([reply]) as server, GrokClient(
        api_key=TEST_API_KEY, base_url=server.base_url, ledger=UsageLedger()
    ) as client:
        assert client.stream("hi", service_tier="priority").final().text == "ok"
        [record] = client.ledger.records
    assert record.cost_usd == pytest.approx(2 * STANDARD) and record.service_tier == "priority"


def test_the_emulator_bills_the_tier_and_the_ledger_matches_its_ticks(client):
    # The emulator prices from the same catalogue: its ticks are the tier price too.
    prompt = "word " * 205_000
    completion = client.chat(prompt, model="grok-4.6", max_tokens=8)
    usage = completion.usage
    assert usage.prompt_tokens >= 200_000
    est = estimate_cost("grok-4.6", prompt_tokens=usage.prompt_tokens,
                        output_tokens=usage.completion_tokens + usage.reasoning,
                        cached_tokens=usage.cached)  # fmt: skip
    assert est.long_context
    assert client.ledger.records[-1].cost_usd == pytest.approx(est.usd, abs=1e-9)
    assert usage.cost_in_usd_ticks == round(est.usd * 1e10)


# --- batch support --------------------------------------------------------------


def test_a_batch_request_for_a_model_that_takes_none_is_refused_before_sending(client, emu):
    with pytest.raises(ModelNotBatchableError) as err:
        client.batches.chat_request("r1", "hi", model="grok-4.6")
    assert err.value.model == "grok-4.6" and "grok-4.3" in err.value.batchable
    assert "grok-4.6 does not take Batch API requests" in str(err.value)
    assert "grok-4.3" in str(err.value) and isinstance(err.value, ValueError)
    batch = client.batches.create("mixed")
    made_by_hand = {"batch_request_id": "r2", "batch_request": {
        "chat_get_completion": {"model": "grok-4.5-latest", "messages": [
            {"role": "user", "content": "hi"}]}}}  # fmt: skip
    ok = client.batches.chat_request("r1", "hi", model="grok-4.3")
    before = len(emu.requests)
    with pytest.raises(ModelNotBatchableError, match=r"grok-4\.5-latest \(grok-4\.5\)"):
        client.batches.add_requests(batch.id, [ok, made_by_hand])
    assert len(emu.requests) == before  # neither request was queued
    assert client.batches.get(batch.id).state.num_requests == 0


def test_unknown_batch_support_warns_once_and_is_sent(client):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        request = client.batches.chat_request("r1", "hi", model="grok-4.7")
        client.batches.chat_request("r2", "hi", model="grok-4.3")
    unknown = [w for w in caught if issubclass(w.category, BatchSupportUnknownWarning)]
    assert len(unknown) == 1 and "grok-4.7" in str(unknown[0].message)
    assert unknown[0].filename == __file__  # blamed on the caller's line
    batch = client.batches.create("maybe")
    client.batches.add_requests(batch.id, [request])
    assert client.batches.get(batch.id).state.num_requests == 1


def test_validate_false_leaves_batch_support_to_the_server(make_client):
    loose = make_client(validate=False)
    assert loose.batches.chat_request("r1", "hi", model="grok-4.6")["batch_request_id"] == "r1"


def test_the_shared_catalogue_refuses_the_same():
    with pytest.raises(ModelNotBatchableError):
        get_catalog().check_batchable("grok-4.5")
    get_catalog().check_batchable("grok-4-1-fast-reasoning")  # answered by grok-4.3: batchable
    get_catalog().check_batchable("not-a-model")  # unknown: the client warns elsewhere
