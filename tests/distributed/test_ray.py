"""``grok_jupyter.ray.GrokMapper`` on a real local Ray cluster (``ray.init(num_cpus=2)``).

The emulator runs in its own process; Ray's workers get a key of their own
from their environment and the URL from the driver client's settings. The
spend comes back in the hidden ``_grok_ledger`` column and ``collect`` merges it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cloudpickle
import pandas as pd
import pytest
import ray  # the dev extra installs ray[data]

from grok_jupyter.client import GrokClient, UsageLedger
from grok_jupyter.ray import LEDGER_COLUMN, GrokMapper
from grok_jupyter.table.cache import FILE_NAME, MapCache
from grok_jupyter.table.errors import MapInputError
from tests.conftest import TEST_API_KEY
from tests.distributed.conftest import LIMIT_RPM, chat_requests, ledger_ticks

DRIVER_KEY = "xai-driver-only-key-00Dq"

SENTIMENT = {  # a JSON schema: travels as plain data to any worker
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": ["positive", "negative", "neutral"]},
        "confidence": {"type": "number"},
    },
    "required": ["label", "confidence"],
}


def reviews(n: int) -> pd.DataFrame:
    words = ["great", "awful", "fine", "lovely", "broken"]
    return pd.DataFrame(
        {"id": range(n), "review": [f"Review {i}: the kettle is {words[i % 5]}." for i in range(n)]}
    )


@pytest.fixture(scope="module")
def ray_cluster(worker_env) -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        yield ray
    finally:
        ray.shutdown()
    assert not ray.is_initialized()


@pytest.fixture
def emu(emulator_process, ray_cluster, monkeypatch):
    emulator_process.reset()
    monkeypatch.setenv("XAI_API_KEY", DRIVER_KEY)  # Ray's workers started with TEST_API_KEY
    return emulator_process


def dataset(n: int, blocks: int) -> Any:
    return ray.data.from_pandas(reviews(n)).repartition(blocks)


def test_every_row_is_labelled_and_the_ledger_equals_the_bill(emu):
    ledger = UsageLedger()
    client = GrokClient(base_url=emu.base_url, ledger=ledger)
    mapper = GrokMapper("Sentiment: {review}", schema=SENTIMENT, client=client, cache=False)
    mapped = dataset(40, 4).map_batches(mapper, batch_format="pandas", batch_size=10)
    out = mapper.collect(mapped).sort_values("id")
    assert out["id"].tolist() == list(range(40))
    assert list(out.columns) == ["id", "review", "label", "confidence", "_cost_usd", "_error"]
    assert LEDGER_COLUMN not in out.columns
    assert out["label"].isin(["positive", "negative", "neutral"]).all()
    assert out["_error"].isna().all() and out["_cost_usd"].gt(0).all()
    billed = emu.billed()
    assert billed["calls"] == 40 == len(ledger.records)
    assert ledger_ticks(ledger) == billed["ticks"]
    auth = {r["headers"]["authorization"] for r in emu.requests()}
    assert auth == {f"Bearer {TEST_API_KEY[:2]}***{TEST_API_KEY[-2:]}"}  # the workers' own key


def test_records_merge_once_however_often_a_frame_is_taken(emu):
    ledger = UsageLedger()
    mapper = GrokMapper("Label: {review}", client=GrokClient(base_url=emu.base_url, ledger=ledger),
                        cache=False)  # fmt: skip
    raw = dataset(8, 2).map_batches(mapper, batch_format="pandas").to_pandas()
    assert raw[LEDGER_COLUMN].notna().sum() >= 1  # the records ride on each batch's first row
    first = mapper.take_ledger(raw)
    mapper.take_ledger(raw)  # the same frame again: nothing new
    assert LEDGER_COLUMN not in first.columns
    assert len(ledger.records) == 8 == emu.billed()["calls"]
    assert ledger_ticks(ledger) == emu.billed()["ticks"]


def test_the_mapper_pickles_without_the_key_unless_one_was_given(emu):
    from_env = GrokMapper("Label: {review}", client=GrokClient(base_url=emu.base_url))
    assert DRIVER_KEY.encode() not in cloudpickle.dumps(from_env)
    explicit = GrokMapper("Label: {review}", client=GrokClient(api_key=DRIVER_KEY,
                                                               base_url=emu.base_url))  # fmt: skip
    assert DRIVER_KEY.encode() in cloudpickle.dumps(explicit)


def test_as_an_actor_class_the_client_is_built_in_the_worker(emu):
    ledger = UsageLedger()
    driver = GrokClient(base_url=emu.base_url, ledger=ledger)
    kwargs = {"template": "Label: {review}", "client": driver, "cache": False}
    mapped = dataset(6, 2).map_batches(
        GrokMapper, fn_constructor_kwargs=kwargs, batch_format="pandas", concurrency=1
    )
    out = GrokMapper(**kwargs).collect(mapped)
    assert sorted(out["id"]) == list(range(6)) and out["answer"].str.len().gt(0).all()
    assert len(ledger.records) == 6 == emu.billed()["calls"]


def test_a_bad_schema_or_client_is_refused_on_the_driver(emu):
    with pytest.raises(MapInputError):
        GrokMapper("Label: {review}", schema=42)
    with pytest.raises(MapInputError, match="client must be"):
        GrokMapper("Label: {review}", client="https://api.x.ai")
    assert emu.billed()["calls"] == 0


# --- one pace for the cluster, and a worker killed mid-run --------------------------------


@pytest.fixture
def limited(limited_emulator_process, ray_cluster, monkeypatch):
    limited_emulator_process.reset()
    monkeypatch.setenv("XAI_API_KEY", DRIVER_KEY)
    return limited_emulator_process


def test_under_a_rate_limit_the_ray_workers_share_one_pace(limited):
    ledger = UsageLedger()
    client = GrokClient(base_url=limited.base_url, ledger=ledger)
    rows = 120
    mapper = GrokMapper("Ray pace: {review}", client=client)  # the defaults
    t0 = time.perf_counter()
    out = mapper.collect(dataset(rows, 4).map_batches(mapper, batch_format="pandas",
                                                      batch_size=30))  # fmt: skip
    wall = time.perf_counter() - t0
    assert out["_error"].isna().all() and len(out) == rows
    sent = chat_requests(limited)
    assert sent - rows <= rows * 0.05  # 429s: under 5%
    assert wall >= rows / (LIMIT_RPM / 60) * 0.85  # the workers kept to the rate together
    assert ledger_ticks(ledger) == limited.billed()["ticks"]


def test_a_killed_ray_worker_costs_only_its_requests_in_flight(limited, worker_env):
    ledger = UsageLedger()
    client = GrokClient(base_url=limited.base_url, ledger=ledger)
    rows = 160
    template = "Ray killed: {review}"
    mapper = GrokMapper(template, client=client)
    cache = MapCache(Path(worker_env["GROK_JUPYTER_CACHE_DIR"]) / FILE_NAME)
    from grok_jupyter.table.plan import cache_key

    keys = [cache_key("grok-4.3", [{"role": "user", "content": template.format(review=r)}], {})
            for r in reviews(rows)["review"]]  # fmt: skip
    killed: list[int] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):  # the file may not exist yet
                if len(cache.get_many(keys)) >= 30:  # this map's answers, committed
                    busy = {m.pid for m in cache.markers(keys)} - {os.getpid()}
                    if busy:
                        pid = sorted(busy)[0]
                        os.kill(pid, signal.SIGKILL)  # a Ray worker process, mid-batch
                        killed.append(pid)
                        return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one)
    killer.start()
    mapped = dataset(rows, 4).map_batches(mapper, batch_format="pandas", batch_size=40)
    out = mapper.collect(mapped)
    killer.join()
    assert killed, "no worker was killed"
    assert len(out) == rows and out["_error"].isna().all()
    billed = limited.billed()
    assert ledger_ticks(ledger) == billed["ticks"]  # the bill, to the tick
    assert len(ledger.records) == billed["calls"]
    lost = sum(r.estimated for r in ledger.records)
    assert billed["calls"] - rows == lost <= 20  # only the requests in flight, twice
