"""``python -m benchmarks``: run every figure, print the table, write RESULTS.md.

Options: ``--quick`` (about a minute), ``--smoke`` (seconds; for the test),
``--only NAME`` (a group, repeatable), ``--repeat N``, ``--out PATH``,
``--merge`` (with ``--only``: update just those groups' sections of ``--out``,
e.g. ``python -m benchmarks --only responses --merge``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

from . import (
    agent,
    caching,
    cluster,
    compaction,
    concurrency,
    emulator,
    imports,
    latency,
    map_rows,
    memory,
    notebook,
    responses,
    streaming,
    turn_overhead,
)
from ._harness import PACKAGES, ROOT, Config, Row, log, machine, versions
from ._sse_server import SSEServer

# name -> (run function, needs the pre-encoded server, every row key it yields)
GROUPS: dict[str, tuple[Callable[..., list[Row]], bool, list[str]]] = {
    "streaming": (streaming.run, True, streaming.KEYS),
    "responses": (responses.run, True, responses.KEYS),
    "latency": (latency.run, True, latency.KEYS),
    "concurrency": (concurrency.run, True, concurrency.KEYS),
    "imports": (imports.run, False, imports.KEYS),
    "notebook": (notebook.run, True, notebook.KEYS),
    "turn_overhead": (turn_overhead.run, False, turn_overhead.KEYS),
    "memory": (memory.run, True, memory.KEYS),
    "emulator": (emulator.run, True, emulator.KEYS),
    "caching": (caching.run, False, caching.KEYS),
    "compaction": (compaction.run, False, compaction.KEYS),
    "cluster": (cluster.run, False, cluster.KEYS),
    "map": (map_rows.run, False, map_rows.KEYS),
    "agent": (agent.run, False, agent.KEYS + agent.SAVED_KEYS),
}
ALL_KEYS = [k for _, _, keys in GROUPS.values() for k in keys]


def _titles() -> list[str]:
    """Each group's section title, in GROUPS order."""
    modules = (sys.modules.get(fn.__module__) for fn, _, _ in GROUPS.values())
    return [t for t in (getattr(m, "GROUP", None) for m in modules) if t]


def _notes() -> dict[str, str]:
    """A group's ``NOTE`` (how to read its figures), by its section title."""
    modules = (sys.modules.get(fn.__module__) for fn, _, _ in GROUPS.values())
    return {m.GROUP: m.NOTE for m in modules if getattr(m, "NOTE", None)}


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
    notes = _notes()
    for r in rows:
        if r.group != group:
            if group in notes:
                out += ["", notes[group]]
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
    if group in notes:
        out += ["", notes[group]]
    return "\n".join(out) + "\n"


def _sections(text: str) -> tuple[list[str], dict[str, str]]:
    """(header lines, section text by ``## `` title) of a rendered RESULTS.md."""
    head, *parts = text.rstrip("\n").split("\n## ")
    sections = {}
    for part in parts:
        title = part.split("\n", 1)[0].strip()
        sections[title] = "## " + part.rstrip("\n")
    return head.split("\n"), sections


def _summary(sections: list[str]) -> list[str]:
    """The Targets line and its MISS / not-available list, from the tables' cells."""
    cells = [[c.strip() for c in line.strip().strip("|").split("|")]
             for sec in sections for line in sec.splitlines()
             if line.startswith("| ") and not line.startswith("| what |")]
    status = [c[5] for c in cells]
    out = [f"**Targets: {status.count('PASS')} PASS, {status.count('MISS')} MISS, "
           f"{status.count('n/a')} not available.**"]
    out += [f"- MISS: {c[0]}: {c[1]} vs {c[2]} = {c[3]} (target {c[4]})"
            for c in cells if c[5] == "MISS"]
    out += [f"- not available: {c[0]}: {c[1]} vs {c[2]}: "
            f"{c[8].removeprefix('not available: ')}" for c in cells if c[5] == "n/a"]
    return out


def merge(old: str, new: str, titles: list[str], command: str) -> str:
    """``old`` RESULTS.md with the sections of ``new`` put in (in ``titles`` order), the
    other groups' figures kept as they were, and the summary recounted."""
    old_head, old_sections = _sections(old)
    new_head, new_sections = _sections(new)
    ordered = [t for t in titles if t in new_sections or t in old_sections]
    ordered += [t for t in old_sections if t not in ordered]
    body = [new_sections.get(t) or old_sections[t] for t in ordered]
    date = next((line for line in new_head if line.startswith("- Date:")), "")
    machine_line = next((line for line in new_head if line.startswith("- Machine:")), "")
    rerun = ", ".join(f"'{t}'" for t in new_sections)
    updated = (f"- Updated: {date.removeprefix('- Date: ').split(';')[0]}: re-ran {rerun} "
               f"(`{command}`); machine then: {machine_line.removeprefix('- Machine: ')}")
    keep = [line for line in old_head if not line.startswith("**Targets")
            and not line.startswith("- MISS:") and not line.startswith("- not available:")
            and not (line.startswith("- Updated:") and rerun in line)]
    while keep and not keep[-1].strip():
        keep.pop()
    at = max((i for i, line in enumerate(keep) if line.startswith(("- Packages:", "- Updated:"))),
             default=len(keep) - 1) + 1
    head = [*keep[:at], updated, *keep[at:], "", *_summary(body)]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"


# Benchmarks open chats (the panel, the magic): keep them out of the working tree.
os.environ.setdefault("GROK_JUPYTER_CHAT_DIR", "off")


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
    ap.add_argument("--merge", action="store_true",
                    help="with --only: replace just those groups' sections of --out, keep "
                         "the others' figures, recount the summary")
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
        if args.merge and args.only and os.path.exists(args.out):
            with open(args.out) as f:
                text = merge(f.read(), text, _titles(), command.strip())
        with open(args.out, "w") as f:
            f.write(text)
        log(cfg, f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
