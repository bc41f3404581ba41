"""Pacing: a map starts requests at the account's rate, whatever the answer time.

Every map test here runs against the emulator over HTTP: its rate limit
(``rpm``, a smooth token bucket) and its answer time (``speed``) are real; the
map learns the limit from the rate headers and 429s it gets back.
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from grok_jupyter import map_rows
from grok_jupyter.client import GrokClient, UsageLedger
from grok_jupyter.client._http import httpx
from grok_jupyter.emulator import serve
from grok_jupyter.pacing import PaceBook, RequestPacer, local_source, parse_duration
from grok_jupyter.pacing.book import MIN_RATE, SAFETY
from grok_jupyter.table.clients import account_name
from grok_jupyter.table.errors import MapRowError
from grok_jupyter.table.rate import response_observer
from tests.conftest import TEST_API_KEY

RPM = 1200  # 20 requests a second: a bucket of 20 refilled at 20 a second


@pytest.fixture(scope="module")
def limited():
    """A limited account whose answers take a second, as a real model's might."""
    with serve(rpm=RPM, rate_window="smooth", speed={"answer_s": 1.0}, quiet=True) as handle:
        yield handle


def _client(url):
    return GrokClient(api_key=TEST_API_KEY, base_url=url, retry_backoff=0.01, ledger=UsageLedger())


def _rows(n, tag=""):
    return [{"n": f"{tag}{i}"} for i in range(n)]


def test_a_map_runs_at_the_rate_limit_whatever_the_answer_time(limited):
    # 120 rows at 20 a second: 6 s of starts, each answer a second later. Capping the
    # requests in flight instead (the old limiter) took 2.8x this at 1.5 s answers.
    limited.reset()
    t0 = time.perf_counter()
    out = map_rows(_rows(120), "Count {n}", client=_client(limited), cache=False,
                   progress=False, on_error="keep")  # fmt: skip
    wall = time.perf_counter() - t0
    report = out.report
    assert report.done == 120 and report.failed == 0
    floor = 120 / (RPM / 60)
    assert wall < (floor + 1.0) * 1.3  # the last answer comes a second after its start
    assert report.rate_limited <= 6  # under 5%
    assert len(limited.chat_requests) == 120 + report.rate_limited  # each 429 sent once more
    # in flight grew to about rate x answer time (20 x 1 s), not a fixed window
    assert report.max_in_flight >= 15


def test_concurrency_caps_the_requests_in_flight(limited):
    limited.reset()
    t0 = time.perf_counter()
    out = map_rows(_rows(20, "c"), "Count {n}", client=_client(limited), cache=False,
                   concurrency=4, progress=False)  # fmt: skip
    assert out.report.done == 20 and out.report.max_in_flight <= 4
    assert time.perf_counter() - t0 >= 20 / 4 * 1.0 * 0.9  # 4 at a time, a second each


def test_two_maps_at_once_share_the_accounts_limit(limited):
    # Two maps in two threads of one process: one book for the account, so together
    # they keep to 20 a second instead of each taking all of it.
    limited.reset()
    outs: dict[str, object] = {}

    def run(tag):
        outs[tag] = map_rows(_rows(60, tag), "Count {n}", client=_client(limited), cache=False,
                             progress=False, on_error="keep")  # fmt: skip

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(tag,)) for tag in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    wall = time.perf_counter() - t0
    reports = [outs[tag].report for tag in ("a", "b")]
    assert [r.done for r in reports] == [60, 60]
    assert sum(r.rate_limited for r in reports) <= 6
    assert wall >= 120 / (RPM / 60) * 0.9  # the pair kept to the limit's floor


def test_the_rate_headers_set_the_accounts_pace(limited):
    limited.reset()
    client = _client(limited)
    map_rows(_rows(3, "h"), "Count {n}", client=client, cache=False, progress=False)
    book = local_source(account_name(client.settings)).book
    assert book.ceiling == pytest.approx(RPM / 60 * SAFETY)
    assert not book.probing


def test_429s_are_sent_again_through_the_pace_and_no_row_fails(emu, gclient):
    emu.inject("rate_limit", times=4, retry_after=0.2)
    out = map_rows(_rows(30), "Count {n}", client=gclient, on_error="keep", progress=False)
    assert [r["_error"] for r in out] == [None] * 30
    report = out.report
    assert report.rate_limited == 4
    assert report.done == 30 and report.requests == 30
    assert len(emu.chat_requests) == 34  # each 429 sent once more, nothing else twice


def test_a_transport_error_is_kept_on_its_row_and_a_sent_row_is_not_resent(emu, gclient):
    # The connection drops after the request was sent: the server may have done (and
    # billed) the work, so the map does not send it again (issue 21); the row keeps its
    # AnswerLostError (an APIConnectionError) and the map goes on.
    emu.inject("disconnect", times=2)
    out = map_rows(["x", "y"], "Echo {text}", client=gclient, on_error="keep", progress=False)
    assert [r["_error"].split(":")[0] for r in out] == ["AnswerLostError"] * 2
    assert len(emu.chat_requests) == 2  # each row sent once
    emu.reset()
    emu.inject("disconnect")
    with pytest.raises(MapRowError) as err:
        map_rows(["z"], "Echo {text}", client=gclient, progress=False)
    assert type(err.value.__cause__).__name__ == "AnswerLostError"


def test_server_errors_are_retried_with_the_clients_backoff(emu, gclient):
    emu.inject("server_error", times=2)
    out = map_rows(_rows(3, "s"), "Count {n}", client=gclient, on_error="keep", progress=False)
    assert [r["_error"] for r in out] == [None] * 3
    assert len(emu.chat_requests) == 5


# --- the book itself: what a response teaches it ----------------------------------


def test_without_headers_a_429_halves_the_rate_and_pauses_jittered():
    book = PaceBook(rate=40.0, probing=False)
    book.fold({"kind": "429", "at": 100.0, "retry_after": 2.0}, 100.0)
    assert book.rate == 20.0
    assert 102.0 <= book.paused_until <= 102.0 * 1.0 + 0.4 + 0.02  # Retry-After, +0-20%
    slots = book.reserve(3, 100.0)
    assert slots[0] >= 102.0  # nothing starts in the pause
    assert slots[1] - slots[0] == pytest.approx(1 / 20.0)  # then one every 1/rate
    # a burst of 429s is one event: the second does not halve it again
    book.fold({"kind": "429", "at": 100.1, "retry_after": 2.0}, 100.1)
    assert book.rate == 20.0
    # it grows back additively while it is used (an idle book learns nothing)
    for step in range(1, 21):
        book.reserve(1, 100.1 + step * 0.5)
    assert 20.0 < book.rate < 40.0


def test_probing_doubles_until_a_limit_shows():
    book = PaceBook()
    book.reserve(1, 0.0)
    book.reserve(1, 0.9)  # two doublings' worth of time, not idle
    first = book.rate
    book.reserve(1, 1.6)
    assert book.rate > first
    book.fold({"kind": "limits", "at": 1.6, "limit_requests": 600, "remaining_requests": 9}, 1.6)
    assert not book.probing and book.rate == pytest.approx(600 / 60 * SAFETY)


def test_before_any_limit_is_known_the_pace_reaches_100_a_second_within_a_second():
    # With 5 s answers the first headers come back after 5 s: a probe doubling every half
    # second was still at 64 a second after a second, and a 6,000-rpm map lost ~1.7 s of
    # its start. Its first 429 (at once, with the headers) says where to stop.
    book = PaceBook()
    book.reserve(1, 0.0)
    book.reserve(1, 0.5)
    book.reserve(1, 1.0)
    assert book.probing and book.rate >= 100


def test_a_remaining_count_of_zero_pauses_until_the_reset():
    book = PaceBook()
    obs = {"kind": "limits", "at": 5.0, "limit_requests": 60, "remaining_requests": 0,
           "reset_requests": 3.0}  # fmt: skip
    book.fold(obs, 5.0)
    assert book.reserve(1, 5.0)[0] >= 8.0


def test_the_servers_spare_requests_are_started_once_not_again_at_every_reading():
    # 1,200 a minute over a sliding minute, and a fresh minute: 1,200 may start at once.
    # Readings made before those starts reached the server still say 1,200 left; a busy
    # client takes a while from start time to wire, and granting the spare ones again at
    # every such reading sent more than the minute holds (429s).
    book = PaceBook()
    limits = {"kind": "limits", "limit_requests": 1200, "remaining_requests": 1200}
    at_once = 0
    for now in (10.0, 10.1, 10.2, 10.3):
        book.fold({**limits, "at": now}, now)
        at_once += sum(1 for t in book.reserve(1000, now) if t == now)
    assert 1000 <= at_once <= 1200


def test_a_bucket_of_about_a_second_is_paced_not_burst():
    # 6,000 a minute from a token bucket holding a second's worth (100): starting its
    # spare requests at once gains under a second and, with readings that lag, tips it
    # over. The pace alone uses it.
    book = PaceBook()
    book.fold({"kind": "limits", "at": 10.0, "limit_requests": 6000, "remaining_requests": 100},
              10.0)  # fmt: skip
    slots = book.reserve(50, 10.0)
    assert sum(1 for t in slots if t <= 10.0) <= 10  # at most BURST_S of catch-up
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps[10:]) == pytest.approx(1 / book.rate)


def test_a_halt_stops_one_jobs_senders_only():
    book = PaceBook()
    book.fold({"kind": "halt", "run": "job-1", "reason": "AuthenticationError"}, 0.0)
    assert book.reserve(2, 0.0, "job-1") == []
    assert len(book.reserve(2, 0.0, "job-2")) == 2
    assert PaceBook(rate=0.0001).current_rate(0.0) >= MIN_RATE


def test_the_pacer_pauses_as_long_as_the_client_will_wait_when_there_are_no_headers():
    # retry-after-ms (and an HTTP date) are read as the client's retry loop reads them
    pacer = RequestPacer(local_source("test-retry-after-ms"), 8)
    observe = response_observer(pacer)
    before = time.time()
    observe(429, httpx.Headers({"retry-after-ms": "2500", "retry-after": "1"}))
    assert pacer.rate_limited == 1
    assert 2.4 < pacer._paused_until - before < 2.6


def test_durations():
    assert parse_duration("1.5s") == 1.5
    assert parse_duration("250ms") == 0.25
    assert parse_duration("1m30s") == 90
    assert parse_duration("7") == 7
    assert parse_duration(None) is None and parse_duration("soon") is None
