"""``map_rows`` over a Dask DataFrame on a real 2-process ``LocalCluster`` (issue 14).

The emulator runs in its own process; the workers get a key of their own from
their environment and the URL from the driver client's settings. The driver's
ledger, merged from every partition, must equal what the emulator billed.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import dask.dataframe as dd  # the dev extra installs dask[dataframe,distributed]
import distributed
import pandas as pd
import pytest
from pydantic import BaseModel, field_validator

from grok_jupyter.client import GrokClient, UsageLedger, get_ledger, set_async_client
from grok_jupyter.table.cache import FILE_NAME, MapCache
from grok_jupyter.table.errors import MapAuthError, MapBudgetError, MapInputError, MapRowError
from grok_jupyter.table.map import map_rows
from tests.conftest import TEST_API_KEY
from tests.distributed.conftest import LIMIT_RPM, chat_requests, ledger_ticks

DRIVER_KEY = "xai-driver-only-key-00Dq"  # the driver's own key; must never reach a worker


class Sentiment(BaseModel):
    label: Literal["positive", "negative", "neutral"]
    confidence: float


def reviews(n: int) -> pd.DataFrame:
    words = ["great", "awful", "fine", "lovely", "broken"]
    return pd.DataFrame(
        {"review": [f"Review {i}: the kettle is {words[i % 5]}." for i in range(n)]},
        index=pd.RangeIndex(100, 100 + n, name="review_id"),
    )


@pytest.fixture(scope="module")
def cluster(worker_env) -> Iterator[Any]:
    # Two worker processes, one thread each: start-up is under a second.
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


@pytest.fixture
def emu(emulator_process, cluster, monkeypatch):
    """The emulator process, reset; the driver's own environment differs from the workers'."""
    emulator_process.reset()
    monkeypatch.setenv("XAI_API_KEY", DRIVER_KEY)  # workers started with TEST_API_KEY
    return emulator_process


def test_every_row_is_labelled_and_the_ledger_equals_the_bill(emu):
    ledger = UsageLedger()
    client = GrokClient(base_url=emu.base_url, ledger=ledger)
    ddf = dd.from_pandas(reviews(60), npartitions=3)
    out = map_rows(ddf, "Sentiment of this review: {review}", schema=Sentiment, client=client,
                   cache=False, progress=False)  # fmt: skip
    assert isinstance(out, pd.DataFrame)  # computed on the driver
    assert list(out.index) == list(range(100, 160)) and out.index.name == "review_id"
    assert list(out.columns) == ["review", "label", "confidence", "_cost_usd"]
    assert out["label"].isin(["positive", "negative", "neutral"]).all()
    assert out["_cost_usd"].gt(0).all()
    report = out.attrs["grok_map"]
    assert (report.rows, report.done, report.failed, report.not_done) == (60, 60, 0, 0)
    billed = emu.billed()
    assert billed["calls"] == 60 == len(ledger.records)
    assert ledger_ticks(ledger) == billed["ticks"]
    assert report.cost_usd == pytest.approx(billed["ticks"] / 1e10)
    assert {r.source for r in ledger.records} == {"map"}
    # Each worker used its own key: the driver's never left the driver.
    auth = {r["headers"]["authorization"] for r in emu.requests()}
    assert auth == {f"Bearer {TEST_API_KEY[:2]}***{TEST_API_KEY[-2:]}"}


def test_grok_usage_shows_the_clusters_spend(emu, monkeypatch):
    from grok_jupyter.magic import reports

    # No client given: the shared one, whose URL (the driver's environment) travels.
    monkeypatch.setenv("XAI_BASE_URL", emu.base_url)
    set_async_client(None)
    get_ledger().clear()
    try:
        out = map_rows(dd.from_pandas(reviews(20), npartitions=2), "Label: {review}",
                       cache=False, progress=False)  # fmt: skip
        assert out["answer"].str.len().gt(0).all()
        _md, plain = reports.usage_table(get_ledger())
        assert get_ledger().total().calls == 20 == emu.billed()["calls"]
        assert ledger_ticks(get_ledger()) == emu.billed()["ticks"]
        assert "map 20" in plain  # `%grok usage`'s "calls by" column
    finally:
        set_async_client(None)
        get_ledger().clear()


def test_a_rerun_is_answered_from_the_workers_cache_and_bills_nothing(emu):
    ledger = UsageLedger()
    client = GrokClient(base_url=emu.base_url, ledger=ledger)
    ddf = dd.from_pandas(reviews(24), npartitions=2)
    first = map_rows(ddf, "Cache me: {review}", client=client, progress=False)
    calls = emu.billed()["calls"]
    assert calls == 24 and len(ledger.records) == 24
    again = map_rows(ddf, "Cache me: {review}", client=client, progress=False)
    assert again.attrs["grok_map"].cached == 24 and again["_cost_usd"].eq(0).all()
    assert again["answer"].tolist() == first["answer"].tolist()
    assert emu.billed()["calls"] == calls and len(ledger.records) == 24


def test_the_graph_sent_to_the_cluster_holds_no_key_unless_one_was_given(emu, monkeypatch):
    from distributed.protocol import pickle as dpickle

    sent: list[bytes] = []
    real = dpickle.dumps

    def recording(*args: Any, **kwargs: Any) -> Any:
        data = real(*args, **kwargs)
        sent.append(bytes(data))
        return data

    monkeypatch.setattr(dpickle, "dumps", recording)
    ddf = dd.from_pandas(reviews(6), npartitions=2)
    env_client = GrokClient(base_url=emu.base_url, ledger=UsageLedger())  # key from the env
    map_rows(ddf, "Graph check: {review}", client=env_client, cache=False, progress=False)
    assert any(b"Graph check" in s for s in sent)  # the template did travel in the graph
    assert not any(DRIVER_KEY.encode() in s for s in sent)
    sent.clear()
    explicit = GrokClient(api_key=DRIVER_KEY, base_url=emu.base_url, ledger=UsageLedger())
    map_rows(ddf, "Graph check 2: {review}", client=explicit, cache=False, progress=False)
    assert any(DRIVER_KEY.encode() in s for s in sent)  # passed explicitly: it travels


def test_a_budget_the_estimate_exceeds_is_refused_before_anything_is_sent(emu):
    client = GrokClient(base_url=emu.base_url, ledger=UsageLedger())
    ddf = dd.from_pandas(reviews(40), npartitions=2)
    with pytest.raises(MapBudgetError) as info:
        map_rows(ddf, "Budget: {review}", client=client, budget_usd=0.0001, cache=False,
                 progress=False)  # fmt: skip
    assert info.value.estimate_usd > 0.0001
    assert emu.billed()["calls"] == 0
    # Within the budget, it runs and stays within it.
    out = map_rows(ddf, "Budget: {review}", client=client, budget_usd=1.0, cache=False,
                   progress=False)  # fmt: skip
    assert out.attrs["grok_map"].done == 40 and out["_cost_usd"].sum() <= 1.0


def test_a_template_field_that_is_not_a_column_is_refused_at_once(emu):
    ddf = dd.from_pandas(reviews(4), npartitions=2)
    with pytest.raises(MapInputError, match=r"'stars'.*columns: review"):
        map_rows(ddf, "{stars} stars: {review}", client=GrokClient(base_url=emu.base_url))
    assert emu.billed()["calls"] == 0 and emu.requests() == []


def test_retried_server_errors_on_the_workers_are_not_billed_or_counted_twice(emu):
    import httpx

    admin = emu.base_url.removesuffix("/v1") + "/_emulator/faults"
    httpx.post(admin, json={"fault": "server_error", "times": 6}, timeout=10).raise_for_status()
    ledger = UsageLedger()
    client = GrokClient(base_url=emu.base_url, ledger=ledger, retry_backoff=0.01, max_retries=3)
    out = map_rows(dd.from_pandas(reviews(20), npartitions=2), "Retry: {review}", client=client,
                   cache=False, progress=False)  # fmt: skip
    assert out["answer"].notna().all()
    faulted = [r for r in emu.requests() if r["fault"] == "server_error"]
    assert len(faulted) == 6  # the workers met them and retried
    assert emu.billed()["calls"] == 20 == len(ledger.records)
    assert ledger_ticks(ledger) == emu.billed()["ticks"]


# --- one pace for the cluster; errors and deaths -----------------------------------------


class Picky(BaseModel):
    """An answer schema whose check refuses one value: a row that fails on the driver's
    own validation, deterministically (the emulator echoes the number in the prompt)."""

    number: int

    @field_validator("number")
    @classmethod
    def not_125(cls, value: int) -> int:
        if value == 125:
            raise ValueError("125 is refused")
        return value


@pytest.fixture
def limited(limited_emulator_process, cluster):
    limited_emulator_process.reset()
    return limited_emulator_process


def test_under_a_rate_limit_the_workers_share_one_pace(limited, worker_env):
    # Each worker pacing on its own would start 2 x 20 requests a second against a limit
    # of 20 (the old limiter: MapRowError in 5 of 5 runs). One book: every row, few 429s.
    ledger = UsageLedger()
    client = GrokClient(base_url=limited.base_url, ledger=ledger)
    rows = 120
    ddf = dd.from_pandas(reviews(rows), npartitions=4)
    t0 = time.perf_counter()
    out = map_rows(ddf, "Shared pace: {review}", client=client, progress=False)  # defaults
    wall = time.perf_counter() - t0
    report = out.attrs["grok_map"]
    assert (report.done, report.failed) == (rows, 0)
    sent = chat_requests(limited)
    assert sent - rows == report.rate_limited <= rows * 0.05
    assert wall >= rows / (LIMIT_RPM / 60) * 0.85  # they kept to the account's rate together
    assert ledger_ticks(ledger) == limited.billed()["ticks"]


def test_a_row_error_counts_the_rows_done_in_every_partition(emu):
    client = GrokClient(base_url=emu.base_url, ledger=UsageLedger())
    ddf = dd.from_pandas(pd.DataFrame({"n": list(range(100, 130))}), npartitions=3)
    with pytest.raises(MapRowError) as err:
        map_rows(ddf, "Return the number {n} as JSON.", schema=Picky, client=client,
                 cache=False, progress=False)  # fmt: skip
    result = err.value.result
    done = int(result["number"].notna().sum())
    assert done >= 20  # the two other partitions finished theirs
    assert f"The {done:,} rows done are in .result" in str(err.value)
    assert err.value.row == 125 - 100 and "125 is refused" in str(err.value)


def test_a_refused_key_stops_every_partition(emu):
    refused = GrokClient(api_key="bad-key-0000", base_url=emu.base_url, ledger=UsageLedger())
    ddf = dd.from_pandas(reviews(200), npartitions=4)
    with pytest.raises(MapAuthError, match="XAI_API_KEY"):
        map_rows(ddf, "Refused: {review}", client=refused, cache=False, progress=False)
    # 200 rows, 4 partitions: only what started before the first refusal came back
    assert chat_requests(emu) <= 12


def test_a_killed_worker_costs_only_its_requests_in_flight(limited, worker_env):
    # One worker is killed (kill -9) mid-run. Its partition runs again on a worker;
    # its answers already committed come back from the cache with their ledger records,
    # its requests then in flight are booked from the same requests sent again.
    ledger = UsageLedger()
    client = GrokClient(base_url=limited.base_url, ledger=ledger)
    rows = 160
    ddf = dd.from_pandas(reviews(rows), npartitions=4)
    cache = MapCache(Path(worker_env["GROK_JUPYTER_CACHE_DIR"]) / FILE_NAME)
    dask_client = distributed.default_client()
    workers = set(dask_client.run(os.getpid).values())
    killed: list[int] = []
    keys = _keys(rows)

    def kill_one() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):  # the file may not exist yet
                if len(cache.get_many(keys)) >= 30:  # this map's answers, committed
                    busy = {m.pid for m in cache.markers(keys)} & workers
                    if busy:
                        pid = sorted(busy)[0]
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one)
    killer.start()
    out = map_rows(ddf, KILL_TEMPLATE, client=client, progress=False)
    killer.join()
    assert killed, "no worker was killed"
    report = out.attrs["grok_map"]
    assert (report.done, report.failed) == (rows, 0)
    billed = limited.billed()
    # The ledger equals the bill to the tick, lost requests included...
    assert ledger_ticks(ledger) == billed["ticks"]
    assert len(ledger.records) == billed["calls"]
    # ...and only the requests in flight at the kill were paid twice.
    assert billed["calls"] - rows == report.lost_in_flight <= 20
    assert report.recovered > 0  # the killed attempt's answers, not bought again


KILL_TEMPLATE = "Killed worker: {review}"


def _keys(rows: int) -> list[str]:
    from grok_jupyter.table.plan import cache_key

    return [
        cache_key("grok-4.3", [{"role": "user", "content": KILL_TEMPLATE.format(review=r)}], {})
        for r in reviews(rows)["review"]
    ]


def test_ctrl_c_on_the_driver_stops_the_workers_and_books_what_they_paid(limited, worker_env):
    # A running Dask task cannot be cancelled: the partitions went on sending every row
    # on the workers, and what they paid never reached the driver's ledger. Now Ctrl-C
    # halts the job through its shared pace; each partition stops at its next ask and
    # comes back with its rows and records.
    ledger = UsageLedger()
    client = GrokClient(base_url=limited.base_url, ledger=ledger)
    rows = 400  # 20 s at the limit of 20 a second

    def interrupt() -> None:
        while chat_requests(limited) < 40:
            time.sleep(0.05)
        _thread.interrupt_main()  # Ctrl-C, as the kernel delivers it

    watcher = threading.Thread(target=interrupt, daemon=True)
    watcher.start()
    out = map_rows(dd.from_pandas(reviews(rows), npartitions=4), "Stopped: {review}",
                   client=client, cache=False, progress=False)  # fmt: skip
    watcher.join(5)
    report = out.attrs["grok_map"]
    assert report.interrupted and 40 <= report.done < rows / 2
    assert out["_error"].eq("not done: interrupted").sum() == rows - report.done
    billed = limited.billed()
    assert billed["calls"] == report.done  # the workers stopped sending...
    assert ledger_ticks(ledger) == billed["ticks"]  # ...and all they paid is in the ledger
