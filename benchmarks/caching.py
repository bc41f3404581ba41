"""Prompt caching in the magic: a 10-turn ``%%grok --chat`` conversation against the emulator.

With the conversation id (``x-grok-conv-id`` on chat, ``prompt_cache_key`` on the
Responses API, which the magic uses by default since issue 19; sent by every named
conversation) the emulator reports the repeated prefix as ``cached_tokens`` and
bills it at the cached rate; the baseline is the same 10 turns with the id removed
(and, on the Responses API, no ``previous_response_id`` chaining, also a cache hit). Both runs
are in one child process (``benchmarks._cacheprobe``), on one emulator, and are
read off the shared ledger, exactly what ``%grok usage`` shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ._harness import ROOT, Config, Row, Unavailable, log

GROUP = "Prompt caching (10-turn %%grok conversation, emulator)"
KEYS = ["caching.cached_share", "caching.usd_ratio"]


def _probe(turns: int, words: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks._cacheprobe", str(turns), str(words)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k not in ("XAI_API_KEY", "XAI_BASE_URL")},
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"cache probe failed: {last[:140]}")
    return json.loads(lines[-1])


def run(cfg: Config) -> list[Row]:
    turns = 10 if cfg.mode != "smoke" else 3
    words = 3_000 if cfg.mode != "smoke" else 200
    try:
        data = _probe(turns, words)
    except Unavailable as exc:
        log(cfg, f"[caching] {exc}")
        return []
    with_id, without = data["with_id"], data["without_id"]
    share = Row(key="caching.cached_share", group=GROUP,
                what=f"{turns} turns, a {words:,}-word document in turn 1",
                subject="cached tokens (with conv id)", baseline="repeated prompt tokens",
                unit="tokens", target=">= 0.8",
                subject_value=with_id["cached"], baseline_value=with_id["repeated"])
    share.ratio = with_id["cached"] / with_id["repeated"] if with_id["repeated"] else None
    via = " and ".join(data.get("paths", [])) or "?"
    share.note = f"without the id: {without['cached']:,} cached; turns via {via}"
    usd = Row(key="caching.usd_ratio", group=GROUP,
              what=f"{turns} turns, a {words:,}-word document in turn 1",
              subject="billed USD with conv id", baseline="billed USD without it", unit="USD",
              target="<= 0.5", subject_value=with_id["usd"], baseline_value=without["usd"])
    usd.ratio = with_id["usd"] / without["usd"] if without["usd"] else None
    usd.note = f"cache saved ${with_id['savings']:.4f} (ledger)"
    for row in (share, usd):
        row.reps = 1
        row.judge()
    return [share, usd]
