"""The map's SQLite cache: re-runs cost nothing, keys follow what decides the answer."""

from __future__ import annotations

import sqlite3

from grok_jupyter import map_rows
from grok_jupyter.table.cache import FILE_NAME, MapCache
from tests.conftest import TEST_API_KEY

from .conftest import TEMPLATE, Sentiment


def test_a_rerun_sends_nothing_and_costs_nothing(emu, gclient, ledger, df, cache_dir):
    first = map_rows(df, TEMPLATE, schema=Sentiment, client=gclient, progress=False)
    assert len(emu.chat_requests) == 5
    emu.reset()
    again = map_rows(df, TEMPLATE, schema=Sentiment, client=gclient, progress=False)
    assert emu.chat_requests == []
    assert (again["_cost_usd"] == 0).all()
    assert list(again["label"]) == list(first["label"])
    assert list(again["score"]) == list(first["score"])
    report = again.attrs["grok_map"]
    assert report.cached == 5 and report.requests == 0 and report.cost_usd == 0
    assert len(ledger) == 5  # nothing new was billed
    assert (cache_dir / FILE_NAME).exists()  # $GROK_JUPYTER_CACHE_DIR is honoured


def test_the_key_covers_model_parameters_and_row_content(emu, gclient, df):
    map_rows(df, TEMPLATE, client=gclient, progress=False)
    emu.reset()
    map_rows(df, TEMPLATE, client=gclient, temperature=0.5, progress=False)
    assert len(emu.chat_requests) == 5  # other parameters: other answers
    emu.reset()
    map_rows(df, TEMPLATE, client=gclient, model="grok-4.20-0309-non-reasoning", progress=False)
    assert len(emu.chat_requests) == 5  # another model
    emu.reset()
    changed = df.copy()
    changed.loc["a", "review"] = "Changed my mind"
    map_rows(changed, TEMPLATE, client=gclient, progress=False)
    assert len(emu.chat_requests) == 1  # only the row whose content changed
    emu.reset()
    # the same prompts from a list of dicts: the cache does not care about the input's kind
    rows = [{"review": r} for r in df["review"]]
    map_rows(rows, TEMPLATE, client=gclient, progress=False)
    assert emu.chat_requests == []


def test_cache_false_and_an_explicit_file(emu, gclient, df, tmp_path):
    map_rows(df, TEMPLATE, client=gclient, cache=False, progress=False)
    map_rows(df, TEMPLATE, client=gclient, cache=False, progress=False)
    assert len(emu.chat_requests) == 10
    path = tmp_path / "mine.sqlite"
    map_rows(df, TEMPLATE, client=gclient, cache=path, progress=False)
    assert len(MapCache(path)) == 5


def test_the_api_key_is_never_stored(emu, gclient, df, cache_dir):
    map_rows(df, TEMPLATE, schema=Sentiment, client=gclient, progress=False)
    for file in cache_dir.iterdir():
        assert TEST_API_KEY.encode() not in file.read_bytes()
    conn = sqlite3.connect(cache_dir / FILE_NAME)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert TEST_API_KEY not in dump and emu.base_url not in dump


def _store_one(path, barrier, i, errors):
    from grok_jupyter.table.cache import MapCache

    barrier.wait()  # every process opens the new file at the same moment
    try:
        MapCache(path).put_many([(f"row-{i}", "grok-4.3", {"answer": i}, 0.001)])
    except Exception as exc:  # reported to the parent, which asserts on it
        errors.put(repr(exc))


def test_worker_processes_opening_a_new_cache_at_once_all_store_their_rows(tmp_path):
    # Dask workers and Ray tasks each open the shared cache file; before the set-up was
    # retried, about half of such starts failed with "database is locked".
    import multiprocessing

    from grok_jupyter.table.cache import MapCache

    for trial in range(30):
        path = tmp_path / f"cache-{trial}.sqlite"
        barrier, errors = multiprocessing.Barrier(6), multiprocessing.Queue()
        procs = [multiprocessing.Process(target=_store_one, args=(path, barrier, i, errors))
                 for i in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        failures = [errors.get() for _ in range(errors.qsize())]
        assert failures == []
        assert len(MapCache(path)) == 6
