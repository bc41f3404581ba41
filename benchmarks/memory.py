"""Peak memory streaming a very long answer, each subject in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys

from ._harness import ROOT, Config, Row, Series, fill, log
from ._sse_server import SSEServer

GROUP = "Peak memory streaming a long answer (fresh process per run; RSS)"
_PAIRS = [
    ("grok_vs_bare", "GrokClient.stream", "bare httpx"),
    ("chatgrok_vs_bare", "ChatGrok.stream", "bare httpx"),
]
KEYS = [f"memory.{p[0]}" for p in _PAIRS] + ["memory.chatgrok_vs_chatxai"]


def _probe(subject: str, base: str, n: int) -> tuple[float, float, float]:
    out = subprocess.run([sys.executable, "-m", "benchmarks._memprobe", subject, base, str(n)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(last[:160])
    before, peak, rate = out.stdout.split()[-3:]
    return float(before), float(peak), float(rate)


def _measure(cfg: Config, base: str, n: int, subjects: tuple[str, ...]
             ) -> tuple[dict[str, Series], dict[str, Series], dict[str, Series]]:
    peak = {s: Series() for s in subjects}
    growth = {s: Series() for s in subjects}
    rates = {s: Series() for s in subjects}
    for r in range(cfg.memory_repeat):
        for s in subjects[r % len(subjects):] + subjects[: r % len(subjects)]:
            if peak[s].error:
                continue
            try:
                before, top, rate = _probe(s, base, n)
            except Exception as exc:
                msg = str(exc)
                if "Unavailable" in msg:
                    msg = msg.split(":", 1)[-1].strip()
                for d in (peak, growth, rates):
                    d[s].error = msg
                    d[s].values.clear()
                continue
            peak[s].values.append(top / 2**20)
            growth[s].values.append(max(top - before, 0) / 2**20)
            rates[s].values.append(rate)
    return peak, growth, rates


def _extra(row: Row, growth: dict[str, Series], rates: dict[str, Series], subject: str,
           baseline: str) -> None:
    g_s, g_b = growth[subject].median, growth[baseline].median
    if g_s is not None and g_b is not None:
        extra = (f"growth during the stream: {g_s:.1f} MiB vs {g_b:.1f} MiB; "
                 f"{rates[subject].median:,.0f} vs {rates[baseline].median:,.0f} chunks/s")
        row.note = f"{row.note}; {extra}" if row.note else extra


def run(cfg: Config, server: SSEServer) -> list[Row]:
    n = cfg.memory_tokens
    log(cfg, f"[memory] {n:,} tokens, {cfg.memory_repeat} round(s)")
    subjects = ("bare httpx", "GrokClient.stream", "ChatGrok.stream")
    peak, growth, rates = _measure(cfg, server.url(n), n, subjects)
    rows = []
    for suffix, subject, baseline in _PAIRS:
        row = Row(key=f"memory.{suffix}", group=GROUP, what=f"peak RSS, {n:,}-token stream",
                  subject=subject, baseline=baseline, unit="MiB")
        fill(row, peak, subject, baseline)
        _extra(row, growth, rates, subject, baseline)
        rows.append(row)
    # LangChain keeps every chunk of a stream (BaseChatModel.stream merges them at the
    # end), so compare ChatGrok's growth with ChatXAI's, on a shorter stream.
    m = cfg.memory_lc_tokens
    log(cfg, f"[memory] ChatGrok vs ChatXAI, {m:,} tokens")
    peak, growth, rates = _measure(cfg, server.url(m), m, ("ChatGrok.stream", "ChatXAI.stream"))
    row = Row(key="memory.chatgrok_vs_chatxai", group=GROUP,
              what=f"RSS growth during a {m:,}-token stream", subject="ChatGrok.stream",
              baseline="ChatXAI.stream", unit="MiB")
    fill(row, growth, "ChatGrok.stream", "ChatXAI.stream")
    if peak["ChatGrok.stream"].median and peak["ChatXAI.stream"].median:
        row.note = (f"peak RSS {peak['ChatGrok.stream'].median:.0f} vs "
                    f"{peak['ChatXAI.stream'].median:.0f} MiB; "
                    f"{rates['ChatGrok.stream'].median:,.0f} vs "
                    f"{rates['ChatXAI.stream'].median:,.0f} chunks/s")
    rows.append(row)
    return rows
