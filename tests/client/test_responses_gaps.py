"""``client.responses``: a retired model id warns as chat does, and a mid-stream
``response.failed`` (the emulator's ``response_failed`` fault) is a typed error that
keeps what had arrived."""

from __future__ import annotations

import warnings

import pytest

from grok_jupyter.client import RetiredModelWarning, StreamInterruptedError, UsageLedger
from grok_jupyter.client import _catalog as catalog_module
from tests.emulator.responses_helpers import model


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which retired ids this process already warned about."""
    monkeypatch.setattr(catalog_module, "_warned", set())


def test_a_retired_model_warns_once_at_the_callers_line(make_client, fresh_warnings):
    client = make_client()
    with pytest.warns(RetiredModelWarning, match="grok-4-1-fast-non-reasoning") as caught:
        response = client.responses.create("Say hi", model="grok-4-1-fast-non-reasoning")
    assert response.output_text
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process: the second call is quiet
        client.responses.create("Say hi", model="grok-4-1-fast-non-reasoning")


def test_a_retired_model_warns_on_stream_too(make_client, fresh_warnings):
    client = make_client()
    with pytest.warns(RetiredModelWarning, match="grok-4-fast-reasoning"):
        stream = client.responses.stream("Say hi", model="grok-4-fast-reasoning")
    assert stream.final().output_text


async def test_a_retired_model_warns_on_the_async_client(aclient, fresh_warnings):
    with pytest.warns(RetiredModelWarning, match="grok-4-fast-non-reasoning"):
        stream = aclient.responses.stream("Say hi", model="grok-4-fast-non-reasoning")
    assert (await stream.final()).output_text


def test_response_failed_mid_stream_keeps_the_text_that_arrived(make_client, emu):
    client = make_client(ledger=UsageLedger())
    emu.inject("response_failed", after_chunks=12)
    seen = ""
    with pytest.raises(StreamInterruptedError) as info:
        with client.responses.stream(
            "Tell me a long story about the sea.", model=model(reasoning=False)
        ) as stream:
            for event in stream:
                if event.type == "response.output_text.delta":
                    seen += event.delta
    partial = info.value.partial
    assert seen and partial.text == seen  # nothing lost, nothing invented
    assert partial.status == "failed" and partial.error["code"] == "server_error"
    assert "Internal server error" in str(info.value)
    assert len([r for r in emu.requests if r.path == "/v1/responses"]) == 1  # not retried
    assert len(client.ledger) == 1  # recorded once


def test_response_failed_keeps_reasoning_that_arrived(make_client, emu):
    client = make_client()
    emu.inject("response_failed", after_chunks=8)  # inside the reasoning summary
    with pytest.raises(StreamInterruptedError) as info:
        client.responses.stream("Why is the sea blue?", model=model(reasoning=True)).final()
    partial = info.value.partial
    assert partial.reasoning and not partial.text


def test_response_failed_before_any_text_is_the_typed_status_error(make_client, emu):
    from grok_jupyter.client import APIStatusError

    client = make_client()
    emu.inject("response_failed", after_chunks=2)  # created, in_progress, then failed
    with pytest.raises(APIStatusError) as info:
        client.responses.stream("Say hi", model="grok-4.3").final()
    assert "Internal server error" in str(info.value)


def test_the_fault_leaves_chat_streams_alone(make_client, emu):
    client = make_client()
    emu.inject("response_failed", after_chunks=2)
    assert client.stream([{"role": "user", "content": "Say hi"}]).final().message.text


def test_the_emulator_bills_a_response_once_and_a_failed_stream_not_at_all(make_client, emu):
    client = make_client(ledger=UsageLedger())
    before = emu.billed["ticks"]
    response = client.responses.create("Say hi", model=model(reasoning=False))
    assert emu.billed["ticks"] - before == response.usage.cost_in_usd_ticks
    emu.inject("response_failed", after_chunks=12)
    with pytest.raises(StreamInterruptedError) as info:
        client.responses.stream("Tell me a long story.", model=model(reasoning=False)).final()
    assert emu.billed["ticks"] - before == response.usage.cost_in_usd_ticks
    # What is stored is what the client saw: a failed response.
    stored = client.responses.retrieve(info.value.partial.id)
    assert stored.status == "failed"
