"""Shared pieces: the run configuration, interleaved repetitions, result rows, and for the
table-map groups an emulator process and the rows every limited run reports."""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import traceback
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "benchmarks", ".work")
API_KEY = "xai-bench-not-a-real-key-0000"
MODEL = "grok-4.20-0309-non-reasoning"  # a current model without hidden reasoning
MESSAGES = [{"role": "user", "content": "Say hello."}]


class Unavailable(Exception):
    """A subject that cannot be measured here (not written yet, not installed)."""


@dataclass
class Config:
    mode: str = "full"  # full | quick | smoke
    repeat: int = 5
    stream_sizes: tuple[int, int] = (2_000, 20_000)
    seq_requests: int = 200
    conc_requests: int = 500
    concurrency: int = 64
    answer_tokens: int = 20_000  # magic / panel
    memory_tokens: int = 1_000_000
    memory_lc_tokens: int = 50_000  # ChatGrok vs ChatXAI (ChatXAI is slow)
    memory_repeat: int = 1  # a high-water mark barely varies; 1M tokens takes a while
    emulator_chunks: int = 20_000
    import_repeat: int = 9  # fresh-process timings are noisy; the median needs more rounds
    install_jai: bool = True  # may create the jupyter-ai-magics venv
    verbose: bool = True

    @classmethod
    def for_mode(cls, mode: str, repeat: int | None = None) -> Config:
        if mode == "quick":
            cfg = cls(mode=mode, repeat=3, stream_sizes=(1_000, 5_000), seq_requests=50,
                      conc_requests=128, answer_tokens=20_000, memory_tokens=50_000,
                      memory_lc_tokens=5_000, memory_repeat=1, emulator_chunks=10_000,
                      import_repeat=3)
        elif mode == "smoke":
            cfg = cls(mode=mode, repeat=1, stream_sizes=(20, 50), seq_requests=3,
                      conc_requests=8, concurrency=4, answer_tokens=50, memory_tokens=2_000,
                      memory_lc_tokens=200,
                      memory_repeat=1, emulator_chunks=20, import_repeat=1,
                      install_jai=False, verbose=False)
        else:
            cfg = cls(mode=mode)
        if repeat is not None:
            cfg.repeat = repeat
        return cfg


@dataclass
class Row:
    """One line of RESULTS.md: subject vs baseline, as a median ratio."""

    key: str  # stable id, used by the smoke test
    group: str
    what: str  # what is measured
    subject: str
    baseline: str
    unit: str  # of the absolute figures
    target: str = ""  # e.g. ">= 0.7"; empty = reported only
    subject_value: float | None = None
    baseline_value: float | None = None
    ratio: float | None = None
    status: str = "n/a"  # PASS | MISS | info | n/a
    note: str = ""
    reps: int = 0

    def judge(self) -> None:
        if self.ratio is None or math.isnan(self.ratio):
            self.status = "n/a"
        elif not self.target:
            self.status = "info"
        else:
            # ">= 0.7": on the ratio; ">= 10000 abs": on the subject's absolute value
            op, num, *absolute = self.target.split()
            value = self.subject_value if absolute else self.ratio
            bound = float(num)
            ok = value is not None and (value >= bound if op == ">=" else value <= bound)
            self.status = "PASS" if ok else "MISS"


@dataclass
class Series:
    """Repeated measurements of one subject; ``error`` when it could not run."""

    values: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def log(cfg: Config, msg: str) -> None:
    if cfg.verbose:
        print(msg, file=sys.stderr, flush=True)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, Unavailable):
        return str(exc)
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ").replace("|", "/")
    return text if len(text) < 160 else text[:157] + "..."


def interleave(
    cfg: Config,
    subjects: dict[str, Callable[[], float] | BaseException],
    repeat: int | None = None,
    warmup: bool = True,
) -> dict[str, Series]:
    """Run each available subject ``repeat`` times, rotating the order every round.

    A subject is a zero-argument callable returning one figure, or the
    exception that prevented building it. A subject that raises is dropped
    from later rounds and keeps the error.
    """
    reps = cfg.repeat if repeat is None else repeat
    out = {name: Series() for name in subjects}
    live: list[str] = []
    for name, fn in subjects.items():
        if isinstance(fn, BaseException):
            out[name].error = describe_error(fn)
        else:
            live.append(name)

    def once(name: str) -> float | None:
        fn = subjects[name]
        assert callable(fn)
        gc.collect()
        try:
            return fn()
        except Exception as exc:
            if cfg.verbose:
                traceback.print_exc()
            out[name].error = describe_error(exc)
            return None

    if warmup:
        for name in list(live):
            if once(name) is None:
                live.remove(name)
    for r in range(reps):
        order = live[r % len(live):] + live[: r % len(live)] if live else []
        for name in order:
            if name not in live:
                continue
            value = once(name)
            if value is None:
                live.remove(name)
                out[name].values.clear()
            else:
                out[name].values.append(value)
    return out


def fill(row: Row, results: dict[str, Series], subject: str, baseline: str,
         note: str = "") -> Row:
    """Set the row's medians and its ratio (median of per-round ratios)."""
    s, b = results.get(subject), results.get(baseline)
    notes = [note] if note else []
    if s is None or s.error or not s.values:
        notes.append(f"not available: {s.error if s else 'not measured'}")
    elif b is None or b.error or not b.values:
        notes.append(f"baseline not available: {b.error if b else 'not measured'}")
    else:
        pairs = [x / y for x, y in zip(s.values, b.values, strict=False) if y]
        row.ratio = statistics.median(pairs) if pairs else None
        row.reps = len(pairs)
        if len(pairs) > 1:  # the spread shows how much a borderline result means
            notes.append(f"rounds {min(pairs):.2f}-{max(pairs):.2f}x")
    if s is not None and s.values:
        row.subject_value = s.median
    if b is not None and b.values:
        row.baseline_value = b.median
    row.note = "; ".join(notes)
    row.judge()
    return row


def versions(names: Iterable[str]) -> str:
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return ", ".join(parts)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = ""
    return (f"{os.cpu_count()} cores ({cpu}){load}; Python {platform.python_version()} "
            f"on {platform.system()} {platform.release()}")


PACKAGES = ("grok-jupyter", "httpx", "httpx-sse", "httpx2", "openai", "langchain-core",
            "langchain-xai", "langchain-openai", "ipython", "ipywidgets", "pydantic",
            "uvicorn", "starlette")


# --- the table-map groups (map_rows.py, cluster.py) ------------------------------------


class EmulatorProcess:
    """``python -m grok_jupyter.emulator --port 0 ARGS`` in its own process, so the
    emulator's work does not share the subject's GIL; its admin routes by name."""

    def __init__(self, *args: str) -> None:
        cmd = [sys.executable, "-m", "grok_jupyter.emulator", "--port", "0", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)  # fmt: skip
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("XAI_BASE_URL="):
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.base = line.strip().split("=", 1)[1]
        self.admin = self.base.removesuffix("/v1") + "/_emulator"

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.admin}/{path}", timeout=60) as r:
            return json.loads(r.read())

    def reset(self) -> None:
        req = urllib.request.Request(self.admin + "/reset", data=b"{}", method="POST")
        urllib.request.urlopen(req, timeout=30).read()

    def chat_requests(self) -> int:
        """Chat requests received since the start or the last reset (429s included)."""
        return sum(1 for r in self._get("requests") if r["path"].endswith("/chat/completions"))

    def billing(self) -> dict[str, int]:
        """``{"ticks": ..., "calls": ...}`` billed since the start or the last reset."""
        return self._get("billing")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def limit_rows(group: str, prefix: str, scope: str, runs: dict[str, tuple[int, float]],
               missing: str, note: str = "") -> list[Row]:  # fmt: skip
    """Two rows over ``runs`` (label -> (rows failed, share of requests answered 429)):
    the most rows failed (target 0) and the largest 429 share (target under 5%)."""
    failed = Row(key=f"{prefix}.failed_rows", group=group, what=f"rows without an answer "
                 f"({scope})", subject="map_rows", baseline="—", unit="rows",
                 target="<= 0 abs")  # fmt: skip
    share = Row(key=f"{prefix}.rate_limited_share", group=group, what="requests answered 429, "
                f"% of requests received ({scope})", subject="map_rows", baseline="—",
                unit="%", target="<= 5 abs")  # fmt: skip
    if not runs:
        failed.note = share.note = missing
    else:
        most = max(runs, key=lambda label: runs[label][0])
        failed.subject_value = failed.ratio = float(runs[most][0])
        failed.note = "; ".join(x for x in (f"worst: {most}", note) if x)
        worst = max(runs, key=lambda label: runs[label][1])
        share.subject_value = share.ratio = runs[worst][1] * 100
        share.note = f"worst: {worst}"
        failed.reps = share.reps = len(runs)
    failed.judge()
    share.judge()
    return [failed, share]
