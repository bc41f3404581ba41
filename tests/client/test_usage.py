"""The usage ledger: one record per finished call, with cost, from every path."""

from __future__ import annotations

import threading

import pytest

from grok_jupyter.client import (
    GrokClient,
    StreamInterruptedError,
    Usage,
    UsageLedger,
    UsageRecord,
    get_catalog,
    get_ledger,
)
from grok_jupyter.client._tokens import count_prompt_tokens, count_tokens
from grok_jupyter.client._usage import cost_usd


@pytest.fixture
def ledger_client(emu, api_key):
    ledger = UsageLedger()
    with GrokClient(api_key=api_key, base_url=emu.base_url, ledger=ledger, retry_backoff=0.01) as c:
        yield c, ledger


def test_chat_records_once_with_tokens_and_server_cost(ledger_client):
    c, ledger = ledger_client
    r = c.chat("Say hello", model="grok-4.3", source="magic")
    (rec,) = ledger.records
    assert rec.model == "grok-4.3" and rec.source == "magic"
    assert rec.prompt_tokens == r.usage.prompt_tokens
    assert rec.completion_tokens == r.usage.completion_tokens
    assert rec.reasoning_tokens == r.usage.reasoning > 0
    assert rec.cost_usd == pytest.approx(r.usage.cost_in_usd_ticks / 1e10)
    assert rec.latency_s > 0 and rec.ttft_s is None and rec.request_id == r.id


def test_stream_records_once_with_ttft(ledger_client):
    c, ledger = ledger_client
    s = c.stream("Say hello", source="panel")
    s.final()
    s.close()
    (rec,) = ledger.records
    assert rec.source == "panel" and rec.completion_tokens > 0
    assert rec.ttft_s is not None and 0 < rec.ttft_s <= rec.latency_s


def test_interrupted_stream_records_what_arrived(ledger_client):
    c, ledger = ledger_client
    # after grok-4.3's reasoning_content chunks (16 for this prompt), into the answer
    stream = c.stream("Write 50 words.", headers={"X-Emulator-Fault": "cut;after_chunks=18"})
    with pytest.raises(StreamInterruptedError):
        stream.final()
    (rec,) = ledger.records
    # No usage chunk came, but the tokens were billed: counted locally and marked estimated.
    arrived = stream.accumulator.content
    assert arrived and rec.estimated
    assert rec.completion_tokens == count_tokens(arrived)
    # grok-4.3's reasoning_content arrived first: counted, and billed as output.
    assert rec.reasoning_tokens == count_tokens(stream.accumulator.reasoning_content) > 0
    prompt = [{"role": "user", "content": "Write 50 words."}]
    assert rec.prompt_tokens == count_prompt_tokens(prompt)
    usage = Usage(prompt_tokens=rec.prompt_tokens, completion_tokens=rec.completion_tokens,
                  total_tokens=rec.prompt_tokens + rec.completion_tokens + rec.reasoning_tokens,
                  completion_tokens_details={"reasoning_tokens": rec.reasoning_tokens})
    assert rec.cost_usd == pytest.approx(c.catalog.cost_usd(rec.model, usage))


def test_retries_and_validation_failures_record_nothing_extra(ledger_client, emu):
    c, ledger = ledger_client
    emu.inject("server_error")
    c.chat("hi")
    with pytest.raises(ValueError):
        c.chat("hi", model="grok-4.5", presence_penalty=0.5)  # a [V] rejection
    assert len(ledger.records) == 1


async def test_async_calls_record_into_the_shared_ledger(aclient):
    shared = get_ledger()
    before = len(shared.records)
    await aclient.chat("hi", source="langchain")
    await aclient.stream("hi").final()
    new = shared.records[before:]
    assert [r.source for r in new] == ["langchain", "client"]


def test_images_and_deferred_are_recorded(ledger_client):
    c, ledger = ledger_client
    c.generate_images("a cat", n=2)
    rid = c.submit_deferred("hi")
    c.wait_deferred(rid, poll_interval=0.02, timeout=30)
    img, deferred = ledger.records
    assert img.images_generated == 2 and img.cost_usd is not None and img.cost_usd > 0
    assert deferred.completion_tokens > 0 and deferred.request_id == rid


def test_cost_from_the_catalogue_when_the_server_sends_none():
    usage = Usage(
        prompt_tokens=1_000_000,
        completion_tokens=1_000_000,
        prompt_tokens_details={"cached_tokens": 0, "text_tokens": 1_000_000},
    )
    # A 1M-token prompt is past grok-4.5's 200k threshold: every token at 4.00 / 12.00.
    assert cost_usd("grok-4.5", usage, get_catalog()) == pytest.approx(4.0 + 12.0)
    under = Usage(prompt_tokens=100_000, completion_tokens=100_000)
    assert cost_usd("grok-4.5", under, get_catalog()) == pytest.approx(0.2 + 0.6)
    # grok-3 is retired: the API answers with grok-4.3 and bills its rates (§1.3).
    short = Usage(prompt_tokens=100_000, completion_tokens=100_000)
    assert cost_usd("grok-3", short, get_catalog()) == pytest.approx(0.125 + 0.25)
    assert cost_usd("grok-3-latest", short, get_catalog()) == pytest.approx(0.375)
    assert cost_usd("grok-99", usage, get_catalog()) is None
    ticks = Usage(prompt_tokens=1, cost_in_usd_ticks=25_000_000_000)
    assert cost_usd("grok-3", ticks, get_catalog()) == 2.5


def test_summary_and_total():
    ledger = UsageLedger()
    ledger.record(UsageRecord(model="a", prompt_tokens=10, completion_tokens=5, cost_usd=0.5))
    ledger.record(model="a", prompt_tokens=1, reasoning_tokens=2, cost_usd=0.25)
    ledger.record(model="b", prompt_tokens=7, cost_usd=None)
    s = ledger.summary()
    assert list(s) == ["a", "b"]
    assert (s["a"].calls, s["a"].prompt_tokens, s["a"].cost_usd) == (2, 11, 0.75)
    assert s["a"].total_tokens == 18
    total = ledger.total()
    assert total.calls == 3 and total.cost_usd == 0.75 and total.cost_known is False
    assert "3 call(s)" in repr(ledger)
    ledger.clear()
    assert ledger.records == [] and ledger.total().calls == 0


def test_ledger_is_thread_safe():
    ledger = UsageLedger()

    def work():
        for _ in range(500):
            ledger.record(model="m", prompt_tokens=1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ledger.total().prompt_tokens == 4000
