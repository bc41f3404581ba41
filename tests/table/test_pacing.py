"""Adaptive concurrency: 429s slow the map down without failing rows; headers are read."""

from __future__ import annotations

import time

from grok_jupyter import map_rows
from grok_jupyter.client import GrokClient
from grok_jupyter.emulator import serve
from grok_jupyter.table.rate import AdaptiveLimiter, parse_duration
from tests.conftest import TEST_API_KEY


def test_429s_are_waited_out_and_no_row_fails(emu, gclient):
    emu.inject("rate_limit", times=4, retry_after=0.2)
    data = [{"n": i} for i in range(30)]
    out = map_rows(data, "Count {n}", client=gclient, on_error="keep", progress=False)
    assert [r["_error"] for r in out] == [None] * 30
    report = out.report
    assert report.rate_limited == 4
    assert report.done == 30 and report.requests == 30
    assert len(emu.chat_requests) == 34  # each 429 retried once, nothing else re-sent


def test_the_emulator_limit_is_respected_without_429s():
    # 20 requests a minute and 20 rows: the window shrinks to what the headers allow.
    with serve(rpm=20) as url:
        client = GrokClient(api_key=TEST_API_KEY, base_url=url, retry_backoff=0.01)
        out = map_rows(
            [{"n": i} for i in range(20)],
            "Count {n}",
            client=client,
            cache=False,
            progress=False,
        )
        assert out.report.done == 20 and out.report.rate_limited == 0
        assert len(url.chat_requests) == 20


def test_the_limiter_reads_real_rate_headers():
    with serve(rpm=50) as url:
        client = GrokClient(api_key=TEST_API_KEY, base_url=url)
        limiter = AdaptiveLimiter(cap=64)
        from grok_jupyter.client._observe import observe_responses

        with observe_responses(limiter.observe):
            for _ in range(45):
                client.chat("hi", max_tokens=1)
        # 5 requests left in this minute: no more than 5 may be in flight
        assert limiter.allowed == 5
        url.set_limits(rpm=45)
        with observe_responses(limiter.observe):
            try:
                client.chat("hi", max_tokens=1, deadline=0.5)
            except Exception:
                pass
        assert limiter.rate_limited >= 1  # the 429 the client retried was seen
        assert limiter.paused_until > 0 and not limiter.slow_start


def test_durations():
    assert parse_duration("1.5s") == 1.5
    assert parse_duration("250ms") == 0.25
    assert parse_duration("1m30s") == 90
    assert parse_duration("7") == 7
    assert parse_duration(None) is None and parse_duration("soon") is None


def test_window_grows_and_halves():
    limiter = AdaptiveLimiter(cap=100, start=10)
    for _ in range(5):
        limiter.in_flight += 1
        limiter.release(ok=True)
    assert limiter.allowed == 15  # slow start: one more per clean answer
    limiter.observe(429, {"retry-after": "0"})
    assert limiter.allowed == 7 and limiter.rate_limited == 1
    limiter.in_flight += 1
    limiter.release(ok=True)
    assert limiter.allowed == 7  # additive now: about one more per window of answers
    capped = AdaptiveLimiter(cap=3)
    assert capped.allowed == 3


def test_a_429_pauses_as_long_as_the_client_will_wait():
    # retry-after-ms (and an HTTP date) are read as the client's retry loop reads them.
    limiter = AdaptiveLimiter(cap=10)
    before = time.monotonic()
    limiter.observe(429, {"retry-after-ms": "2500", "retry-after": "1"})
    assert 2.4 < limiter.paused_until - before < 2.6
