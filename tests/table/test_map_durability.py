"""Durability: every answer is committed as it arrives; a cache that cannot be used is a
typed error naming the file; a killed map pays again only for what it had in flight."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grok_jupyter import map_rows
from grok_jupyter.emulator import serve
from grok_jupyter.table.cache import MapCache
from grok_jupyter.table.errors import MapCacheError
from tests.conftest import TEST_API_KEY

from .conftest import TEMPLATE

ROOT = Path(__file__).resolve().parents[2]


def _child_env(url: str, cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(XAI_API_KEY=TEST_API_KEY, XAI_BASE_URL=str(url), PYTHONPATH=str(ROOT),
               GROK_JUPYTER_CACHE_DIR=str(cache_dir))  # fmt: skip
    return env


def test_a_corrupt_cache_is_refused_by_name_before_anything_is_sent(emu, gclient, df, tmp_path):
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"this is not a SQLite file, it was overwritten " * 200)
    with pytest.raises(MapCacheError) as err:
        map_rows(df, TEMPLATE, client=gclient, cache=path, progress=False)
    message = str(err.value)
    assert str(path) in message and "corrupt" in message and "delete it" in message
    assert err.value.path == str(path)
    assert emu.requests == []


def test_a_corrupt_answer_in_the_cache_is_refused_by_name(emu, gclient, df, tmp_path):
    path = tmp_path / "answers.sqlite"
    map_rows(df, TEMPLATE, client=gclient, cache=path, progress=False)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE results SET answer = '{not json' WHERE rowid = 1")
    conn.close()
    emu.reset()
    with pytest.raises(MapCacheError, match="corrupt") as err:
        map_rows(df, TEMPLATE, client=gclient, cache=path, progress=False)
    assert str(path) in str(err.value)
    assert emu.chat_requests == []


def test_a_locked_cache_is_refused_by_name(emu, gclient, df, tmp_path):
    path = tmp_path / "locked.sqlite"
    MapCache(path).check()
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
    try:
        with pytest.raises(MapCacheError, match="locked") as err:
            map_rows(df, TEMPLATE, client=gclient, cache=MapCache(path, busy_timeout=0.3),
                     progress=False)  # fmt: skip
        assert str(path) in str(err.value) and "close the other" in str(err.value)
    finally:
        holder.rollback()
        holder.close()
    assert emu.chat_requests == []


FULL_DISK = """
import json, resource, signal, sys
from grok_jupyter import map_rows
from grok_jupyter.table.errors import MapCacheError

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
path = sys.argv[1]
from grok_jupyter.table.cache import MapCache
MapCache(path).check()  # the file exists, small
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
rows = [{"n": f"row {i} " + "x" * 200} for i in range(400)]
try:
    out = map_rows(rows, "Repeat this back: {n}", cache=path, progress=False, on_error="keep")
    print(json.dumps({"raised": None}))
except MapCacheError as exc:
    table = exc.result
    answered = sum(1 for r in table if r["answer"] is not None)
    print(json.dumps({"raised": str(exc), "path": exc.path, "answered": answered,
                      "done": table.report.done, "requests": table.report.requests,
                      "stopped": table.report.stopped,
                      "not_done": [r["_error"] for r in table].count(
                          "not done: the cache could not be written")}))
"""


def test_a_full_disk_mid_map_keeps_every_row_done_in_the_table(tmp_path):
    path = tmp_path / "small-disk.sqlite"
    with serve(quiet=True) as url:
        proc = subprocess.run(
            [sys.executable, "-c", FULL_DISK, str(path)],
            env=_child_env(url, tmp_path), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        answered_by_server = len(url.chat_requests)
    assert got["raised"], "the map should have hit the file-size limit"
    assert got["path"] == str(path) and str(path) in got["raised"]
    assert got["stopped"] == "cache" and 5 < got["done"] < 400
    # every answer the server sent is a row of the returned table, cached or not
    assert got["answered"] == got["done"] == got["requests"] == answered_by_server
    assert got["not_done"] == 400 - got["done"]


KILLED_MAP = """
import sys
from grok_jupyter import map_rows
rows = [{"n": i} for i in range(int(sys.argv[2]))]
map_rows(rows, "Count {n}", cache=sys.argv[1], progress=False, on_error="keep")
print("finished")
"""


def test_a_map_killed_mid_run_pays_again_only_for_its_requests_in_flight(tmp_path):
    rows = 160
    path = tmp_path / "killed.sqlite"
    # 20 requests a second, answers 0.4 s: about 8 in flight at any moment.
    with serve(rpm=1200, rate_window="smooth", speed={"answer_s": 0.4}, quiet=True) as url:
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_MAP, str(path), str(rows)],
            env=_child_env(url, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if path.exists() and len(MapCache(path)) >= 40:
                    break
                time.sleep(0.05)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(30)
        assert child.returncode == -signal.SIGKILL
        time.sleep(0.3)  # requests already on the wire land at the emulator
        cache = MapCache(path)
        committed = len(cache)
        billed_before = url.billed["calls"]
        from grok_jupyter.table.plan import cache_key

        keys = [cache_key("grok-4.3", [{"role": "user", "content": f"Count {i}"}], {})
                for i in range(rows)]  # fmt: skip
        dead = cache.markers(keys)
        assert committed >= 40 and {m.pid for m in dead} <= {child.pid}
        url.reset()
        from grok_jupyter.client import GrokClient, UsageLedger

        client = GrokClient(api_key=TEST_API_KEY, base_url=url, ledger=UsageLedger())
        out = map_rows([{"n": i} for i in range(rows)], "Count {n}", client=client,
                       cache=path, progress=False)  # fmt: skip
        billed_after = url.billed["calls"]
    assert out.report.done == rows and out.report.cached == committed
    assert billed_after == rows - committed  # nothing committed is paid for again
    billed_twice = billed_before - committed  # answered by the server, never committed
    assert 0 <= billed_twice <= 20  # at most what was in flight (about 8), not 50-answer batches
    assert len(dead) >= billed_twice - 1  # each was written down before it was sent
    assert cache.markers(keys) == []  # the dead process's markers are cleared
