"""The table map on a cluster: one rate limit for every worker, and the bill after a kill.

Every scenario runs in a child process (``python -m benchmarks.cluster NAME ROWS``,
so the cluster's worker processes never inherit the harness), against an
emulator in its own process, with the workers' key and cache folder in their
environment:

* ``ledger``: 1,000 rows on a 2-worker Dask ``LocalCluster``, no limit; the
  driver's merged ledger against what the emulator billed, to the tick.
* ``dask_floor`` / ``ray_floor``: 3,000 rows at 1,200 requests a minute (a smooth
  bucket) with answers of 2 s, on a 2-worker ``LocalCluster`` / ``ray.init(num_cpus=2)``,
  default settings: wall / floor (rows / rate), rows failed, 429s.
* ``dask_killed`` / ``ray_killed``: 600 rows at the same limit; one worker that
  has requests in flight is killed (``kill -9``) mid-run. The ledger must equal
  the bill to the tick, and only the requests it had in flight may be paid twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from ._harness import ROOT, Config, EmulatorProcess, Row, Unavailable, limit_rows, log

GROUP = "Table map on a cluster: 2 Dask workers and Ray with 2 CPUs (emulator)"
KEYS = [
    "cluster.ledger_vs_bill",
    "cluster.dask_wall_vs_floor",
    "cluster.ray_wall_vs_floor",
    "cluster.failed_rows",
    "cluster.rate_limited_share",
    "cluster.dask_killed_ledger_vs_bill",
    "cluster.ray_killed_ledger_vs_bill",
    "cluster.killed_paid_twice",
]
KEY = "xai-benchmark-cluster-key"
RPM, ANSWER_S = 1200, 2.0
TEMPLATE = "Sentiment of this review: {review}"


def _probe(name: str, rows: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("XAI_API_KEY", "XAI_BASE_URL")}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.cluster", name, str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    lines = [line for line in out.stdout.strip().splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"cluster probe {name} failed: {last[:140]}")
    return json.loads(lines[-1])


def run(cfg: Config) -> list[Row]:
    smoke = cfg.mode == "smoke"
    got: dict[str, dict[str, Any] | str] = {}
    plan = [("ledger", 40 if smoke else 1_000)]
    if not smoke:
        plan += [
            ("dask_floor", 3_000),
            ("ray_floor", 3_000),
            ("dask_killed", 600),
            ("ray_killed", 600),
        ]
    for name, rows in plan:
        log(cfg, f"[cluster] {name}: {rows:,} rows")
        try:
            got[name] = _probe(name, rows)
        except Unavailable as exc:
            log(cfg, f"[cluster] {exc}")
            got[name] = str(exc)
    return [
        _ledger_row(got.get("ledger"), "cluster.ledger_vs_bill", "Dask, no limit"),
        _floor_row(got.get("dask_floor"), "cluster.dask_wall_vs_floor", "Dask LocalCluster"),
        _floor_row(got.get("ray_floor"), "cluster.ray_wall_vs_floor", "Ray (2 CPUs)"),
        *_floor_totals(got.get("dask_floor"), got.get("ray_floor")),
        _ledger_row(
            got.get("dask_killed"), "cluster.dask_killed_ledger_vs_bill", "Dask, a worker killed"
        ),
        _ledger_row(
            got.get("ray_killed"), "cluster.ray_killed_ledger_vs_bill", "Ray, a worker killed"
        ),
        _paid_twice_row(got.get("dask_killed"), got.get("ray_killed")),
    ]


def _missing(got: Any) -> str | None:
    if got is None:
        return "not available: skipped in smoke mode (the cluster scenarios take ~8 minutes)"
    return f"not available: {got}" if isinstance(got, str) else None


def _ledger_row(got: Any, key: str, what: str) -> Row:
    row = Row(key, GROUP, f"{what}: driver ledger vs emulator bill",
              "driver ledger, merged (ticks)", "emulator billed (ticks)", "ticks",
              "== 1")  # fmt: skip
    why = _missing(got)
    if why:
        row.note = why
        return row
    ledger, billed = got["ledger_ticks"], got["billed_ticks"]
    row.subject_value, row.baseline_value, row.reps = ledger, billed, 1
    row.ratio = ledger / billed if billed else None
    # Equal to the tick or not: a ratio bound would let rounding hide a lost record.
    row.status = "PASS" if ledger == billed and got["rows_done"] == got["rows"] else "MISS"
    row.note = (
        f"{got['records']:,} ledger records vs {got['billed_calls']:,} billed calls; "
        f"{got['rows_done']:,}/{got['rows']:,} rows labelled in {got['seconds']:.1f} s"
    )
    if "paid_twice" in got:
        row.note += (
            f"; killed pid had {got['in_flight_at_kill']} in flight, {got['paid_twice']} paid twice"
        )
    return row


def _floor_row(got: Any, key: str, engine: str) -> Row:
    what = f"{engine}: 3,000 rows at {RPM:,} rpm, {ANSWER_S:g} s answers, wall / floor"
    row = Row(key, GROUP, what, "map_rows (defaults)", "floor (rows / rate)", "s wall",
              "<= 1.2")  # fmt: skip
    why = _missing(got)
    if why:
        row.note = why
    else:
        floor = got["rows"] / (RPM / 60)
        row.subject_value, row.baseline_value, row.reps = got["seconds"], floor, 1
        row.ratio = got["seconds"] / floor
        row.note = (
            f"{got['rows_done']:,}/{got['rows']:,} rows, {got['failed']} failed, "
            f"{got['rate_limited']} answered 429 of {got['received']:,} received"
        )
    row.judge()
    return row


def _floor_totals(*runs: Any) -> list[Row]:
    done = {g["engine"]: (g["failed"], g["rate_limited"] / g["received"] if g["received"] else 0.0)
            for g in runs if isinstance(g, dict)}  # fmt: skip
    return limit_rows(GROUP, "cluster", "Dask and Ray under the limit, worst", done,
                      _missing(runs[0]) or "not available: not measured")  # fmt: skip


def _paid_twice_row(*runs: Any) -> Row:
    what = "a worker killed: requests paid twice / requests it had in flight (worst)"
    row = Row("cluster.killed_paid_twice", GROUP, what, "paid twice", "in flight at the kill",
              "requests", "<= 1")  # fmt: skip
    done = [g for g in runs if isinstance(g, dict)]
    if not done:
        row.note = _missing(runs[0]) or "not available: not measured"
    else:
        worst = max(done, key=lambda g: g["paid_twice"] / max(g["in_flight_at_kill"], 1))
        row.subject_value = worst["paid_twice"]
        row.baseline_value = worst["in_flight_at_kill"]
        row.ratio = worst["paid_twice"] / max(worst["in_flight_at_kill"], 1)
        row.reps = len(done)
        row.note = "; ".join(
            f"{g['engine']}: {g['paid_twice']} paid twice of {g['in_flight_at_kill']} in flight"
            for g in done
        )
    row.judge()
    return row


# --- the child -----------------------------------------------------------------------------


def _reviews(rows: int) -> Any:
    import pandas as pd

    words = ["great", "awful", "fine", "lovely", "broken"]
    return pd.DataFrame({"review": [f"Review {i}: {words[i % 5]}" for i in range(rows)]})


def _killer(cache_path: str, rows: int, workers: set[int] | None, out: dict[str, Any]) -> None:
    """Kill -9 one worker with requests in flight once a sixth of the rows are committed."""
    from grok_jupyter.table.cache import MapCache
    from grok_jupyter.table.plan import cache_key

    keys = [
        cache_key("grok-4.3", [{"role": "user", "content": TEMPLATE.format(review=r)}], {})
        for r in _reviews(rows)["review"]
    ]
    cache = MapCache(cache_path)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if len(cache.get_many(keys)) >= rows // 6:
                markers = [m for m in cache.markers(keys) if m.sent and m.pid != os.getpid()]
                pids = {m.pid for m in markers} & workers if workers else {m.pid for m in markers}
                if pids:
                    pid = sorted(pids)[0]
                    os.kill(pid, signal.SIGKILL)
                    out["in_flight_at_kill"] = sum(1 for m in markers if m.pid == pid)
                    return
        except Exception:  # the file is being created; try again
            pass
        time.sleep(0.02)


def _main(name: str, rows: int) -> None:
    """The child: emulator process, a cluster, one map; prints one JSON line."""
    from grok_jupyter.client import GrokClient, UsageLedger
    from grok_jupyter.client._catalog import USD_TICKS_PER_USD
    from grok_jupyter.table.cache import FILE_NAME

    limited = name != "ledger"
    args = ("--rpm", str(RPM), "--rate-window", "smooth", "--speed", f"answer_s={ANSWER_S:g}")
    emu = EmulatorProcess(*(args if limited else ()))
    cache_dir = tempfile.mkdtemp(prefix="grok-bench-cluster-")
    os.environ["XAI_API_KEY"] = KEY  # the workers read it from their environment
    os.environ["GROK_JUPYTER_CACHE_DIR"] = cache_dir
    ledger = UsageLedger()
    client = GrokClient(base_url=emu.base, ledger=ledger)
    killed: dict[str, Any] = {}
    engine = name.split("_")[0] if name != "ledger" else "dask"
    try:
        t0 = time.perf_counter()
        if engine == "dask":
            out, seconds = _run_dask(name, rows, client, cache_dir, killed)
        else:
            out, seconds = _run_ray(name, rows, client, cache_dir, killed)
        billed = emu.billing()
        received = emu.chat_requests()
        done = int(out["answer"].notna().sum())
        result = {
            "engine": engine,
            "rows": rows,
            "rows_done": done,
            "failed": rows - done,
            "seconds": seconds,
            "total_s": time.perf_counter() - t0,
            "ledger_ticks": round(ledger.total().cost_usd * USD_TICKS_PER_USD),
            "billed_ticks": billed["ticks"],
            "billed_calls": billed["calls"],
            "records": len(ledger.records),
            "received": received,
            "rate_limited": received - billed["calls"],
            "cache": os.path.join(cache_dir, FILE_NAME),
        }
        if name.endswith("_killed"):
            result["paid_twice"] = billed["calls"] - rows
            result["in_flight_at_kill"] = killed.get("in_flight_at_kill", 0)
        print(json.dumps(result))
    finally:
        emu.close()


def _run_dask(name: str, rows: int, client: Any, cache_dir: str, killed: dict[str, Any]) -> Any:
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    from grok_jupyter.table.cache import FILE_NAME
    from grok_jupyter.table.map import map_rows

    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        ddf = dd.from_pandas(_reviews(rows), npartitions=4)
        cache = False if name == "ledger" else True
        if name.endswith("_killed"):
            workers = set(dask_client.run(os.getpid).values())
            path = os.path.join(cache_dir, FILE_NAME)
            threading.Thread(
                target=_killer, args=(path, rows, workers, killed), daemon=True
            ).start()
        t1 = time.perf_counter()
        out = map_rows(ddf, TEMPLATE, client=client, cache=cache, progress=False)
        return out, time.perf_counter() - t1


def _run_ray(name: str, rows: int, client: Any, cache_dir: str, killed: dict[str, Any]) -> Any:
    import ray

    from grok_jupyter.ray import GrokMapper
    from grok_jupyter.table.cache import FILE_NAME

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        mapper = GrokMapper(TEMPLATE, client=client)
        ds = ray.data.from_pandas(_reviews(rows)).repartition(4)
        if name.endswith("_killed"):
            path = os.path.join(cache_dir, FILE_NAME)
            threading.Thread(target=_killer, args=(path, rows, None, killed), daemon=True).start()
        t1 = time.perf_counter()
        out = mapper.collect(ds.map_batches(mapper, batch_format="pandas", batch_size=rows // 4))
        return out, time.perf_counter() - t1
    finally:
        ray.shutdown()


if __name__ == "__main__":
    _main(sys.argv[1], int(sys.argv[2]))
