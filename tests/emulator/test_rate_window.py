"""serve(rate_window="smooth"): the request limit as a token bucket, headers that tell the truth."""

from __future__ import annotations

import time

import httpx
import pytest

from grok_jupyter.emulator import serve
from tests.emulator.emulator_helpers import KEY


def _seconds(value: str) -> float:
    return float(value.removesuffix("s"))  # the emulator writes "1.234s"


BODY = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30)


def test_a_smooth_limit_holds_about_one_seconds_worth():
    # 600 a minute is 10 a second: the bucket holds 10, not the minute's 600.
    with serve(rpm=600, rate_window="smooth") as url, _client(url) as http:
        first = http.post("/chat/completions", json=BODY)
        assert first.status_code == 200
        assert first.headers["x-ratelimit-limit-requests"] == "600"
        assert int(first.headers["x-ratelimit-remaining-requests"]) <= 10
    with serve(rpm=600) as url, _client(url) as http:  # the default: a sliding minute
        first = http.post("/chat/completions", json=BODY)
        assert first.headers["x-ratelimit-remaining-requests"] == "599"


def test_a_smooth_429_carries_a_retry_after_that_works_when_honoured():
    # 30 a minute: one request in the bucket, the next one half a minute's 60th later (2 s).
    with serve(rpm=30, rate_window="smooth") as url, _client(url) as http:
        ok = http.post("/chat/completions", json=BODY)
        assert ok.status_code == 200
        assert ok.headers["x-ratelimit-remaining-requests"] == "0"
        assert 0 < _seconds(ok.headers["x-ratelimit-reset-requests"]) <= 2.0
        limited = http.post("/chat/completions", json=BODY)
        assert limited.status_code == 429
        assert limited.json()["code"] == "Some resource has been exhausted"
        retry_after = int(limited.headers["retry-after"])  # whole seconds, rounded up
        assert 1 <= retry_after <= 2
        assert limited.headers["x-ratelimit-remaining-requests"] == "0"
        # the next token is no later than Retry-After says
        assert _seconds(limited.headers["x-ratelimit-reset-requests"]) <= retry_after
        time.sleep(retry_after)
        again = http.post("/chat/completions", json=BODY)
        assert again.status_code == 200
        assert len(url.chat_requests) == 3


def test_the_sliding_window_still_admits_a_fresh_minute_at_once():
    with serve(rpm=30) as url, _client(url) as http:
        codes = [http.post("/chat/completions", json=BODY).status_code for _ in range(3)]
        assert codes == [200, 200, 200]


def test_reset_restores_a_full_bucket():
    with serve(rpm=30, rate_window="smooth") as url, _client(url) as http:
        assert http.post("/chat/completions", json=BODY).status_code == 200
        assert http.post("/chat/completions", json=BODY).status_code == 429
        url.reset()
        assert http.post("/chat/completions", json=BODY).status_code == 200


def test_an_unknown_rate_window_is_refused():
    with pytest.raises(ValueError, match="rate_window must be 'sliding' or 'smooth'"):
        with serve(rate_window="fixed"):
            pass
