"""The magic's own overhead on a plain ``%%grok`` turn, against the code before issue 19.

Issue 19 replaced the two turn engines with one (``notebook/turn/``) and sent plain
turns to the Responses API by default; its target is that the magic's own time
per turn stays within 1.1x of what it was. "What it was" is measured in the same
run: commit ``BEFORE`` is extracted with ``git archive`` to a temporary folder and
imported from there (``PYTHONPATH``) by one child process, while another child
imports this tree. Each child (``_overheadprobe.py``) runs the emulator in process,
an IPython shell with the extension loaded (display path, as in a kernel, every
other setting that version's default) and times plain cells with a 12-word answer.

The target row measures what the issue names, "time from cell start to the
request's first byte, and from the last event to the footer": (cell start -> the
request's first byte written to the socket) + (the client handing the stream's last
event to the magic -> the footer displayed), wall time on ``time.monotonic()``; the
main thread's CPU time over the same spans is in the note. The stream in between,
and the client parsing it, are not counted: that is the wire's size (a Responses
stream has about 3x the events and bytes of a chat stream for the same answer), and
the client's parsing has rows of its own (``responses``, against a bare httpx loop).

Two information rows keep the figure this group gave before (until 2026-12-07) in
their ``what``: the spans stamped on the server's side, (cell start -> the request
reaching the emulator) + (the response's last byte written -> the footer), with the
answer at once, so "after" also carries the client parsing the whole stream; and
the same with the events 1 ms apart, where the client has kept up with the stream.

Both children stay up and take turns cell by cell (the first rotating), so both
see the same load from whatever else the machine runs; a round is a batch of
cells per child, and a round's figure is its batch's median.
Without git or the commit (a source tarball), the rows say so.
"""

from __future__ import annotations

import json
import math
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import IO, Any

from ._harness import ROOT, Config, Row, Series, fill, log

GROUP = "Magic's own overhead per plain %%grok turn, against the code before issue 19 (emulator)"
KEYS = ["turn_overhead.magic", "turn_overhead.magic_wire", "turn_overhead.magic_paced"]
BEFORE = "9f73939"  # the last commit with the two engines (the magic sent plain turns to chat)
PROBE = os.path.join(ROOT, "benchmarks", "_overheadprobe.py")
NOTE = (
    "How this is read (changed 2026-12-07): the target row now times the spans issue 19 "
    "names, \"from cell start to the request's first byte, and from the last event to the "
    "footer\", on the client's side: the request's first byte written to the socket, and "
    "the stream's last event handed to the magic. Until then it was stamped on the "
    "server's side (request head received, last byte written), which also counted the "
    "emulator reading the request and the client parsing the whole stream that arrived "
    "at once: for the same 12-word answer a Responses stream is 44 events and 11 KB "
    "against chat's 15 events and 3.4 KB, the wire's size rather than the magic's work "
    "(the client's parsing has rows of its own under 'Responses API streaming'). That "
    "figure is kept as the information row 'on the server's stamps'; the paced row is "
    "stamped the same way as before."
)
TIMEOUT = 300.0  # seconds for one reply of a child
PACE = 0.001  # s after each SSE event in the paced variant: the client keeps up with it


class _Child:
    """A probe process importing ``grok_jupyter`` from ``path``; ``run(n, pace)`` times n cells."""

    def __init__(self, path: str, errlog: IO[str]) -> None:
        env = {k: v for k, v in os.environ.items()
               if k not in ("XAI_API_KEY", "XAI_BASE_URL", "PYTHONPATH")}
        env.update(PYTHONPATH=path, PYTHONWARNINGS="ignore")
        self.errlog = errlog
        self.proc = subprocess.Popen([sys.executable, PROBE], cwd=path, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=errlog)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        try:
            ready = self._reply()
        except BaseException:
            self.close()
            raise
        where = os.path.join(os.path.realpath(path), "grok_jupyter", "")
        if not os.path.realpath(ready.get("file", "")).startswith(where):
            self.close()
            raise RuntimeError(f"the probe imported {ready.get('file')}, not the one in {path}")

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _reply(self) -> dict[str, Any]:
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                raise RuntimeError("the overhead probe did not answer in time") from None
            if line is None:
                self.errlog.flush()
                with open(self.errlog.name) as f:
                    last = (f.read().strip().splitlines() or ["no output"])[-1]
                raise RuntimeError(f"the overhead probe stopped: {last[:160]}")
            if line.startswith("{"):  # anything else is stray output, not a reply
                return json.loads(line)

    def run(self, cells: int, pace: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{cells} {pace}\n")
        self.proc.stdin.flush()
        return self._reply()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write("\n")
                self.proc.stdin.close()
                self.proc.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def _extract_before(folder: str) -> str | None:
    """Put commit BEFORE's ``grok_jupyter`` into ``folder``; None, or why it could not."""
    try:
        archive = subprocess.run(["git", "-C", ROOT, "archive", BEFORE, "grok_jupyter"],
                                 capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"git is not available here ({type(exc).__name__}: {exc})"
    if archive.returncode:
        err = archive.stderr.decode(errors="replace").strip().splitlines() or ["?"]
        return f"commit {BEFORE} is not available (git archive: {err[-1][:120]})"
    untar = subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout,
                           capture_output=True, timeout=120)
    if untar.returncode:
        return f"could not unpack commit {BEFORE} ({untar.stderr.decode(errors='replace')[:120]})"
    return None


@dataclass
class _Variant:
    key: str
    what: str
    pace: float
    batch: int  # cells a round
    target: str = ""
    span: str = ""  # "": the spans (client side); "_wire": stamped by the server
    wall: dict[str, Series] = field(default_factory=dict)  # per-round medians, ms
    cpu: dict[str, Series] = field(default_factory=dict)
    parts: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # every cell, ms
    paths: dict[str, set[str]] = field(default_factory=dict)

    def take(self, name: str, got: dict[str, Any]) -> None:
        def total(kind: str) -> list[float]:
            before, after = got[f"before{self.span}{kind}"], got[f"after{self.span}{kind}"]
            return [(b + a) * 1e3 for b, a in zip(before, after, strict=True)]

        self.wall.setdefault(name, Series()).values.append(statistics.median(total("")))
        self.cpu.setdefault(name, Series()).values.append(statistics.median(total("_cpu")))
        parts = self.parts.setdefault(name, {"before": [], "after": []})
        parts["before"] += [b * 1e3 for b in got[f"before{self.span}"]]
        parts["after"] += [a * 1e3 for a in got[f"after{self.span}"]]
        self.paths.setdefault(name, set()).update(got["paths"])

    def row(self) -> Row:
        def path(name: str) -> str:
            return " and ".join(sorted(self.paths.get(name, ()))) or "?"

        def split(name: str) -> str:
            p = self.parts[name]
            return f"{statistics.median(p['before']):.2f} + {statistics.median(p['after']):.2f}"

        row = _row(self.key, self.what, f"%%grok, this tree ({path('now')})",
                   f"%%grok at {BEFORE} ({path('before')})", self.target)
        cpu = fill(_row(self.key, "", "", "", ""), self.cpu, "now", "before")
        measured = cpu.ratio is not None and not math.isnan(cpu.ratio)
        cpu_text = (f"main-thread CPU {cpu.subject_value:.2f} vs {cpu.baseline_value:.2f} ms "
                    f"= {cpu.ratio:.2f}x" if measured else "main-thread CPU not measured")
        spans = ("to request + after last byte" if self.span else
                 "to first byte + after last event")
        note = (f"ms {spans} (median cell): now {split('now')}, before "
                f"{split('before')}; {cpu_text}; {self.batch} cells a round")
        return fill(row, self.wall, "now", "before", note)


def _row(key: str, what: str, subject: str, baseline: str, target: str) -> Row:
    return Row(key=key, group=GROUP, what=what, subject=subject, baseline=baseline, unit="ms",
               target=target)


def _variants(cfg: Config) -> list[_Variant]:
    smoke = cfg.mode == "smoke"
    wire = "cell start → request received + last byte sent → footer"
    return [
        _Variant("turn_overhead.magic",
                 "plain %%grok turn, 12-word answer at once: cell start → request's first "
                 "byte + last event → footer", 0.0, 3 if smoke else 25, target="<= 1.1"),
        # Information: the figure this row gave before, stamped by the server: "after"
        # also carries the client parsing the whole stream, which arrived at once.
        _Variant("turn_overhead.magic_wire", f"the same, on the server's stamps: {wire}",
                 0.0, 3 if smoke else 25, span="_wire"),
        # Information: with every event a write of its own, 1 ms apart, the client has
        # parsed the stream by the last byte, so "after" is only the turn's finishing.
        _Variant("turn_overhead.magic_paced",
                 f"the same, events {PACE * 1e3:.0f} ms apart: {wire}", PACE,
                 1 if smoke else 5, span="_wire"),
    ]


def run(cfg: Config) -> list[Row]:
    rounds = 3 if cfg.mode == "smoke" else max(3, cfg.repeat * 8)
    variants = _variants(cfg)
    folder = tempfile.mkdtemp(prefix="grok-before-")
    children: dict[str, _Child] = {}
    try:
        why = _extract_before(folder)
        if why is not None:
            raise RuntimeError(why)
        log(cfg, f"[turn_overhead] {rounds} rounds: this tree vs {BEFORE}")
        with open(os.path.join(folder, "probe-stderr.log"), "w+") as errlog:
            children["now"] = _Child(ROOT, errlog)
            children["before"] = _Child(folder, errlog)
            names = list(children)
            for r in range(rounds):
                for pace, batch in dict.fromkeys((v.pace, v.batch) for v in variants):
                    # Cell by cell, the children take turns (the first rotating), so both
                    # see the same load from whatever else the machine runs.
                    got: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
                    for i in range(batch):
                        for name in names[(r + i) % 2:] + names[: (r + i) % 2]:
                            got[name].append(children[name].run(1, pace))
                    for v in variants:  # the same cells, read on each variant's spans
                        if (v.pace, v.batch) != (pace, batch):
                            continue
                        for name, replies in got.items():
                            v.take(name, {k: [x for rep in replies for x in rep[k]]
                                          for k in replies[0]})
                log(cfg, f"[turn_overhead] round {r + 1}/{rounds}: " + "; ".join(
                    f"{v.key.split('.')[1]} now {v.wall['now'].values[-1]:.2f} ms, before "
                    f"{v.wall['before'].values[-1]:.2f} ms" for v in variants))
    except (RuntimeError, ValueError) as exc:  # ValueError: a reply that is not JSON
        return [_unavailable(v, str(exc)) for v in variants]
    finally:
        for child in children.values():
            child.close()
        shutil.rmtree(folder, ignore_errors=True)
    return [v.row() for v in variants]


def _unavailable(v: _Variant, why: str) -> Row:
    row = _row(v.key, v.what, "%%grok, this tree", f"%%grok at {BEFORE}", v.target)
    row.note = f"not available: {why}"
    return row
