"""Transport failures are typed (issue 21): a broken compressed body, a Responses stream
that ends without ``response.completed``.

``bad_encoding`` answers 200 with ``content-encoding: gzip`` over bytes that are
not gzip; httpx2 raises its ``DecodingError`` (no ``TransportError``), which
used to escape untyped from every entry point. Now it is a
``ResponseBodyInterruptedError`` (an ``APIConnectionError``: the server answered
and billed), or a ``StreamInterruptedError`` with the partial answer on a stream.
"""

from __future__ import annotations

import pytest

from grok_jupyter.client import (
    APIConnectionError,
    GrokError,
    ResponseBodyInterruptedError,
    StreamInterruptedError,
    is_retryable,
)
from grok_jupyter.client._http import httpx
from tests.client.conftest import fault


def _setup(c) -> dict[str, str]:
    return {
        "file": c.files.upload(b"some text\n", filename="t.txt").id,
        "batch": c.batches.create("enc").id,
    }


SYNC = {
    "chat": lambda c, ids: c.chat("Say hi."),
    "responses.create": lambda c, ids: c.responses.create("Say hi."),
    "files.upload": lambda c, ids: c.files.upload(b"other\n", filename="o.txt"),
    "files.list": lambda c, ids: c.files.list(),
    "files.content": lambda c, ids: c.files.content(ids["file"]),
    "batches.create": lambda c, ids: c.batches.create("enc2"),
    "batches.get": lambda c, ids: c.batches.get(ids["batch"]),
    "batches.results": lambda c, ids: c.batches.results(ids["batch"]),
    "models": lambda c, ids: c.models(),
}


@pytest.mark.parametrize("call", sorted(SYNC))
def test_a_broken_encoding_is_a_typed_connection_error(client, emu, call):
    ids = _setup(client)
    emu.inject("bad_encoding", times=5)
    with pytest.raises(ResponseBodyInterruptedError, match="could not be decoded") as err:
        SYNC[call](client, ids)
    assert isinstance(err.value, APIConnectionError) and not is_retryable(err.value)
    assert isinstance(err.value.__cause__, httpx.DecodingError)
    assert len([r for r in emu.requests if r.fault == "bad_encoding"]) == 1  # not resent


@pytest.mark.parametrize("api", ["chat", "responses"])
def test_a_broken_encoding_on_a_stream_is_typed(client, emu, api):
    start = client.stream if api == "chat" else client.responses.stream
    with pytest.raises(StreamInterruptedError, match="decompressing"):
        start("Say hi.", headers=fault("bad_encoding")).final()


async def test_async_entry_points_type_a_broken_encoding(aclient, emu):
    batch = await aclient.batches.create("async-enc")
    calls = [
        lambda: aclient.chat("Say hi."),
        lambda: aclient.responses.create("Say hi."),
        lambda: aclient.files.list(),
        lambda: aclient.files.upload(b"a\n", filename="a.txt"),
        lambda: aclient.batches.results(batch.id),
        lambda: aclient.stream("Say hi.").final(),
        lambda: aclient.responses.stream("Say hi.").final(),
    ]
    for call in calls:
        emu.inject("bad_encoding")
        with pytest.raises(GrokError) as err:
            await call()
        assert isinstance(err.value, (ResponseBodyInterruptedError, StreamInterruptedError))


# --- a Responses stream without response.completed -------------------------------


def test_a_responses_stream_ending_at_done_without_completed_is_interrupted(client, emu):
    stream = client.responses.stream(
        "Write 40 words about rivers.", headers=fault("no_completed")
    )
    with pytest.raises(StreamInterruptedError, match=r"\[DONE\] before response.completed") as e:
        stream.final()
    partial = e.value.partial
    assert len(partial.text.split()) > 10  # what arrived is kept
    record = client.ledger.records[-1]
    assert record.estimated and record.cost_usd > 0  # billed, so estimated as a chat stream's
    assert record.completion_tokens > 0


def test_a_responses_stream_ending_bare_without_completed_is_interrupted(client, emu):
    stream = client.responses.stream("Write 40 words.", headers=fault("no_completed;done=0"))
    with pytest.raises(StreamInterruptedError, match=r"before response\.completed"):
        stream.final()
    assert client.ledger.records[-1].estimated


async def test_async_responses_stream_without_completed_is_interrupted(aclient, emu):
    stream = aclient.responses.stream("Write 40 words.", headers=fault("no_completed"))
    with pytest.raises(StreamInterruptedError) as e:
        await stream.final()
    assert e.value.partial.text
    assert aclient.ledger.records[-1].estimated


def test_a_whole_responses_stream_still_ends_cleanly(client, emu):
    response = client.responses.stream("Say hi.").final()
    assert response.status == "completed" and not client.ledger.records[-1].estimated
