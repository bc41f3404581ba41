"""Issue 22 item 7: an id that is not a plain id token never reaches a URL path.

``files.delete("..")`` used to send ``DELETE /v1`` and ``batches.add_requests("..")``
``POST /v1/requests``: ``.`` and ``..`` are path segments every HTTP stack
normalises away. Each method that puts an id into a path now refuses it, typed,
before anything is sent (the emulator records every request it gets).
"""

from __future__ import annotations

import pytest

from grok_jupyter.client import InvalidRequestError, InvalidValueError

BAD_IDS = [".", "..", "a/b", "", " x", "x:cancel", "a?b=1", "%2e%2e", "x\n", None, 5]

_REQUEST = {"batch_request_id": "r1", "batch_request": {"chat_get_completion": {}}}

SYNC_CALLS = {
    "files.retrieve": lambda c, i: c.files.retrieve(i),
    "files.content": lambda c, i: c.files.content(i),
    "files.delete": lambda c, i: c.files.delete(i),
    "batches.get": lambda c, i: c.batches.get(i),
    "batches.cancel": lambda c, i: c.batches.cancel(i),
    "batches.add_requests": lambda c, i: c.batches.add_requests(i, [_REQUEST]),
    "batches.results": lambda c, i: c.batches.results(i),
    "batches.iter_results": lambda c, i: list(c.batches.iter_results(i)),
    "batches.wait": lambda c, i: c.batches.wait(i, poll_interval=0),
    "batches.create(input_file_id)": lambda c, i: c.batches.create("b", input_file_id=i),
    "responses.retrieve": lambda c, i: c.responses.retrieve(i),
    "responses.delete": lambda c, i: c.responses.delete(i),
    "get_deferred": lambda c, i: c.get_deferred(i),
    "wait_deferred": lambda c, i: c.wait_deferred(i, poll_interval=0, timeout=1),
}


@pytest.mark.parametrize(
    ("call", "bad_id"),
    [
        (call, bad_id)
        for call in SYNC_CALLS
        for bad_id in BAD_IDS
        # input_file_id=None is "no file", a real choice
        if not (bad_id is None and call == "batches.create(input_file_id)")
    ],
    ids=repr,
)
def test_a_bad_id_is_refused_before_anything_is_sent(client, emu, call, bad_id):
    with pytest.raises(InvalidValueError) as err:
        SYNC_CALLS[call](client, bad_id)
    message = str(err.value)
    assert "letters, digits" in message and repr(bad_id) in message
    assert isinstance(err.value, InvalidRequestError)
    assert emu.requests == []


ASYNC_CALLS = {
    "files.delete": lambda c, i: c.files.delete(i),
    "files.content": lambda c, i: c.files.content(i),
    "batches.add_requests": lambda c, i: c.batches.add_requests(i, [_REQUEST]),
    "batches.cancel": lambda c, i: c.batches.cancel(i),
    "responses.retrieve": lambda c, i: c.responses.retrieve(i),
    "get_deferred": lambda c, i: c.get_deferred(i),
}


@pytest.mark.parametrize("bad_id", ["..", ".", "a/b"], ids=repr)
@pytest.mark.parametrize("call", list(ASYNC_CALLS))
async def test_the_async_client_refuses_them_too(aclient, emu, call, bad_id):
    with pytest.raises(InvalidValueError):
        await ASYNC_CALLS[call](aclient, bad_id)
    assert emu.requests == []


def test_real_ids_still_work(client, emu):
    stored = client.files.upload(b"id check", filename="ids.txt")
    assert client.files.retrieve(stored.id).id == stored.id
    assert client.files.delete(stored.id).deleted
    batch = client.batches.create("ids")
    assert client.batches.get(batch.batch_id).batch_id == batch.batch_id
    assert [(r.method, r.path) for r in emu.requests][-1] == (
        "GET", f"/v1/batches/{batch.batch_id}"
    )
