"""No POST paid twice (issue 21): a connection that breaks after the request was sent.

The emulator's ``reset_after_work`` fault answers the request in full (a chat or
response generated and billed, a file stored, a batch made), then drops the
connection before any byte of the answer. A retry would pay again: the client
raises ``AnswerLostError`` (it may have been billed) and sends nothing more,
as the emulator's bill shows. Uploads and batch creates look for what the lost
call made and return it. A failure before sending (connection refused) is
still retried.
"""

from __future__ import annotations

import pytest

from grok_jupyter.client import (
    AnswerLostError,
    APIConnectionError,
    AsyncGrokClient,
    GrokClient,
    is_retryable,
)
from tests.client.conftest import fault

CALLS = {
    "chat": lambda c: c.chat("Say hi.", headers=fault("reset_after_work")),
    "chat stream": lambda c: c.stream("Say hi.", headers=fault("reset_after_work")).final(),
    "responses": lambda c: c.responses.create("Say hi.", headers=fault("reset_after_work")),
    "responses stream": lambda c: c.responses.stream(
        "Say hi.", headers=fault("reset_after_work")
    ).final(),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_model_call_lost_after_the_work_is_paid_once(client, emu, call):
    with pytest.raises(AnswerLostError, match="may have done the work and billed it") as err:
        CALLS[call](client)
    assert isinstance(err.value, APIConnectionError) and err.value.request_sent
    assert not is_retryable(err.value)
    assert emu.billed["calls"] == 1  # the retries (2 by default) would have paid 3 times
    assert len(emu.requests) == 1


async def test_async_model_calls_lost_after_the_work_are_paid_once(aclient, emu):
    with pytest.raises(AnswerLostError):
        await aclient.chat("Say hi.", headers=fault("reset_after_work"))
    with pytest.raises(AnswerLostError):
        await aclient.responses.create("Say hi.", headers=fault("reset_after_work"))
    with pytest.raises(AnswerLostError):
        await aclient.stream("Say hi.", headers=fault("reset_after_work")).final()
    assert emu.billed["calls"] == 3 and len(emu.requests) == 3


def _uploads(emu) -> list:
    return [r for r in emu.requests if r.method == "POST" and r.path == "/v1/files"]


def test_an_upload_lost_after_storing_returns_the_stored_file(client, emu):
    data = b"Rivers: Nile, Amazon, Yangtze.\n"
    emu.inject("reset_after_work")
    stored = client.files.upload(data, filename="rivers.txt")
    assert (stored.filename, stored.bytes) == ("rivers.txt", len(data))
    assert client.files.content(stored.id) == data
    assert [f.id for f in client.files.iter()] == [stored.id]  # stored once
    assert len(_uploads(emu)) == 1


def test_a_lost_upload_is_not_confused_with_an_earlier_copy(client, emu):
    data = b"same bytes\n"
    first = client.files.upload(data, filename="notes.txt")
    emu.inject("reset_after_work")
    second = client.files.upload(data, filename="notes.txt")
    assert second.id != first.id  # the copy the lost call made, not the earlier one
    assert len(list(client.files.iter())) == 2 and len(_uploads(emu)) == 2


def test_an_upload_dropped_before_storing_is_sent_again_only_after_a_look(client, emu):
    data = b"never stored the first time\n"
    emu.inject("disconnect")  # dropped before the handler ran: nothing stored
    with pytest.raises(AnswerLostError, match="No file of that name, size and content"):
        client.files.upload(data, filename="late.txt")
    assert list(client.files.iter()) == []
    stored = client.files.upload(data, filename="late.txt")  # looks, finds none, sends
    assert [f.id for f in client.files.iter()] == [stored.id]
    assert len(_uploads(emu)) == 2


async def test_async_upload_lost_after_storing_returns_the_stored_file(aclient, emu):
    emu.inject("reset_after_work")
    stored = await aclient.files.upload(b"async bytes\n", filename="a.txt")
    assert [f.id async for f in aclient.files.iter()] == [stored.id]
    assert len(_uploads(emu)) == 1


def _creates(emu) -> list:
    return [r for r in emu.requests if r.method == "POST" and r.path == "/v1/batches"]


def test_a_batch_create_lost_after_making_it_returns_that_batch(client, emu):
    earlier = client.batches.create("nightly")
    emu.inject("reset_after_work")
    batch = client.batches.create("nightly")
    assert batch.name == "nightly" and batch.id != earlier.id
    assert sorted(b.id for b in client.batches.iter()) == sorted([earlier.id, batch.id])
    assert len(_creates(emu)) == 2  # one each: the lost one was not sent again


def test_a_batch_create_dropped_before_making_it_says_so_then_sends(client, emu):
    emu.inject("disconnect")
    with pytest.raises(AnswerLostError, match="No batch named 'weekly' was found"):
        client.batches.create("weekly")
    batch = client.batches.create("weekly")
    assert [b.id for b in client.batches.iter()] == [batch.id]


async def test_async_batch_create_lost_after_making_it(aclient, emu):
    emu.inject("reset_after_work")
    batch = await aclient.batches.create("async-nightly")
    assert [b.id async for b in aclient.batches.iter()] == [batch.id]
    assert len(_creates(emu)) == 1


def test_a_failure_before_sending_is_still_retried():
    with GrokClient(
        api_key="xai-unused-key-0000", base_url="http://127.0.0.1:9/v1", retry_backoff=0.01
    ) as c:
        with pytest.raises(APIConnectionError) as err:
            c.chat("hi")
    assert not err.value.request_sent and not isinstance(err.value, AnswerLostError)
    assert is_retryable(err.value)


def test_the_public_policy_retries_a_lost_get_but_not_a_lost_post(client, emu):
    with pytest.raises(AnswerLostError) as err:
        client.chat("hi", headers=fault("disconnect"))
    assert not is_retryable(err.value)
    assert is_retryable(err.value, idempotent=True)


def test_an_async_client_is_typed_the_same(emu):
    async def run() -> None:
        async with AsyncGrokClient(
            api_key="xai-unused-key-0000", base_url="http://127.0.0.1:9/v1", max_retries=0
        ) as c:
            with pytest.raises(APIConnectionError) as err:
                await c.chat("hi")
            assert is_retryable(err.value)

    import asyncio

    asyncio.run(run())


def test_a_post_that_timed_out_waiting_says_it_may_have_been_billed(make_client, emu):
    c = make_client(timeout=0.2)
    billed = r"timed out\. The server may have done the work"
    with pytest.raises(APIConnectionError, match=billed) as e:
        c.chat("hi", headers=fault("slow_first_byte;delay=1"))
    assert e.value.request_sent and not is_retryable(e.value)
    assert len(emu.chat_requests) == 1
