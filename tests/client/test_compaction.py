"""``client.responses.compact`` and ``input_items``: xai-api-2026-09.md §2.

The parsing, ledger, retry and error tests play the reference's exact JSON from
``ScriptedServer`` (real HTTP on 127.0.0.1). The ``*_on_the_emulator`` tests
talk to the emulator's ``POST /v1/responses/compact`` and
``GET /v1/responses/{id}/input_items`` routes.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from grok_jupyter.client import (
    AsyncGrokClient,
    BadRequestError,
    Compaction,
    CompactionItem,
    GrokClient,
    InputItemsPage,
    InvalidRequestError,
    NotFoundError,
    Response,
    UsageLedger,
)
from tests.client.scripted_server import Reply, ScriptedServer
from tests.conftest import TEST_API_KEY

# The answer of §2, field for field.
COMPACTION = {
    "object": "response.compaction",
    "id": "cmp_0b6f3c1e-8f0a-4a57-9d1c-2f4e5a6b7c8d",
    "created_at": 1787000000,
    "model": "grok-4.3",
    "output": [{"type": "compaction", "encrypted_content": "gAAAAABoZXJlIGlzIHRoZSBwYXN0"}],
    "usage": {
        "input_tokens": 48_210,
        "input_tokens_details": {"cached_tokens": 40_000},
        "output_tokens": 1_210,
        "output_tokens_details": {"reasoning_tokens": 900},
        "total_tokens": 49_420,
        "dropped_message_count": 14,
    },
}
# grok-4.3 at 1.25 in / 0.20 cached / 2.50 out (reasoning is output).
COMPACTION_USD = (8_210 * 1.25 + 40_000 * 0.20 + 1_210 * 2.50) / 1e6
CONVERSATION = [
    {"role": "user", "content": "My name is Ada and I like graphs."},
    {"role": "assistant", "content": "Nice to meet you, Ada."},
    {"role": "user", "content": "Tell me about spanning trees."},
]


def _json(value: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(value).encode(), headers={"Content-Type": "application/json"})


def _client(server: ScriptedServer, **kw) -> GrokClient:
    return GrokClient(api_key=TEST_API_KEY, base_url=server.base_url, ledger=UsageLedger(),
                      retry_backoff=0.001, **kw)  # fmt: skip


def test_compact_sends_model_and_input_and_types_the_answer():
    with ScriptedServer([_json(COMPACTION)]) as server, _client(server) as client:
        result = client.responses.compact(model="grok-4.3", input=CONVERSATION)
        records = client.ledger.records
    assert server.requests == ["POST /v1/responses/compact HTTP/1.1"]
    assert json.loads(server.bodies[0]) == {"model": "grok-4.3", "input": CONVERSATION}
    assert isinstance(result, Compaction) and result.id.startswith("cmp_")
    assert result.object == "response.compaction" and result.created_at == 1787000000
    item = result.compaction
    assert isinstance(item, CompactionItem) and item.encrypted_content.startswith("gAAAA")
    assert result.usage.dropped_message_count == result.dropped_message_count == 14
    assert (result.usage.input_tokens, result.usage.cached_tokens) == (48_210, 40_000)
    assert (result.usage.output_tokens, result.usage.reasoning_tokens) == (1_210, 900)
    # Billed by usage like any call: one record, at catalogue rates when no ticks came.
    [record] = records
    assert record.request_id == result.id and record.model == "grok-4.3"
    assert (record.prompt_tokens, record.cached_tokens) == (48_210, 40_000)
    assert (record.completion_tokens, record.reasoning_tokens) == (310, 900)
    assert record.cost_usd == pytest.approx(COMPACTION_USD)


def test_the_next_turn_sends_the_compaction_back_unchanged():
    answer = {"id": "resp_1", "object": "response", "model": "grok-4.3", "status": "completed",
              "output": [{"type": "compaction", "encrypted_content": "kept"}]}  # fmt: skip
    with ScriptedServer([_json(COMPACTION), _json(answer)]) as server, _client(server) as client:
        result = client.responses.compact(CONVERSATION)  # the default model
        response = client.responses.create(result.next_input("And minimum ones?"))
    sent = json.loads(server.bodies[1])["input"]
    assert sent == [*COMPACTION["output"], {"role": "user", "content": "And minimum ones?"}]
    assert json.loads(server.bodies[0])["model"] == "grok-4.3"
    # A compaction item in a response's output is typed too.
    assert isinstance(response, Response) and isinstance(response.output[0], CompactionItem)


def test_the_servers_ticks_are_the_compactions_cost():
    billed = {**COMPACTION, "usage": {**COMPACTION["usage"], "cost_in_usd_ticks": 300_000_000}}
    with ScriptedServer([_json(billed)]) as server, _client(server) as client:
        client.responses.compact(CONVERSATION, model="grok-4.3", source="panel")
        [record] = client.ledger.records
    assert record.cost_usd == pytest.approx(0.03) and record.source == "panel"


def test_compact_is_retried_like_create_and_errors_are_typed():
    busy = Reply(503, b'{"code":"The service is currently unavailable","error":"busy"}')
    with ScriptedServer([busy, _json(COMPACTION)]) as server, _client(server) as client:
        assert client.responses.compact(CONVERSATION).id == COMPACTION["id"]
        assert len(server.requests) == 2 and len(client.ledger.records) == 1
    bad = Reply(400, b'{"code":"Client specified an invalid argument","error":"input is empty"}')
    with ScriptedServer([bad]) as server, _client(server) as client:
        with pytest.raises(BadRequestError, match="input is empty"):
            client.responses.compact(CONVERSATION)
        assert len(server.requests) == 1 and client.ledger.records == []


def test_bad_input_is_refused_before_sending():
    with ScriptedServer([_json(COMPACTION)]) as server, _client(server) as client:
        with pytest.raises(InvalidRequestError, match="input must be a string or a non-empty"):
            client.responses.compact([])
        with pytest.raises(InvalidRequestError, match="limit must be a positive integer"):
            client.responses.input_items("resp_1", limit=0)
        with pytest.raises(InvalidRequestError, match="response_id must be an id as"):
            client.responses.input_items("")
    assert server.requests == []


PAGE_1 = {
    "object": "list",
    "data": [
        {"id": "msg_1", "type": "message", "role": "user",
         "content": [{"type": "input_text", "text": "Hi"}]},
        {"id": "cmp_item", "type": "compaction", "encrypted_content": "xyz"},
    ],
    "first_id": "msg_1", "last_id": "cmp_item", "has_more": True,
}  # fmt: skip
PAGE_2 = {
    "object": "list",
    "data": [{"id": "fco_1", "type": "function_call_output", "call_id": "c1", "output": "42"}],
    "first_id": "fco_1", "last_id": "fco_1", "has_more": False,
}


def test_input_items_pages_are_typed_and_followed():
    with ScriptedServer([_json(PAGE_1), _json(PAGE_2)]) as server, _client(server) as client:
        items = list(client.responses.iter_input_items("resp_1", limit=2, order="asc"))
    assert server.requests == [
        "GET /v1/responses/resp_1/input_items?limit=2&order=asc HTTP/1.1",
        "GET /v1/responses/resp_1/input_items?limit=2&order=asc&after=cmp_item HTTP/1.1",
    ]
    assert [i.type for i in items] == ["message", "compaction", "function_call_output"]
    assert items[0].role == "user" and items[0].content[0].text == "Hi"
    assert isinstance(items[1], CompactionItem) and items[2].output == "42"


def test_input_items_one_page_and_a_missing_response():
    gone = Reply(404, b'{"code":"Some requested entity was not found","error":"no such id"}')
    with ScriptedServer([_json(PAGE_2), gone]) as server, _client(server) as client:
        page = client.responses.input_items("resp_1", after="cmp_item")
        assert isinstance(page, InputItemsPage) and page.has_more is False
        with pytest.raises(NotFoundError):
            client.responses.input_items("resp_gone")
    assert server.requests[0] == "GET /v1/responses/resp_1/input_items?after=cmp_item HTTP/1.1"


def test_async_compact_and_input_items():
    async def run(base_url: str) -> tuple[Compaction, list, UsageLedger]:
        ledger = UsageLedger()
        async with AsyncGrokClient(api_key=TEST_API_KEY, base_url=base_url, ledger=ledger) as c:
            result = await c.responses.compact(CONVERSATION, model="grok-4.3")
            items = [i async for i in c.responses.iter_input_items("resp_1")]
        return result, items, ledger

    replies = [_json(COMPACTION), _json(PAGE_1), _json(PAGE_2)]
    with ScriptedServer(replies) as server:
        result, items, ledger = asyncio.run(run(server.base_url))
    assert result.compaction.encrypted_content == COMPACTION["output"][0]["encrypted_content"]
    assert [i.id for i in items] == ["msg_1", "cmp_item", "fco_1"]
    assert ledger.records[0].cost_usd == pytest.approx(COMPACTION_USD)


# --- against the emulator's routes ----------------------------------------------------


def test_compact_on_the_emulator(client, emu):
    result = client.responses.compact(CONVERSATION, model="grok-4.3")
    assert result.id.startswith("cmp_") and result.compaction is not None
    assert result.compaction.encrypted_content
    assert result.usage.input_tokens > 0 and result.usage.dropped_message_count is not None
    record = client.ledger.records[-1]
    assert record.request_id == result.id and record.cost_usd > 0
    answer = client.responses.create(result.next_input("What is my name?"), model="grok-4.3")
    assert answer.output_text
    sent = emu.requests[-1].body["input"]
    assert len(sent) == len(result.output) + 1
    assert sent[-1] == {"role": "user", "content": "What is my name?"}
    [item] = [i for i in sent if i.get("type") == "compaction"]
    assert item["encrypted_content"] == result.compaction.encrypted_content


def _text(item) -> str:
    """A listed message's text, whether its content came back as a string or as parts."""
    if isinstance(item.content, str):
        return item.content
    part = item.content[0]
    return part["text"] if isinstance(part, dict) else part.text


def test_input_items_on_the_emulator(client):
    response = client.responses.create(CONVERSATION, model="grok-4.3")
    page = client.responses.input_items(response.id, order="asc")  # default: newest first
    texts = [_text(i) for i in page.data]
    assert texts == [m["content"] for m in CONVERSATION]
    one_by_one = list(client.responses.iter_input_items(response.id, limit=1, order="asc"))
    assert [i.id for i in one_by_one] == [i.id for i in page.data]
    newest_first = client.responses.input_items(response.id, order="desc")
    assert [i.id for i in newest_first.data] == [i.id for i in reversed(page.data)]
