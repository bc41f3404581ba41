"""Issue 11 items 2 and 3: no second bill for a cut body, Retry-After, retry budget, deadlines."""

from __future__ import annotations

import asyncio
import time

import pytest

from grok_jupyter.client import (
    APIConnectionError,
    APITimeoutError,
    AsyncGrokClient,
    DeadlineExceededError,
    GrokClient,
    RateLimitError,
    ResponseBodyInterruptedError,
    ServiceUnavailableError,
    UsageLedger,
)
from tests.client.scripted_server import Reply, ScriptedServer, completion_body
from tests.conftest import TEST_API_KEY


def _sync(base_url: str, **kw) -> GrokClient:
    kw.setdefault("retry_backoff", 0.001)
    return GrokClient(api_key=TEST_API_KEY, base_url=base_url, ledger=UsageLedger(), **kw)


def _async(base_url: str, **kw) -> AsyncGrokClient:
    kw.setdefault("retry_backoff", 0.001)
    return AsyncGrokClient(api_key=TEST_API_KEY, base_url=base_url, ledger=UsageLedger(), **kw)


# --- item 2: a 200 whose body breaks is not sent again ------------------------------


CUT_200 = Reply(
    200,
    completion_body("a long answer " * 40),
    cut_after=60,
    headers={"Content-Type": "application/json", "x-request-id": "req-cut-1"},
)


def test_a_200_cut_mid_body_is_not_retried_and_says_the_server_answered():
    with ScriptedServer([CUT_200]) as server, _sync(server.base_url, max_retries=2) as client:
        with pytest.raises(ResponseBodyInterruptedError) as err:
            client.chat("hi")
    assert len(server.requests) == 1  # billed once, sent once
    e = err.value
    assert isinstance(e, APIConnectionError)  # old `except APIConnectionError` still catches it
    assert e.status_code == 200 and e.request_id == "req-cut-1"
    assert "answered" in e.message and "Not retried" in e.message
    assert "Could not reach" not in e.message


def test_async_a_200_cut_mid_body_is_not_retried():
    async def call(client: AsyncGrokClient) -> None:
        async with client:
            await client.chat("hi")

    with ScriptedServer([CUT_200]) as server:
        with pytest.raises(ResponseBodyInterruptedError):
            asyncio.run(call(_async(server.base_url, max_retries=2)))
    assert len(server.requests) == 1


def test_an_error_status_whose_body_breaks_is_still_retried_by_its_status():
    unavailable = Reply(503, b'{"code":"x","error":"busy busy busy"}', cut_after=5)
    with ScriptedServer([unavailable, Reply(200, completion_body("fine"))]) as server:
        with _sync(server.base_url) as client:
            assert client.chat("hi").text == "fine"
    assert len(server.requests) == 2


# --- item 3: Retry-After on every retryable status, a wait budget, a deadline ---------


def test_retry_after_is_honoured_on_503():
    busy = Reply(503, b'{"code":"The service is currently unavailable","error":"busy"}',
                 headers={"Retry-After": "0.3"})  # fmt: skip
    with ScriptedServer([busy, Reply(200, completion_body("after the wait"))]) as server:
        with _sync(server.base_url) as client:
            started = time.monotonic()
            assert client.chat("hi").text == "after the wait"
            waited = time.monotonic() - started
    assert len(server.requests) == 2
    assert waited >= 0.3  # the server's 0.3 s, not the 1 ms backoff


def test_the_503_error_carries_retry_after():
    busy = Reply(503, b'{"code":"The service is currently unavailable","error":"busy"}',
                 headers={"Retry-After": "0.01"})  # fmt: skip
    with ScriptedServer([busy]) as server, _sync(server.base_url, max_retries=0) as client:
        with pytest.raises(ServiceUnavailableError) as err:
            client.chat("hi")
    assert err.value.retry_after == pytest.approx(0.01)


def test_max_retry_wait_caps_the_total_time_spent_waiting(emu):
    emu.inject("rate_limit", times=6, retry_after=0.3)
    client = _sync(emu.base_url, max_retries=5, max_retry_wait=0.5)
    assert client.settings.max_retry_wait == 0.5
    started = time.monotonic()
    with pytest.raises(RateLimitError):
        client.chat("hi")
    # One 0.3 s wait fits the 0.5 s budget, a second would not: two attempts, not six.
    assert len(emu.chat_requests) == 2
    assert time.monotonic() - started < 0.55
    client.close()


def test_max_retry_wait_defaults_to_a_minute():
    assert GrokClient(api_key=TEST_API_KEY).settings.max_retry_wait == 60.0


def test_a_call_deadline_bounds_a_slow_answer(emu):
    with _sync(emu.base_url) as client:
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError) as err:
            client.chat("hi", deadline=0.3, headers={"X-Emulator-Fault": "slow_first_byte;delay=1"})
        elapsed = time.monotonic() - started
    assert isinstance(err.value, APITimeoutError)
    assert "deadline of 0.3 s" in err.value.message
    assert elapsed < 1.0
    assert len(emu.chat_requests) == 1  # a timed-out chat is not re-sent


def test_a_client_deadline_applies_to_every_call(emu):
    slow = {"X-Emulator-Fault": "slow_first_byte;delay=0.6"}
    with _sync(emu.base_url, deadline=0.3) as client:
        assert client.settings.deadline == 0.3
        assert client.chat("hi").text  # a quick call is unaffected
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            client.chat("hi", headers=slow)
        assert time.monotonic() - started < 0.55
        assert client.chat("hi", headers=slow, deadline=3).text  # a call can give itself longer


def test_a_deadline_is_not_slept_past_between_retries(emu):
    emu.inject("rate_limit", times=3, retry_after=0.4)
    with _sync(emu.base_url, max_retries=3) as client:
        started = time.monotonic()
        with pytest.raises(RateLimitError):
            client.chat("hi", deadline=0.6)
        assert time.monotonic() - started < 0.6
    assert len(emu.chat_requests) == 2  # the second 0.4 s wait would cross the deadline


SLOW_STREAM = {"X-Emulator-Fault": "slow_chunks;delay=0.05"}
LONG = "Write a long essay about rivers, at least 300 words."


def test_a_trickling_stream_stops_at_its_deadline_with_the_partial(emu):
    with _sync(emu.base_url) as client:
        started = time.monotonic()
        stream = client.stream(LONG, headers=SLOW_STREAM, deadline=0.5)
        got = []
        with pytest.raises(APITimeoutError) as err:
            for chunk in stream:
                got.append(chunk.text)
        elapsed = time.monotonic() - started
    e = err.value
    assert isinstance(e, DeadlineExceededError)
    assert e.partial is not None and e.partial.chunks == len(got) > 2
    assert e.partial.content == "".join(got)
    assert "partial answer" in e.message
    assert 0.5 <= elapsed < 1.0
    assert len(emu.chat_requests) == 1


def test_async_a_trickling_stream_stops_at_its_deadline(emu):
    async def run() -> tuple[DeadlineExceededError, float]:
        async with _async(emu.base_url) as client:
            started = time.monotonic()
            try:
                async with client.stream(LONG, headers=SLOW_STREAM, deadline=0.5) as stream:
                    async for _ in stream:
                        pass
            except DeadlineExceededError as exc:
                return exc, time.monotonic() - started
            raise AssertionError("the stream outlived its deadline")

    err, elapsed = asyncio.run(run())
    assert err.partial is not None and err.partial.chunks > 2
    assert elapsed < 1.0


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "soon"])
def test_a_bad_deadline_is_refused(bad):
    client = GrokClient(api_key=TEST_API_KEY)
    with pytest.raises((TypeError, ValueError)):
        client.chat("hi", deadline=bad)
