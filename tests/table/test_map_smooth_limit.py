"""map_rows under a smooth request limit (a token bucket): paced by the headers, no row lost."""

from __future__ import annotations

from grok_jupyter import map_rows
from grok_jupyter.client import GrokClient
from grok_jupyter.emulator import serve
from tests.conftest import TEST_API_KEY


def test_a_table_larger_than_the_bucket_finishes_with_few_429s():
    # 1,200 a minute = a bucket of 20 refilled at 20 a second; 80 rows are 4 bucketfuls,
    # so most rows wait for the refill: the limiter must follow the remaining header.
    with serve(rpm=1200, rate_window="smooth") as url:
        client = GrokClient(api_key=TEST_API_KEY, base_url=url)
        out = map_rows(
            [{"n": i} for i in range(80)],
            "Count {n}",
            client=client,
            cache=False,
            progress=False,
            on_error="keep",
        )
        report = out.report
        assert [r["_error"] for r in out] == [None] * 80
        assert report.done == 80 and report.failed == 0
        assert report.rate_limited <= 4  # under 5% of 80, as the benchmark's target
        # each 429 was retried once, nothing else was sent twice
        assert len(url.chat_requests) == 80 + report.rate_limited
