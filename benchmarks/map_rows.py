"""map_rows over a table at an emulator rate limit, against hand-written gather loops.

The emulator runs in its own process. The 1,000-row case uses its smooth
request limit (``serve(rate_window="smooth")``: a token bucket refilled at
rpm/60 a second holding one second's worth), so the limit's floor (rows / rate)
binds; under the default sliding minute a fresh window would admit the whole
table at once. The binding case at 300 rpm keeps the sliding minute. The
emulator's limit and request log are reset before every measured run, so each
subject starts from the same full limit. Every subject maps the same distinct prompts; the 429
share is (requests the emulator received - rows) / requests received, the
same count for every subject.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable
from typing import Any

from ._harness import API_KEY, MODEL, Config, Row, Series, describe_error, interleave, log

GROUP = "Table map (map_rows over a table at an emulator rpm limit; emulator in its own process)"
RPM = 6000
BASELINE_CONCURRENCY = 64
KEYS = [
    "map.wall_vs_floor",
    "map.rate_limited_share",
    "map.failed_rows",
    "map.vs_asyncopenai",
    "map.vs_chatxai",
    "map.rerun_requests",
    "map.rerun_wall",
    "map.binding_wall",
    "map.binding_429",
]
BINDING_RPM, BINDING_ROWS = 300, 400  # the limit binds: 100 rows wait for the window


class _Emulator:
    """``python -m grok_jupyter.emulator --rpm N --rate-window ...`` in its own process,
    so the emulator's work does not share the subject's GIL."""

    def __init__(self, rpm: int, rate_window: str = "sliding") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grok_jupyter.emulator", "--port", "0",
             "--rpm", str(rpm), "--rate-window", rate_window],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("XAI_BASE_URL="):
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.base = line.strip().split("=", 1)[1]
        self.admin = self.base.removesuffix("/v1") + "/_emulator"

    def reset(self) -> None:
        req = urllib.request.Request(self.admin + "/reset", data=b"{}", method="POST")
        urllib.request.urlopen(req, timeout=30).read()

    def chat_requests(self) -> int:
        with urllib.request.urlopen(self.admin + "/requests", timeout=60) as r:
            return sum(1 for x in json.loads(r.read()) if x["path"].endswith("/chat/completions"))

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _prompts(n: int) -> list[str]:
    return [f"Label review number {i}: the product arrived and works." for i in range(n)]


class _Stats:
    """Per subject, one entry a measured run: the 429 share and the rows without an answer."""

    def __init__(self) -> None:
        self.shares: list[float] = []
        self.failed: list[int] = []


def _timed(emu: _Emulator, n: int, run: Callable[[], Any], stats: _Stats) -> float:
    """Reset the emulator, run, count the rows without an answer, note the 429 share."""
    emu.reset()
    t0 = time.perf_counter()
    answers = run()
    dt = time.perf_counter() - t0
    if len(answers) != n:
        raise RuntimeError(f"{len(answers)} answers for {n} rows")
    failed = sum(1 for a in answers if not a)
    received = emu.chat_requests()
    answered = n - failed
    stats.failed.append(failed)
    # requests that got no answer: 429s (a failed row's last 429 counts too)
    stats.shares.append((received - answered) / received if received else 0.0)
    return dt


def _map_rows_subject(emu: _Emulator, n: int, stats: _Stats) -> Callable[[], float]:
    from grok_jupyter import map_rows
    from grok_jupyter.client import AsyncGrokClient

    client = AsyncGrokClient(api_key=API_KEY, base_url=emu.base)
    rows = [{"review": p} for p in _prompts(n)]

    def run() -> list[Any]:
        out = map_rows(
            rows,
            "{review}",
            client=client,
            model=MODEL,
            cache=False,
            progress=False,
            on_error="keep",
        )
        return [r["answer"] if r["_error"] is None else None for r in out]

    return lambda: _timed(emu, n, run, stats)


def _openai_subject(emu: _Emulator, n: int, stats: _Stats) -> Callable[[], float]:
    import openai

    prompts = _prompts(n)

    async def go() -> list[Any]:
        client = openai.AsyncOpenAI(api_key=API_KEY, base_url=emu.base)  # its own retries
        sem = asyncio.Semaphore(BASELINE_CONCURRENCY)

        async def one(p: str) -> Any:
            async with sem:
                try:
                    r = await client.chat.completions.create(
                        model=MODEL, messages=[{"role": "user", "content": p}]
                    )
                except openai.APIError:
                    return None  # retries spent: the row failed
                return r.choices[0].message.content

        try:
            return await asyncio.gather(*(one(p) for p in prompts))
        finally:
            await client.close()

    return lambda: _timed(emu, n, lambda: asyncio.run(go()), stats)


def _chatxai_subject(emu: _Emulator, n: int, stats: _Stats) -> Callable[[], float]:
    from langchain_xai import ChatXAI

    prompts = _prompts(n)

    def run() -> list[Any]:
        llm = ChatXAI(model=MODEL, xai_api_key=API_KEY, xai_api_base=emu.base)  # own retries
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = asyncio.run(
                llm.abatch(
                    prompts,
                    config={"max_concurrency": BASELINE_CONCURRENCY},
                    return_exceptions=True,  # a row whose retries are spent fails alone
                )
            )
        return [None if isinstance(m, BaseException) else m.content for m in out]

    return lambda: _timed(emu, n, run, stats)


def _subject(factory: Callable[..., Callable[[], float]], *args: Any) -> Any:
    try:
        return factory(*args)
    except Exception as exc:
        return exc


def run(cfg: Config) -> list[Row]:
    n = 20 if cfg.mode == "smoke" else 1000
    floor = n / (RPM / 60)  # seconds: the limit's rate, 100 requests a second
    reps = 1 if cfg.mode == "smoke" else min(cfg.repeat, 3)
    log(
        cfg,
        f"[map] {n} rows at {RPM} rpm (smooth limit), {reps} rounds; emulator in its own process",
    )
    emu = _Emulator(RPM, "smooth")
    stats = {name: _Stats() for name in ("map_rows", "AsyncOpenAI", "ChatXAI.abatch")}
    try:
        subjects = {
            "map_rows": _subject(_map_rows_subject, emu, n, stats["map_rows"]),
            "AsyncOpenAI": _subject(_openai_subject, emu, n, stats["AsyncOpenAI"]),
            "ChatXAI.abatch": _subject(_chatxai_subject, emu, n, stats["ChatXAI.abatch"]),
        }
        results = interleave(cfg, subjects, repeat=reps, warmup=cfg.mode != "smoke")
        rerun = _rerun(emu, n)
    finally:
        emu.close()
    rows = []
    m = results["map_rows"]
    note = (
        f"floor {floor:g} s = {n} rows at {RPM} rpm; the emulator's smooth limit (a token "
        f"bucket of {RPM // 60} refilled at {RPM // 60}/s) makes the floor bind"
    )
    rows.append(
        _abs_row(
            "map.wall_vs_floor",
            f"{n} rows, wall time / limit floor",
            "map_rows",
            f"floor {floor:g} s",
            "s wall",
            m,
            floor,
            "<= 1.15",
            note,
        )
    )
    mine = stats["map_rows"]
    r = Row(
        key="map.rate_limited_share",
        group=GROUP,
        what="requests answered 429 (% of requests sent, worst run)",
        subject="map_rows",
        baseline="—",
        unit="%",
        target="<= 5 abs",
    )
    if m.error or not mine.shares:
        r.note = f"not available: {m.error or 'not measured'}"
    else:
        r.subject_value = r.ratio = max(mine.shares) * 100
        r.reps = len(mine.shares)
        r.note = "baselines: " + ", ".join(
            f"{k} {max(v.shares):.1%}" for k, v in stats.items() if k != "map_rows" and v.shares
        )
    r.judge()
    rows.append(r)
    f = Row(
        key="map.failed_rows",
        group=GROUP,
        what=f"{n} rows: rows without an answer (worst run)",
        subject="map_rows",
        baseline="—",
        unit="rows",
        target="<= 0 abs",
    )
    if m.error or not mine.failed:
        f.note = f"not available: {m.error or 'not measured'}"
    else:
        f.subject_value = f.ratio = float(max(mine.failed))
        f.reps = len(mine.failed)
        f.note = "baselines: " + ", ".join(
            f"{k} {max(v.failed)}" for k, v in stats.items() if k != "map_rows" and v.failed
        )
    f.judge()
    rows.append(f)
    for key, base in (("map.vs_asyncopenai", "AsyncOpenAI"), ("map.vs_chatxai", "ChatXAI.abatch")):
        row = _pair_row(key, n, results, base)
        b = stats[base]
        if b.shares:
            extra = f"{base}: {max(b.shares):.1%} answered 429, up to {max(b.failed)} rows failed"
            row.note = f"{row.note}; {extra}" if row.note else extra
        rows.append(row)
    rows.extend(_rerun_rows(rerun, n))
    rows.extend(_binding_rows(cfg))
    return rows


def _binding(rpm: int, n: int) -> dict[str, Any]:
    """One run each of map_rows and the AsyncOpenAI gather loop where the limit binds."""
    emu = _Emulator(rpm)
    out: dict[str, Any] = {}
    try:
        for name, factory in (("map_rows", _map_rows_subject), ("AsyncOpenAI", _openai_subject)):
            stats = _Stats()
            try:
                out[name] = (factory(emu, n, stats)(), stats.shares[0])
            except Exception as exc:
                out[name] = describe_error(exc)
    finally:
        emu.close()
    return out


def _binding_rows(cfg: Config) -> list[Row]:
    n, rpm = BINDING_ROWS, BINDING_RPM
    floor = 60.0 * ((n - 1) // rpm)  # a sliding minute: the rows past the limit wait for it
    wall = Row(
        key="map.binding_wall",
        group=GROUP,
        what=f"{n} rows at {rpm} rpm (the limit binds): wall time / floor",
        subject="map_rows",
        baseline=f"floor {floor:g} s",
        unit="s wall",
    )
    share = Row(
        key="map.binding_429",
        group=GROUP,
        what=f"{n} rows at {rpm} rpm: requests answered 429 (% of requests sent)",
        subject="map_rows",
        baseline="—",
        unit="%",
        target="<= 5 abs",
    )
    if cfg.mode == "smoke":
        for row in (wall, share):
            row.note = "not available: skipped in smoke mode (it waits a minute)"
        return [wall, share]
    log(cfg, f"[map] {n} rows at {rpm} rpm: the limit binds (about a minute a subject)")
    got = _binding(rpm, n)
    m, o = got.get("map_rows"), got.get("AsyncOpenAI")
    if isinstance(m, tuple):
        wall.subject_value, wall.baseline_value = m[0], floor
        wall.ratio = m[0] / floor
        share.subject_value = share.ratio = m[1] * 100
        wall.reps = share.reps = 1
        base = (
            f"AsyncOpenAI at concurrency {BASELINE_CONCURRENCY}: {o[0]:.1f} s, "
            f"{o[1]:.1%} answered 429"
            if isinstance(o, tuple)
            else f"AsyncOpenAI: {o}"
        )
        wall.note = share.note = base
    else:
        wall.note = share.note = f"not available: {m}"
    wall.judge()
    share.judge()
    return [wall, share]


def _abs_row(
    key: str,
    what: str,
    subject: str,
    baseline: str,
    unit: str,
    s: Series,
    base_value: float,
    target: str,
    note: str,
) -> Row:
    row = Row(
        key=key,
        group=GROUP,
        what=what,
        subject=subject,
        baseline=baseline,
        unit=unit,
        target=target,
    )
    if s.error or not s.values:
        row.note = f"not available: {s.error or 'not measured'}"
    else:
        row.subject_value = s.median
        row.baseline_value = base_value
        row.ratio = s.median / base_value
        row.reps = len(s.values)
        row.note = note + f"; rounds {min(s.values):.2f}-{max(s.values):.2f} s"
    row.judge()
    return row


def _pair_row(key: str, n: int, results: dict[str, Series], base: str) -> Row:
    from ._harness import fill

    row = Row(
        key=key,
        group=GROUP,
        what=f"{n} rows, wall time (baseline at concurrency "
        f"{BASELINE_CONCURRENCY}, its own retries)",
        subject="map_rows",
        baseline=base,
        unit="s wall",
    )
    return fill(row, results, "map_rows", base)


def _rerun(emu: _Emulator, n: int) -> dict[str, Any]:
    """Map once into a fresh cache, then again: the second run's requests and time."""
    from grok_jupyter import map_rows
    from grok_jupyter.client import AsyncGrokClient

    try:
        client = AsyncGrokClient(api_key=API_KEY, base_url=emu.base)
        rows = [{"review": p} for p in _prompts(n)]
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "map.sqlite")
            emu.reset()
            map_rows(rows, "{review}", client=client, model=MODEL, cache=path, progress=False)
            emu.reset()
            t0 = time.perf_counter()
            out = map_rows(rows, "{review}", client=client, model=MODEL, cache=path, progress=False)
            dt = time.perf_counter() - t0
            sent = emu.chat_requests()
        if out.report.cached != n:
            raise RuntimeError(f"only {out.report.cached}/{n} rows came from the cache")
        return {"wall": dt, "requests": sent}
    except Exception as exc:
        return {"error": describe_error(exc)}


def _rerun_rows(rerun: dict[str, Any], n: int) -> list[Row]:
    a = Row(
        key="map.rerun_requests",
        group=GROUP,
        what=f"re-run of the same {n} rows: requests",
        subject="map_rows (cached)",
        baseline="—",
        unit="requests",
        target="<= 0 abs",
    )
    b = Row(
        key="map.rerun_wall",
        group=GROUP,
        what=f"re-run of the same {n} rows: wall time",
        subject="map_rows (cached)",
        baseline="—",
        unit="s wall",
        target="<= 1 abs",
    )
    if "error" in rerun:
        for row in (a, b):
            row.note = f"not available: {rerun['error']}"
    else:
        a.subject_value = a.ratio = float(rerun["requests"])
        b.subject_value = b.ratio = rerun["wall"]
        a.reps = b.reps = 1
    a.judge()
    b.judge()
    return [a, b]
