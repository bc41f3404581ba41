"""``client.responses`` against the emulator's ``/v1/responses`` over real HTTP."""

from __future__ import annotations

import pytest

from grok_jupyter.client import (
    NotFoundError,
    Response,
    ResponseStream,
    StreamInterruptedError,
    UsageLedger,
    x_search,
)

RESPONSES_PATH = "/v1/responses"


def _posts(emu) -> list:
    return [r for r in emu.requests if r.path == RESPONSES_PATH and r.method == "POST"]


def test_create_then_retrieve_chain_and_delete(make_client, emu):
    client = make_client(ledger=UsageLedger())
    first = client.responses.create("Remember the word teal.", model="grok-4.3")
    assert isinstance(first, Response) and first.status == "completed"
    assert first.output_text and first.usage.total_tokens == (
        first.usage.input_tokens + first.usage.output_tokens
    )
    assert client.responses.retrieve(first.id).id == first.id
    second = client.responses.create("Which word?", model="grok-4.3", previous_response_id=first.id)
    assert second.previous_response_id == first.id
    assert client.responses.delete(first.id).deleted is True
    with pytest.raises(NotFoundError):
        client.responses.retrieve(first.id)
    assert len(client.ledger) == 2  # the two generating calls, one record each


def test_x_search_stream_shows_tool_status_citations_and_bills_the_call(make_client, emu):
    url = emu.add_post("xai", "xAI announced Grok 4.3 with configurable reasoning.", "2026-11-12")
    client = make_client(ledger=UsageLedger())
    tool = x_search(allowed_x_handles=["xai"], from_date="2026-11-01", to_date="2026-11-30")
    statuses = []
    with client.responses.stream(
        "What did xAI announce about Grok 4.3 reasoning?", model="grok-4.3", tools=[tool]
    ) as stream:
        assert isinstance(stream, ResponseStream)
        for _event in stream:
            statuses.extend(c.status for c in stream.accumulator.server_tool_calls.values())
    acc = stream.accumulator
    assert acc.text and acc.server_tool_calls
    assert all(c.status == "completed" for c in acc.server_tool_calls.values())
    assert "completed" in statuses
    assert url in [c.url for c in acc.citations]
    assert acc.usage.num_server_side_tools_used >= 1
    final = stream.final()
    assert final.output_text == acc.text
    [sent] = _posts(emu)
    assert sent.body["stream"] is True
    assert sent.body["tools"] == [
        {"type": "x_search", "allowed_x_handles": ["xai"],
         "from_date": "2026-11-01", "to_date": "2026-11-30"},
    ]  # fmt: skip
    [rec] = client.ledger.records
    assert rec.tool_calls >= 1 and rec.tool_cost_usd > 0


def test_a_503_before_the_stream_is_retried(make_client, emu):
    client = make_client()
    emu.inject("unavailable")
    final = client.responses.stream("Say hi", model="grok-4.3").final()
    assert final.status == "completed" and len(_posts(emu)) == 2


def test_a_cut_stream_is_not_retried_and_keeps_the_partial(make_client, emu):
    client = make_client(ledger=UsageLedger())
    emu.inject("cut", after_chunks=6)
    with pytest.raises(StreamInterruptedError) as info:
        client.responses.stream("Tell me a long story about the sea.", model="grok-4.3").final()
    assert info.value.partial.events >= 1
    assert len(_posts(emu)) == 1
    assert len(client.ledger) == 1


def test_a_cut_stream_is_recorded_estimated_never_as_free(make_client, emu):
    # The tokens of a cut stream were billed; its usage never came, so they are counted
    # locally and marked estimated, as a chat stream's are.
    client = make_client(ledger=UsageLedger())
    emu.inject("cut", after_chunks=40)  # past the opening events, into the answer
    with pytest.raises(StreamInterruptedError) as info:
        client.responses.stream(
            "Tell me a long story about the sea.", model="grok-4.3", instructions="Be vivid."
        ).final()
    assert info.value.partial.text
    (record,) = client.ledger.records
    assert record.estimated and record.prompt_tokens > 0 and record.completion_tokens > 0
    assert record.cost_usd and record.cost_usd > 0
    done = make_client(ledger=UsageLedger())
    done.responses.stream("Say hi", model="grok-4.3").final()
    assert not done.ledger.records[0].estimated  # the server's usage, when it came


async def test_async_responses_on_the_emulator(aclient, emu):
    r = await aclient.responses.create("Say hi", model="grok-4.3")
    assert r.output_text
    stream = aclient.responses.stream("Say hi again", model="grok-4.3")
    kinds = [e.type async for e in stream]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert (await stream.final()).output_text == stream.accumulator.text
    assert (await aclient.responses.retrieve(r.id)).id == r.id
    assert (await aclient.responses.delete(r.id)).deleted
