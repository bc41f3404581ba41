"""mode="batch": the same map through the Batch API, at the batch price, resumable."""

from __future__ import annotations

import asyncio
import time

import pytest

from grok_jupyter import amap_rows, map_rows
from grok_jupyter.client import GrokClient, NotFoundError, UsageLedger
from grok_jupyter.emulator import serve
from grok_jupyter.table import batch as batch_module
from grok_jupyter.table.batch import describe_batches
from grok_jupyter.table.cache import MapCache
from tests.conftest import TEST_API_KEY

from .conftest import TEMPLATE, Sentiment


@pytest.fixture(scope="module")
def bemu():
    with serve(batch_delay=0.2) as handle:
        yield handle


@pytest.fixture(scope="module")
def slow_emu():
    # Answers a batch 1.5 s after its requests: time to stop the wait before it is done.
    with serve(batch_delay=1.5) as handle:
        yield handle


@pytest.fixture
def slow_client(slow_emu):
    slow_emu.reset()
    with GrokClient(api_key=TEST_API_KEY, base_url=slow_emu.base_url, ledger=UsageLedger()) as c:
        yield c


@pytest.fixture
def bclient(bemu, monkeypatch):
    bemu.reset()
    with GrokClient(
        api_key=TEST_API_KEY, base_url=bemu.base_url, retry_backoff=0.01, ledger=UsageLedger()
    ) as c:
        yield c


def _creates(emu):
    return [r for r in emu.requests if r.method == "POST" and r.path == "/v1/batches"]


def _submit_then_cancel(emu, client, df):
    """A batch map stopped (as Ctrl-C or a closed kernel would) once all its requests are
    added and it waits for the answers; returns the partial frame it gives back."""

    async def start_then_cancel():
        task = asyncio.ensure_future(
            amap_rows(df, TEMPLATE, client=client, mode="batch", poll_interval=0.05, progress=False)
        )
        while not any(e.state == "submitted" for e in MapCache().batches()):
            await asyncio.sleep(0.02)
        task.cancel()
        return await task

    return asyncio.run(start_then_cancel())


def test_batch_map_matches_rows_by_key_at_the_batch_price(bemu, bclient, df):
    out = map_rows(
        df,
        TEMPLATE,
        schema=Sentiment,
        client=bclient,
        mode="batch",
        poll_interval=0.05,
        progress=False,
    )
    report = out.attrs["grok_map"]
    assert report.mode == "batch" and report.batch_id.startswith("batch_")
    assert report.done == 5 and bemu.chat_requests == []
    assert len(_creates(bemu)) == 1
    live = map_rows(df, TEMPLATE, schema=Sentiment, client=bclient, cache=False, progress=False)
    # same answers, row by row; each at 80% of the live price
    assert list(out["label"]) == list(live["label"])
    for b, v in zip(out["_cost_usd"], live["_cost_usd"], strict=True):
        assert b == pytest.approx(v * 0.8, rel=0.02)
    batch_records = [r for r in bclient.ledger.records if r.batch]
    assert len(batch_records) == 5
    assert sum(r.cost_usd for r in batch_records) == pytest.approx(out["_cost_usd"].sum())
    # the results landed in the cache: a live re-run sends nothing
    bemu.reset()
    again = map_rows(df, TEMPLATE, schema=Sentiment, client=bclient, progress=False)
    assert bemu.chat_requests == [] and again.attrs["grok_map"].cached == 5


def test_estimate_shows_the_discount(bemu, bclient, df, capsys):
    map_rows(df, TEMPLATE, client=bclient, mode="batch", poll_interval=0.05)
    err = capsys.readouterr().err
    assert "batch -20%" in err and "5/5 rows done" in err


def test_an_interrupted_batch_is_resumed_by_id_after_a_restart(slow_emu, slow_client, df):
    bemu, bclient = slow_emu, slow_client

    partial = _submit_then_cancel(bemu, bclient, df)
    report = partial.attrs["grok_map"]
    assert report.interrupted and report.batch_id
    assert list(partial["_error"]) == ["not done: interrupted"] * 5
    remembered = MapCache().batch(report.batch_id)
    assert remembered is not None and remembered.state == "submitted"
    assert remembered.template == TEMPLATE and len(remembered.keys) == 5
    # "after a restart": a new client, only the batch id known
    with GrokClient(api_key=TEST_API_KEY, base_url=bemu.base_url) as fresh:
        out = map_rows(
            df,
            TEMPLATE,
            client=fresh,
            resume=report.batch_id,
            poll_interval=0.05,
            progress=False,
        )
    assert out.attrs["grok_map"].done == 5 and "_error" not in out.columns
    assert len(_creates(bemu)) == 1  # picked up, not submitted again
    assert MapCache().batch(report.batch_id).state == "done"


def test_the_same_batch_call_picks_up_its_remembered_batch(slow_emu, slow_client, df):
    bemu, bclient = slow_emu, slow_client

    _submit_then_cancel(bemu, bclient, df)
    out = map_rows(df, TEMPLATE, client=bclient, mode="batch", poll_interval=0.05, progress=False)
    assert out.attrs["grok_map"].done == 5
    assert len(_creates(bemu)) == 1  # nothing billed twice


def test_an_unknown_batch_id_is_not_found(bemu, bclient, df):
    with pytest.raises(NotFoundError):
        map_rows(
            df,
            TEMPLATE,
            client=bclient,
            resume="batch_does_not_exist",
            poll_interval=0.05,
            progress=False,
        )


def _stop_while_adding(emu, client, df):
    """Start a batch map whose requests go in chunks of 2 (5 rows: 3 adds), each add slow,
    and stop it (task.cancel, as Ctrl-C) once the second chunk is on its way."""
    emu.inject("slow_first_byte", times=3, delay=0.3)  # create, first and second add

    async def start_then_cancel():
        task = asyncio.ensure_future(
            amap_rows(df, TEMPLATE, client=client, mode="batch", poll_interval=0.05, progress=False)
        )
        while sum(r.path.endswith("/requests") for r in emu.requests) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        return await task

    partial = asyncio.run(start_then_cancel())
    time.sleep(0.6)  # the add that was on its way lands (or not) on the server
    return partial


def test_a_batch_stopped_while_adding_is_finished_by_the_same_call(
    slow_emu, slow_client, df, monkeypatch
):
    monkeypatch.setattr(batch_module, "ADD_CHUNK", 2)
    partial = _stop_while_adding(slow_emu, slow_client, df)
    assert partial.attrs["grok_map"].interrupted
    [entry] = MapCache().batches()
    # remembered, but not as submitted: only the first chunk is known to be in
    assert entry.state == "adding" and entry.added == 2 and len(entry.keys) == 5
    [shown] = describe_batches(MapCache(), slow_client)  # %grok batches
    assert shown["status"].startswith("stopped while adding requests (2/5 added")
    out = map_rows(df, TEMPLATE, client=slow_client, mode="batch", poll_interval=0.05,
                   progress=False)  # fmt: skip
    assert out.attrs["grok_map"].done == 5 and "_error" not in out.columns
    assert len(_creates(slow_emu)) == 1  # the same batch, completed
    assert slow_client.batches.get(entry.batch_id).state.num_requests == 5
    assert MapCache().batch(entry.batch_id).state == "done"


def test_a_batch_whose_adding_cannot_be_accounted_for_is_replaced(
    slow_emu, slow_client, df, monkeypatch
):
    monkeypatch.setattr(batch_module, "ADD_CHUNK", 2)
    _stop_while_adding(slow_emu, slow_client, df)
    [entry] = MapCache().batches()
    # a request from elsewhere: the server's count matches no chunk of ours any more
    stray = slow_client.batches.chat_request("stray", [{"role": "user", "content": "hi"}],
                                              model="grok-4.3")  # fmt: skip
    slow_client.batches.add_requests(entry.batch_id, [stray])
    out = map_rows(df, TEMPLATE, client=slow_client, mode="batch", poll_interval=0.05,
                   progress=False)  # fmt: skip
    assert out.attrs["grok_map"].done == 5
    assert len(_creates(slow_emu)) == 2  # a new batch for the rows
    assert slow_client.batches.get(entry.batch_id).status == "cancelled"
    assert MapCache().batch(entry.batch_id).state == "cancelled"
    assert out.attrs["grok_map"].batch_id != entry.batch_id


KILLED_BATCH = """
import sys
import pandas as pd
from grok_jupyter import map_rows
from grok_jupyter.table import batch
batch.ADD_CHUNK = 2
df = pd.DataFrame({"review": sys.argv[1].split("|")})
map_rows(df, "Sentiment of this review: {review}", mode="batch", poll_interval=0.05,
         progress=False)
"""


def test_a_batch_map_killed_while_adding_is_finished_by_the_same_call(
    slow_emu, slow_client, df, cache_dir
):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import TEST_API_KEY

    env = dict(os.environ, XAI_API_KEY=TEST_API_KEY, XAI_BASE_URL=str(slow_emu),
               PYTHONPATH=str(Path(__file__).resolve().parents[2]),
               GROK_JUPYTER_CACHE_DIR=str(cache_dir))  # fmt: skip
    slow_emu.inject("slow_first_byte", times=3, delay=0.3)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_BATCH, "|".join(df["review"])],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while sum(r.path.endswith("/requests") for r in slow_emu.requests) < 2:
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)  # kill -9 while the second chunk is being added
    finally:
        child.wait(30)
    time.sleep(0.6)
    [entry] = MapCache().batches()
    assert entry.state == "adding"
    out = map_rows(df, TEMPLATE, client=slow_client, mode="batch", poll_interval=0.05,
                   progress=False)  # fmt: skip
    assert out.attrs["grok_map"].done == 5 and len(_creates(slow_emu)) == 1
    assert slow_client.batches.get(entry.batch_id).state.num_requests == 5
