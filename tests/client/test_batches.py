"""``client.batches`` against the emulator: the section 6 routes, derived status, result
order, per-request errors, cancel, the 80% price and a ledger that never bills twice."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from grok_jupyter.client import (
    AsyncGrokClient,
    BadRequestError,
    BatchResult,
    GrokClient,
    InvalidRequestError,
    InvalidValueError,
    NotFoundError,
    UsageLedger,
)
from grok_jupyter.client._catalog import USD_TICKS_PER_USD
from grok_jupyter.emulator import serve
from tests.conftest import TEST_API_KEY

PROMPTS = ["Name three rivers.", "Say hello.", "What is 2+2?", "Describe rain.", "Pick a colour."]


@pytest.fixture(scope="module")
def instant() -> Iterator:
    """An emulator that answers queued requests at the first read (batch_delay=0)."""
    with serve(batch_delay=0) as handle:
        yield handle


@pytest.fixture(scope="module")
def slow() -> Iterator:
    """An emulator whose queued requests stay pending for the whole test."""
    with serve(batch_delay=3600) as handle:
        yield handle


def _client(emu, ledger: UsageLedger | None = None) -> GrokClient:
    return GrokClient(
        api_key=TEST_API_KEY,
        base_url=emu.base_url,
        ledger=ledger if ledger is not None else UsageLedger(),
        max_retries=0,
    )


@pytest.fixture
def now_client(instant) -> Iterator[GrokClient]:
    instant.reset()
    with _client(instant) as c:
        yield c


@pytest.fixture
def later_client(slow) -> Iterator[GrokClient]:
    slow.reset()
    with _client(slow) as c:
        yield c


def _requests(c: GrokClient, ids: list[str]) -> list[dict]:
    return [
        c.batches.chat_request(rid, p, model="grok-4.3")
        for rid, p in zip(ids, PROMPTS[: len(ids)], strict=True)
    ]


def test_create_add_get_and_the_status_derived_from_counters(later_client, slow):
    c = later_client
    batch = c.batches.create("labels")
    assert batch.batch_id.startswith("batch_") and batch.id == batch.batch_id
    assert batch.name == "labels" and batch.cancel_time is None
    assert batch.state.num_requests == 0 and batch.status == "validating"
    assert c.batches.add_requests(batch.id, _requests(c, ["a", "b"])) is None
    got = c.batches.get(batch.id)
    assert (got.state.num_requests, got.state.num_pending) == (2, 2)
    assert got.status == "in_progress"
    assert c.batches.results(batch.id).results == []  # nothing answered yet
    sent = next(r for r in slow.requests if r.path.endswith("/requests"))
    assert sent.body["batch_requests"][0] == {
        "batch_request_id": "a",
        "batch_request": {
            "chat_get_completion": {
                "model": "grok-4.3",
                "messages": [{"role": "user", "content": PROMPTS[0]}],
            }
        },
    }


def test_results_come_in_the_order_added_with_per_request_errors(now_client):
    c = now_client
    batch = c.batches.create("mixed")
    ids = ["r-4", "r-1", "r-3", "r-0"]
    requests = _requests(c, ids)
    with pytest.warns(UserWarning, match="grok-nope-1"):
        requests.insert(2, c.batches.chat_request("bad", "hi", model="grok-nope-1"))
    c.batches.add_requests(batch.id, requests)
    done = c.batches.get(batch.id)
    assert done.status == "completed"
    assert (done.state.num_success, done.state.num_error, done.state.num_pending) == (4, 1, 0)
    results = list(c.batches.iter_results(batch.id))
    assert [r.batch_request_id for r in results] == ["r-4", "r-1", "bad", "r-3", "r-0"]
    bad = results[2]
    assert bad.completion is None and bad.error is not None
    assert bad.error.code == 5 and "grok-nope-1" in bad.error.message  # NOT_FOUND
    for r in (results[i] for i in (0, 1, 3, 4)):
        assert r.error is None and r.completion is not None
        assert r.completion.model == "grok-4.3" and r.completion.text


def test_batch_results_cost_80_percent_of_the_same_chat_call(now_client):
    c = now_client
    batch = c.batches.create("price")
    c.batches.add_requests(batch.id, _requests(c, ["p0", "p1"]))
    results = c.batches.results(batch.id).results
    for result, prompt in zip(results, PROMPTS[:2], strict=True):
        live = c.chat(prompt, model="grok-4.3")
        assert result.completion.text == live.text
        assert result.completion.usage.cost_in_usd_ticks == round(
            live.usage.cost_in_usd_ticks * 0.8
        )


def test_the_ledger_records_each_result_once_however_often_fetched(instant):
    instant.reset()
    ledger = UsageLedger()
    with _client(instant, ledger) as c:
        batch = c.batches.create("ledger")
        c.batches.add_requests(batch.id, _requests(c, ["x", "y", "z"]))
        first = c.batches.results(batch.id, limit=2)
        assert len(ledger) == 2
        again = c.batches.results(batch.id, limit=2)  # the same page again
        rest = c.batches.results(batch.id, limit=2, pagination_token=first.pagination_token)
        assert [r.batch_request_id for r in again.results + rest.results] == ["x", "y", "z"]
        list(c.batches.iter_results(batch.id))
        list(c.batches.iter_results(batch.id, limit=1))
        records = ledger.records
        assert [r.request_id for r in records] == [f"{batch.id}/{k}" for k in "xyz"]
        assert all(r.batch and r.model == "grok-4.3" for r in records)
        ticks = [r.completion.usage.cost_in_usd_ticks for r in again.results + rest.results]
        assert [r.cost_usd for r in records] == [t / USD_TICKS_PER_USD for t in ticks]
        total = ledger.total()
        assert total.batch_calls == 3 and total.batch_cost_usd == pytest.approx(total.cost_usd)
    # Another ledger is billed on its own, once too.
    other = UsageLedger()
    with _client(instant, other) as c2:
        list(c2.batches.iter_results(batch.id))
        list(c2.batches.iter_results(batch.id))
    assert len(other) == 3 and len(ledger) == 3


def test_errors_are_not_billed(now_client):
    c = now_client
    batch = c.batches.create("errors")
    with pytest.warns(UserWarning):
        c.batches.add_requests(batch.id, [c.batches.chat_request("e", "hi", model="grok-nope-2")])
    assert c.batches.results(batch.id).results[0].error is not None
    assert len(c.ledger) == 0


def test_cancel_uses_the_colon_verb_and_cancels_what_is_pending(later_client, slow):
    c = later_client
    batch = c.batches.create("to-cancel")
    c.batches.add_requests(batch.id, _requests(c, ["a", "b", "c"]))
    cancelled = c.batches.cancel(batch.id)
    assert [r.path for r in slow.requests if r.path.endswith(":cancel")] == [
        f"/v1/batches/{batch.id}:cancel"
    ]
    assert cancelled.cancel_time is not None and cancelled.status == "cancelled"
    assert (cancelled.state.num_cancelled, cancelled.state.num_pending) == (3, 0)
    assert c.batches.get(batch.id).status == "cancelled"
    assert c.batches.results(batch.id).results == []
    with pytest.raises(BadRequestError, match="cancelled"):
        c.batches.add_requests(batch.id, _requests(c, ["d"]))


def test_cancel_keeps_results_already_answered(now_client):
    c = now_client
    batch = c.batches.create("answered")
    c.batches.add_requests(batch.id, _requests(c, ["a"]))
    cancelled = c.batches.cancel(batch.id)  # answered at this read, before the cancel
    assert (cancelled.state.num_success, cancelled.state.num_cancelled) == (1, 0)
    assert cancelled.status == "cancelled"
    assert [r.batch_request_id for r in c.batches.results(batch.id).results] == ["a"]


def test_an_unknown_batch_id_is_a_typed_not_found(now_client):
    c = now_client
    for call in (
        lambda: c.batches.get("batch_does_not_exist"),
        lambda: c.batches.results("batch_does_not_exist"),
        lambda: c.batches.cancel("batch_does_not_exist"),
        lambda: c.batches.add_requests("batch_does_not_exist", _requests(c, ["a"])),
        lambda: list(c.batches.iter_results("batch_does_not_exist")),
    ):
        with pytest.raises(NotFoundError) as err:
            call()
        assert "batch_does_not_exist" in str(err.value)


def test_list_pages_batches(later_client):
    c = later_client
    ids = [c.batches.create(f"b{i}").id for i in range(3)]
    page = c.batches.list(limit=2)
    assert [b.id for b in page.batches] == ids[:2] and page.pagination_token
    rest = c.batches.list(limit=2, pagination_token=page.pagination_token)
    assert [b.id for b in rest.batches] == ids[2:] and rest.pagination_token is None
    assert [b.id for b in c.batches.iter(limit=1)] == ids


def test_bad_requests_are_refused_before_sending(later_client, slow):
    c = later_client
    default = c.batches.chat_request("d", "hi")
    assert default["batch_request"]["chat_get_completion"]["model"] == c.catalog.default_chat_model
    with pytest.raises(InvalidValueError):
        c.batches.chat_request("t", "hi", temperature=5)
    with pytest.raises(InvalidRequestError, match="batch_request_id"):
        c.batches.chat_request("", "hi")
    with pytest.raises(InvalidRequestError, match="batch_request_id"):
        c.batches.add_requests("batch_x", [{"batch_request": {"chat_get_completion": {}}}])
    with pytest.raises(InvalidRequestError, match="used twice"):
        c.batches.add_requests("batch_x", [default, default])
    with pytest.raises(InvalidRequestError, match="list of"):
        c.batches.add_requests("batch_x", default)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="batch_id"):
        c.batches.get("")
    assert slow.requests == []


def test_a_batch_from_an_uploaded_jsonl_file(now_client):
    c = now_client
    lines = [json.dumps(r) for r in _requests(c, ["f1", "f2"])]
    upload = c.files.upload(("\n".join(lines) + "\n").encode(), filename="batch.jsonl")
    batch = c.batches.create("from-file", input_file_id=upload.id)
    assert batch.input_file_id == upload.id and batch.state.num_requests == 2
    assert [r.batch_request_id for r in c.batches.iter_results(batch.id)] == ["f1", "f2"]

    broken = c.files.upload(b'{"batch_request_id": "x"}\nnot json\n', filename="bad.jsonl")
    failed = c.batches.create("broken", input_file_id=broken.id)
    assert failed.status == "failed" and "Input validation failed" in (
        failed.cancel_by_xai_message or ""
    )
    with pytest.raises(NotFoundError):
        c.batches.create("missing", input_file_id="file_missing")


def test_wait_returns_the_finished_batch(now_client):
    c = now_client
    batch = c.batches.create("wait")
    c.batches.add_requests(batch.id, _requests(c, ["w"]))
    assert c.batches.wait(batch.id, poll_interval=0.01, timeout=30).status == "completed"


def test_catalogue_price_less_the_discount_when_a_result_has_no_ticks(now_client):
    from grok_jupyter.client._batches import record_results

    c = now_client
    body = {
        "batch_request_id": "n1",
        "batch_result": {
            "response": {
                "chat_get_completion": {
                    "id": "c1",
                    "model": "grok-4.3",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
                    "usage": {
                        "prompt_tokens": 1000,
                        "completion_tokens": 1000,
                        "total_tokens": 2000,
                    },
                }
            }
        },
    }
    result = BatchResult.model_validate(body)
    record_results(c, "batch_local", [result], "client")
    full = c.catalog.cost_usd("grok-4.3", result.completion.usage)
    assert c.ledger.records[0].cost_usd == pytest.approx(full * 0.8)


async def test_async_batches(instant, slow):
    instant.reset()
    async with AsyncGrokClient(
        api_key=TEST_API_KEY, base_url=instant.base_url, ledger=UsageLedger()
    ) as c:
        batch = await c.batches.create("async")
        requests = [
            c.batches.chat_request(k, p, model="grok-4.3")
            for k, p in zip("ab", PROMPTS[:2], strict=True)
        ]
        await c.batches.add_requests(batch.id, requests)
        assert (await c.batches.get(batch.id)).status == "completed"
        assert [r.batch_request_id async for r in c.batches.iter_results(batch.id, limit=1)] == [
            "a",
            "b",
        ]
        page = await c.batches.results(batch.id)
        assert [r.batch_request_id for r in page.results] == ["a", "b"]
        assert len(c.ledger) == 2
        assert [b.id async for b in c.batches.iter()] == [batch.id]
        assert (await c.batches.wait(batch.id, poll_interval=0.01)).status == "completed"
        with pytest.raises(NotFoundError):
            await c.batches.get("batch_nope")
    slow.reset()
    async with AsyncGrokClient(api_key=TEST_API_KEY, base_url=slow.base_url) as c:
        batch = await c.batches.create("async-cancel")
        await c.batches.add_requests(batch.id, [c.batches.chat_request("a", "hi")])
        assert (await c.batches.list()).batches[0].status == "in_progress"
        assert (await c.batches.cancel(batch.id)).status == "cancelled"


def test_a_results_read_that_fails_then_succeeds_bills_once(instant):
    instant.reset()
    with GrokClient(
        api_key=TEST_API_KEY, base_url=instant.base_url, ledger=UsageLedger(), retry_backoff=0.01
    ) as c:
        batch = c.batches.create("retry")
        c.batches.add_requests(batch.id, _requests(c, ["a", "b"]))
        instant.inject("server_error")
        page = c.batches.results(batch.id)
        assert [r.batch_request_id for r in page.results] == ["a", "b"]
        assert len(c.ledger) == 2
        gets = [r for r in instant.requests if r.path.endswith("/results")]
        assert [r.fault for r in gets] == ["server_error", None]
