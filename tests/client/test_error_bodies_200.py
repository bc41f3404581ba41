"""xAI's error body with HTTP 200 (``{"code": ..., "error": ...}``) on every route (issue 21).

The API sometimes answers an error with status 200. Chat completions always
raised its typed error; the batch and file routes read it as success: an
``add_requests`` that queued nothing returned normally, and a results page
with the error body read as "0 results". Each route family is tried here over
real HTTP with the emulator's ``json_error_200`` fault, sync and async.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grok_jupyter.client import (
    AsyncGrokClient,
    BadRequestError,
    GrokClient,
    NotFoundError,
    UsageLedger,
)
from grok_jupyter.emulator import serve
from tests.conftest import TEST_API_KEY


@pytest.fixture(scope="module")
def emu200() -> Iterator:
    with serve(batch_delay=0) as handle:
        yield handle


@pytest.fixture
def setup(emu200) -> Iterator[tuple[GrokClient, dict[str, str]]]:
    """A client with no retries, a stored file, a batch with one answered request and a
    stored response; the fault is queued after, so it hits only the call under test."""
    emu200.reset()
    with GrokClient(
        api_key=TEST_API_KEY, base_url=emu200.base_url, ledger=UsageLedger(), max_retries=0
    ) as c:
        file = c.files.upload(b"rivers: Nile, Amazon\n", filename="rivers.txt")
        batch = c.batches.create("error-200")
        c.batches.add_requests(batch.id, [c.batches.chat_request("r1", "Say hi.")])
        response = c.responses.create("Say hi.", store=True)
        ids = {"file": file.id, "batch": batch.id, "response": response.id}
        c.ledger.clear()
        yield c, ids


def _one_request(c: GrokClient, ids: dict[str, str]) -> dict:
    return {"batch_request_id": "r2", "batch_request": {"chat_get_completion": {
        "model": "grok-4.3", "messages": [{"role": "user", "content": "Say hi."}]}}}  # fmt: skip


SYNC_ROUTES = {
    "batches.create": lambda c, ids: c.batches.create("again"),
    "batches.add_requests": lambda c, ids: c.batches.add_requests(
        ids["batch"], [_one_request(c, ids)]
    ),
    "batches.get": lambda c, ids: c.batches.get(ids["batch"]),
    "batches.list": lambda c, ids: c.batches.list(),
    "batches.results": lambda c, ids: c.batches.results(ids["batch"]),
    "batches.iter_results": lambda c, ids: list(c.batches.iter_results(ids["batch"])),
    "batches.cancel": lambda c, ids: c.batches.cancel(ids["batch"]),
    "files.upload": lambda c, ids: c.files.upload(b"more text\n", filename="more.txt"),
    "files.list": lambda c, ids: c.files.list(),
    "files.retrieve": lambda c, ids: c.files.retrieve(ids["file"]),
    "files.content": lambda c, ids: c.files.content(ids["file"]),
    "responses.create": lambda c, ids: c.responses.create("Say hi."),
    "responses.stream": lambda c, ids: c.responses.stream("Say hi.").final(),
    "responses.retrieve": lambda c, ids: c.responses.retrieve(ids["response"]),
    "chat": lambda c, ids: c.chat("Say hi."),
    "chat.stream": lambda c, ids: c.stream("Say hi.").final(),
}


@pytest.mark.parametrize("route", sorted(SYNC_ROUTES))
def test_every_route_raises_the_typed_error(setup, emu200, route):
    c, ids = setup
    emu200.inject("json_error_200", status=400)
    with pytest.raises(BadRequestError) as err:
        SYNC_ROUTES[route](c, ids)
    assert err.value.status_code == 200 and err.value.code == "Client specified an invalid argument"
    assert "Invalid request content." in str(err.value)
    assert len(c.ledger) == 0  # nothing answered, nothing recorded


def test_a_results_page_with_the_error_body_is_not_zero_results(setup, emu200):
    c, ids = setup
    emu200.inject("json_error_200", status=404)
    with pytest.raises(NotFoundError):
        c.batches.results(ids["batch"])
    # The same page, read again without the fault, has the answered request.
    page = c.batches.results(ids["batch"])
    assert [r.batch_request_id for r in page.results] == ["r1"] and len(c.ledger) == 1


def test_an_add_with_the_error_body_queues_nothing_and_says_so(setup, emu200):
    c, ids = setup
    emu200.inject("json_error_200", status=400)
    with pytest.raises(BadRequestError):
        c.batches.add_requests(ids["batch"], [_one_request(c, ids)])
    assert c.batches.get(ids["batch"]).state.num_requests == 1


def test_a_retryable_error_body_is_retried_like_its_status(emu200):
    emu200.reset()
    with GrokClient(
        api_key=TEST_API_KEY, base_url=emu200.base_url, retry_backoff=0.01, ledger=UsageLedger()
    ) as c:
        emu200.inject("json_error_200")  # "unavailable": retried, as a 503 is
        assert c.files.list().data == []
        assert [r.path for r in emu200.requests] == ["/v1/files", "/v1/files"]


def test_a_response_object_with_error_null_is_not_an_error_body(setup):
    c, _ = setup
    assert c.responses.create("Say hi.").error is None


async def test_async_routes_raise_the_typed_error(setup, emu200):
    _, ids = setup
    async with AsyncGrokClient(
        api_key=TEST_API_KEY, base_url=emu200.base_url, max_retries=0, ledger=UsageLedger()
    ) as c:
        calls = {
            "add_requests": lambda: c.batches.add_requests(ids["batch"], [_one_request(c, ids)]),
            "results": lambda: c.batches.results(ids["batch"]),
            "batches.list": lambda: c.batches.list(),
            "files.list": lambda: c.files.list(),
            "files.content": lambda: c.files.content(ids["file"]),
            "files.upload": lambda: c.files.upload(b"x y z\n", filename="x.txt"),
            "responses.create": lambda: c.responses.create("Say hi."),
            "chat": lambda: c.chat("Say hi."),
        }
        for name, call in calls.items():
            emu200.inject("json_error_200", status=400)
            with pytest.raises(BadRequestError):
                await call()
            assert len(c.ledger) == 0, name
