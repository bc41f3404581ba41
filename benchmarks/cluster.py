"""A table map on a 2-worker Dask ``LocalCluster``: does the cluster's spend add up?

1,000 rows (40 in smoke mode) through ``map_rows(dask_dataframe, ...)`` on
``LocalCluster(n_workers=2, processes=True)``, against an emulator in its own
process. The subject is the driver's ledger after it merged every partition's
records; the baseline is what the emulator itself billed (its
``GET /_emulator/billing`` counter). PASS only when the two are equal to the
tick (1e-10 USD). The cluster runs in a child process (``python -m
benchmarks.cluster N``), so its worker processes never inherit the harness.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from ._harness import ROOT, Config, Row, Unavailable, log

GROUP = "Table map on a 2-worker Dask LocalCluster (emulator)"
KEYS = ["cluster.ledger_vs_bill"]
KEY = "xai-benchmark-cluster-key"


def _probe(rows: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("XAI_API_KEY", "XAI_BASE_URL")}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.cluster", str(rows)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"cluster probe failed: {last[:140]}")
    return json.loads(lines[-1])


def run(cfg: Config) -> list[Row]:
    rows = 40 if cfg.mode == "smoke" else 1_000
    try:
        data = _probe(rows)
    except Unavailable as exc:
        log(cfg, f"[cluster] {exc}")
        return []
    ledger, billed = data["ledger_ticks"], data["billed_ticks"]
    row = Row(
        key="cluster.ledger_vs_bill", group=GROUP,
        what=f"{rows:,} rows, {data['partitions']} partitions, 2 worker processes",
        subject="driver ledger, merged (ticks)", baseline="emulator billed (ticks)",
        unit="ticks", target="== 1", subject_value=ledger, baseline_value=billed,
    )  # fmt: skip
    row.ratio = ledger / billed if billed else None
    # Equal to the tick or not: a ratio bound would let rounding hide a lost record.
    row.status = "PASS" if ledger == billed and data["rows_done"] == rows else "MISS"
    row.note = (
        f"{data['records']:,} ledger records vs {data['billed_calls']:,} billed calls; "
        f"{data['rows_done']:,}/{rows:,} rows labelled in {data['seconds']:.1f} s "
        f"(cluster start {data['startup_s']:.1f} s)"
    )
    row.reps = 1
    return [row]


def _main(rows: int) -> None:
    """The child: emulator process, LocalCluster, one map; prints one JSON line."""
    import dask.dataframe as dd
    import httpx
    import pandas as pd
    from dask.distributed import Client, LocalCluster

    from grok_jupyter.client import GrokClient, UsageLedger
    from grok_jupyter.client._catalog import USD_TICKS_PER_USD
    from grok_jupyter.table.map import map_rows

    emu = subprocess.Popen(
        [sys.executable, "-m", "grok_jupyter.emulator", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        url = (emu.stdout.readline() if emu.stdout else "").strip().partition("=")[2]
        if not url:
            raise SystemExit("the emulator did not start")
        os.environ["XAI_API_KEY"] = KEY  # the workers read it from their environment
        os.environ["GROK_JUPYTER_CACHE_DIR"] = tempfile.mkdtemp(prefix="grok-bench-cluster-")
        t0 = time.perf_counter()
        with (
            LocalCluster(
                n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
            ) as cluster,
            Client(cluster),
        ):
            startup = time.perf_counter() - t0
            words = ["great", "awful", "fine", "lovely", "broken"]
            df = pd.DataFrame({"review": [f"Review {i}: {words[i % 5]}" for i in range(rows)]})
            ddf = dd.from_pandas(df, npartitions=4)
            ledger = UsageLedger()
            client = GrokClient(base_url=url, ledger=ledger)
            t1 = time.perf_counter()
            out = map_rows(ddf, "Sentiment of this review: {review}", client=client,
                           cache=False, progress=False)  # fmt: skip
            seconds = time.perf_counter() - t1
        billed = httpx.get(url.removesuffix("/v1") + "/_emulator/billing", timeout=10).json()
        print(json.dumps({
            "ledger_ticks": round(ledger.total().cost_usd * USD_TICKS_PER_USD),
            "billed_ticks": billed["ticks"], "billed_calls": billed["calls"],
            "records": len(ledger.records), "rows_done": int(out["answer"].notna().sum()),
            "partitions": ddf.npartitions, "seconds": seconds, "startup_s": startup,
        }))  # fmt: skip
    finally:
        emu.terminate()
        emu.wait(timeout=10)


if __name__ == "__main__":
    _main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000)
