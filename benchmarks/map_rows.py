"""map_rows at a rate limit and a real answer time, against hand-written gather loops.

The emulator runs in its own process with a smooth request limit
(``--rate-window smooth``: a token bucket refilled at rpm/60 a second holding one
second's worth) and a fixed answer time (``--speed answer_s=S``: every answer
takes S seconds from the request's arrival). The floor is rows / rate: no
client can finish sooner than the limit lets requests start (the last answer's
own time comes on top). Each cell of the grid (600 and 6,000 requests a
minute; answers of 0.5, 2 and 5 s) maps enough rows for a floor of 20-45 s.

Peers, in the same run against the same emulator: ``asyncio.gather`` over
``AsyncOpenAI`` with a semaphore of 64 and its own retries, and
``ChatXAI.abatch`` at ``max_concurrency=64``. A semaphore of 64 caps them at 64
/ answer time requests a second, so where that is far under the limit they run
on fewer rows (at most ``PEER_CAP_S`` at their best rate); their figure is
still wall / their own floor. The 429 share is (requests the emulator received
- rows answered) / requests received, counted the same way for every subject.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._harness import API_KEY, MODEL, Config, EmulatorProcess, Row, describe_error, limit_rows, log

GROUP = (
    "Table map (map_rows at an emulator rate limit and answer time; emulator in its own process)"
)
RPMS = (600, 6000)
ANSWERS = (0.5, 2.0, 5.0)
FLOOR_S = {0.5: 20.0, 2.0: 25.0, 5.0: 45.0}  # the last answer's time matters less in longer runs
PEER_CAP_S = 60.0
BASELINE_CONCURRENCY = 64
GRID = [(rpm, answer) for rpm in RPMS for answer in ANSWERS]
PEERS = ("AsyncOpenAI", "ChatXAI.abatch")
SMOKE_CELL = (600, 0.5)
PAIR_CELL = (6000, 2.0)  # where the peers are compared with map_rows in a row of their own


def _limit_args(rpm: int, answer_s: float | None = None) -> list[str]:
    """The emulator's smooth request limit and, if given, its fixed answer time."""
    args = ["--rpm", str(rpm), "--rate-window", "smooth"]
    return [*args, "--speed", f"answer_s={answer_s:g}"] if answer_s else args


def grid_key(rpm: int, answer: float) -> str:
    return f"map.floor_{rpm}rpm_{answer:g}s"


KEYS = [
    *(grid_key(*cell) for cell in GRID),
    "map.failed_rows",
    "map.rate_limited_share",
    "map.vs_asyncopenai",
    "map.vs_chatxai",
    "map.rerun_requests",
    "map.rerun_wall",
]


@dataclass
class Measure:
    rows: int
    wall: float
    floor: float
    failed: int
    share: float  # requests answered 429, of those received

    @property
    def ratio(self) -> float:
        return self.wall / self.floor

    def brief(self) -> str:
        return (
            f"{self.ratio:.2f}x floor on {self.rows:,} rows, {self.share:.1%} 429s, "
            f"{self.failed} failed"
        )


def _prompts(n: int) -> list[str]:
    return [f"Label review number {i}: the product arrived and works." for i in range(n)]


def _measure(
    emu: EmulatorProcess, rpm: int, prompts: list[str], run: Callable[[list[str]], list[Any]]
) -> Measure:
    emu.reset()
    t0 = time.perf_counter()
    answers = run(prompts)
    wall = time.perf_counter() - t0
    if len(answers) != len(prompts):
        raise RuntimeError(f"{len(answers)} answers for {len(prompts)} rows")
    failed = sum(1 for a in answers if not a)
    received = emu.chat_requests()
    answered = len(prompts) - failed
    share = (received - answered) / received if received else 0.0
    return Measure(len(prompts), wall, len(prompts) / (rpm / 60), failed, share)


def _map_rows(emu: EmulatorProcess) -> Callable[[list[str]], list[Any]]:
    from grok_jupyter import map_rows
    from grok_jupyter.client import AsyncGrokClient

    def run(prompts: list[str]) -> list[Any]:
        client = AsyncGrokClient(api_key=API_KEY, base_url=emu.base)
        out = map_rows(
            [{"review": p} for p in prompts],
            "{review}",
            client=client,
            model=MODEL,
            cache=False,
            progress=False,
            on_error="keep",
        )
        return [r["answer"] if r["_error"] is None else None for r in out]

    return run


def _openai(emu: EmulatorProcess) -> Callable[[list[str]], list[Any]]:
    import openai

    async def go(prompts: list[str]) -> list[Any]:
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

    return lambda prompts: asyncio.run(go(prompts))


def _chatxai(emu: EmulatorProcess) -> Callable[[list[str]], list[Any]]:
    from langchain_xai import ChatXAI

    def run(prompts: list[str]) -> list[Any]:
        llm = ChatXAI(model=MODEL, xai_api_key=API_KEY, xai_api_base=emu.base)  # own retries
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = asyncio.run(
                llm.abatch(
                    prompts,
                    config={"max_concurrency": BASELINE_CONCURRENCY},
                    return_exceptions=True,
                )  # a row whose retries are spent fails alone
            )
        return [None if isinstance(m, BaseException) else m.content for m in out]

    return run


def _cell(cfg: Config, rpm: int, answer: float) -> dict[str, Measure | str]:
    """One grid cell: map_rows on every row, each peer on as many as it can in its cap."""
    rate = rpm / 60
    n = 20 if cfg.mode == "smoke" else int(FLOOR_S[answer] * rate)
    peer_rate = min(rate, BASELINE_CONCURRENCY / answer)
    n_peer = n if cfg.mode == "smoke" else min(n, int(PEER_CAP_S * peer_rate))
    log(cfg, f"[map] {rpm} rpm, answers {answer:g} s: map_rows {n} rows, peers {n_peer} rows")
    out: dict[str, Measure | str] = {}
    emu = EmulatorProcess(*_limit_args(rpm, answer))
    try:
        prompts = _prompts(n)
        for name, factory, rows in (
            ("map_rows", _map_rows, prompts),
            ("AsyncOpenAI", _openai, prompts[:n_peer]),
            ("ChatXAI.abatch", _chatxai, prompts[:n_peer]),
        ):
            try:
                out[name] = _measure(emu, rpm, rows, factory(emu))
            except Exception as exc:
                out[name] = describe_error(exc)
    finally:
        emu.close()
    return out


def run(cfg: Config) -> list[Row]:
    cells = [SMOKE_CELL] if cfg.mode == "smoke" else GRID
    results = {cell: _cell(cfg, *cell) for cell in cells}
    rows = [_grid_row(cfg, cell, results.get(cell)) for cell in GRID]
    rows += _worst_rows(results)
    rows += [
        _pair_row(results.get(PAIR_CELL), peer, key)
        for peer, key in zip(PEERS, ("map.vs_asyncopenai", "map.vs_chatxai"), strict=True)
    ]
    rows += _rerun_rows(_rerun(cfg))
    return rows


def _grid_row(cfg: Config, cell: tuple[int, float], got: dict[str, Any] | None) -> Row:
    rpm, answer = cell
    what = f"{rpm:,} rpm, {answer:g} s answers: wall / floor (rows / rate)"
    row = Row(grid_key(rpm, answer), GROUP, what, "map_rows", "floor", "s wall", "<= 1.15")
    if got is None:
        row.note = "not available: skipped in smoke mode (the full grid takes about 12 minutes)"
    elif not isinstance(got.get("map_rows"), Measure):
        row.note = f"not available: {got.get('map_rows')}"
    else:
        m: Measure = got["map_rows"]
        row.subject_value, row.baseline_value, row.ratio, row.reps = m.wall, m.floor, m.ratio, 1
        peers = "; ".join(
            f"{p}: {got[p].brief() if isinstance(got.get(p), Measure) else got.get(p)}"
            for p in PEERS
        )
        row.note = (
            f"{m.rows:,} rows, floor {m.floor:.1f} s; {m.share:.1%} 429s, {m.failed} "
            f"failed; {peers}"
        )
    row.judge()
    return row


def _worst_rows(results: dict[tuple[int, float], dict[str, Any]]) -> list[Row]:
    def measured(name: str) -> dict[str, Measure]:
        return {f"{rpm:,} rpm, {answer:g} s answers": got[name]
                for (rpm, answer), got in results.items()
                if isinstance(got.get(name), Measure)}  # fmt: skip

    mine = {cell: (m.failed, m.share) for cell, m in measured("map_rows").items()}
    peers = ", ".join(
        f"{p} {max((m.failed for m in measured(p).values()), default=0)}" for p in PEERS
    )
    return limit_rows(GROUP, "map", "worst cell of the grid", mine,
                      "not available: no cell measured", f"peers' most: {peers}")  # fmt: skip


def _pair_row(got: dict[str, Any] | None, peer: str, key: str) -> Row:
    rpm, answer = PAIR_CELL
    what = f"{rpm:,} rpm, {answer:g} s answers: peer's wall / floor over map_rows'"
    row = Row(key, GROUP, what, "map_rows", f"{peer} (64 at a time)", "x floor", ">= 1")
    m, p = (got or {}).get("map_rows"), (got or {}).get(peer)
    if got is None:
        row.note = "not available: skipped in smoke mode"
    elif not isinstance(m, Measure) or not isinstance(p, Measure):
        row.note = f"not available: {m if not isinstance(m, Measure) else p}"
    else:
        row.subject_value, row.baseline_value = m.ratio, p.ratio
        row.ratio, row.reps = p.ratio / m.ratio, 1
        row.note = f"{peer}: {p.brief()}; map_rows: {m.brief()}"
    row.judge()
    return row


def _rerun(cfg: Config) -> dict[str, Any]:
    """Map once into a fresh cache, then again: the second run's requests and time."""
    from grok_jupyter import map_rows
    from grok_jupyter.client import AsyncGrokClient

    n = 20 if cfg.mode == "smoke" else 1000
    emu = EmulatorProcess(*_limit_args(60_000))
    try:
        client = AsyncGrokClient(api_key=API_KEY, base_url=emu.base)
        rows = [{"review": p} for p in _prompts(n)]
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "map.sqlite")
            map_rows(rows, "{review}", client=client, model=MODEL, cache=path, progress=False)
            emu.reset()
            t0 = time.perf_counter()
            out = map_rows(rows, "{review}", client=client, model=MODEL, cache=path, progress=False)
            dt = time.perf_counter() - t0
            sent = emu.chat_requests()
        if out.report.cached != n:
            raise RuntimeError(f"only {out.report.cached}/{n} rows came from the cache")
        return {"wall": dt, "requests": sent, "rows": n}
    except Exception as exc:
        return {"error": describe_error(exc)}
    finally:
        emu.close()


def _rerun_rows(rerun: dict[str, Any]) -> list[Row]:
    n = rerun.get("rows", 1000)
    a = Row("map.rerun_requests", GROUP, f"re-run of the same {n:,} rows: requests",
              "map_rows (cached)", "—", "requests", "<= 0 abs")  # fmt: skip
    b = Row("map.rerun_wall", GROUP, f"re-run of the same {n:,} rows: wall time",
              "map_rows (cached)", "—", "s wall", "<= 1 abs")  # fmt: skip
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
