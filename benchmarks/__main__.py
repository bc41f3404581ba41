"""``python -m benchmarks``: run every figure, print the table, write RESULTS.md.

Options: ``--quick`` (about a minute), ``--smoke`` (seconds; for the test),
``--only NAME`` (a group, repeatable), ``--repeat N``, ``--out PATH``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

from . import caching, concurrency, emulator, imports, latency, memory, notebook, streaming
from ._harness import PACKAGES, ROOT, Config, Row, log, machine, versions
from ._sse_server import SSEServer

# name -> (run function, needs the pre-encoded server, every row key it yields)
GROUPS: dict[str, tuple[Callable[..., list[Row]], bool, list[str]]] = {
    "streaming": (streaming.run, True, streaming.KEYS),
    "latency": (latency.run, True, latency.KEYS),
    "concurrency": (concurrency.run, True, concurrency.KEYS),
    "imports": (imports.run, False, imports.KEYS),
    "notebook": (notebook.run, True, notebook.KEYS),
    "memory": (memory.run, True, memory.KEYS),
    "emulator": (emulator.run, True, emulator.KEYS),
    "caching": (caching.run, False, caching.KEYS),
}
ALL_KEYS = [k for _, _, keys in GROUPS.values() for k in keys]


def run(cfg: Config, only: list[str] | None = None) -> list[Row]:
    """Run the chosen groups (all by default); every expected row is returned."""
    names = only or list(GROUPS)
    rows: list[Row] = []
    with ExitStack() as stack:
        server: SSEServer | None = None
        for name in names:
            fn, needs_server, keys = GROUPS[name]
            if needs_server and server is None:
                server = stack.enter_context(SSEServer())
            t0 = time.perf_counter()
            try:
                got = fn(cfg, server) if needs_server else fn(cfg)
            except Exception as exc:  # a crashed group still lists its rows
                got = []
                log(cfg, f"[{name}] failed: {type(exc).__name__}: {exc}")
                error = f"group failed: {type(exc).__name__}: {str(exc)[:120]}"
            else:
                error = "not produced"
            seen = {r.key for r in got}
            for key in keys:
                if key not in seen:
                    got.append(Row(key=key, group=name, what=key, subject="?", baseline="?",
                                   unit="", note=f"not available: {error}"))
            rows.extend(got)
            log(cfg, f"[{name}] done in {time.perf_counter() - t0:.1f}s")
    return rows


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def _ratio(r: Row) -> str:
    return "—" if r.ratio is None else f"{r.ratio:.2f}x"


def _target(r: Row) -> str:
    if not r.target:
        return "—"
    if r.target.endswith(" abs"):
        op, num, _ = r.target.split()
        return f"{op} {float(num):,.0f} {r.unit}"
    return r.target + "x"


def render(rows: list[Row], cfg: Config, command: str, elapsed: float) -> str:
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    passed = [r for r in rows if r.status == "PASS"]
    missed = [r for r in rows if r.status == "MISS"]
    na = [r for r in rows if r.status == "n/a"]
    out = [
        "# Benchmark results",
        "",
        f"- Date: {now}; run took {elapsed:.0f} s (`{command}`, mode {cfg.mode}, "
        f"{cfg.repeat} repetitions)",
        f"- Machine: {machine()}",
        f"- Packages: {versions(PACKAGES)}",
        "",
        "Every figure is a ratio to a baseline measured in the same run: subjects and "
        "baselines are run in interleaved rounds (order rotated each round) after one "
        "warm-up, and the ratio is the median of the per-round ratios. Absolute medians "
        "are beside it, for scale only (the machine is shared, so they drift). Throughput "
        "ratios are subject/baseline (higher is better); time, CPU and memory ratios are "
        "subject/baseline (lower is better). Client figures use a pre-encoded SSE server "
        "in its own process (`benchmarks/_sse_server.py`).",
        "",
        f"**Targets: {len(passed)} PASS, {len(missed)} MISS, {len(na)} not available.**",
    ]
    for r in missed:
        out.append(f"- MISS: {r.what}: {r.subject} vs {r.baseline} = {_ratio(r)} "
                   f"(target {_target(r)})")
    for r in na:
        out.append(f"- not available: {r.what}: {r.subject} vs {r.baseline}: "
                   f"{r.note.removeprefix('not available: ')}")
    group = None
    for r in rows:
        if r.group != group:
            group = r.group
            out += ["", f"## {group}", "",
                    "| what | subject | baseline | ratio | target | result "
                    "| subject (abs) | baseline (abs) | note |",
                    "|---|---|---|---|---|---|---|---|---|"]
        out.append(
            f"| {r.what} | {r.subject} | {r.baseline} | {_ratio(r)} | "
            f"{_target(r)} | {r.status} | "
            f"{_num(r.subject_value, r.unit)} | {_num(r.baseline_value, r.unit)} | "
            f"{r.note.replace('|', '/')} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, 3 repetitions")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, 1 repetition (tests)")
    ap.add_argument("--only", action="append", choices=list(GROUPS), metavar="NAME",
                    help=f"run only this group (repeatable): {', '.join(GROUPS)}")
    ap.add_argument("--repeat", type=int, default=None, help="repetitions (default 5)")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "RESULTS.md"))
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    cfg = Config.for_mode(mode, args.repeat)
    if args.quiet:
        cfg.verbose = False
    command = "python -m benchmarks" + (" " + " ".join(argv if argv is not None
                                                        else sys.argv[1:])).rstrip()
    t0 = time.perf_counter()
    rows = run(cfg, args.only)
    text = render(rows, cfg, command.strip(), time.perf_counter() - t0)
    print(text)
    if args.out and args.out != "-":
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
        log(cfg, f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
