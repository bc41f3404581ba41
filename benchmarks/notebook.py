"""Display cost of the ``%%grok`` magic and the ``ChatPanel`` for a long answer.

Measured in a child process (``_nbprobe``) so the shell, display hooks and
comms it installs stay out of the other figures. The magic and the panel run with
their default settings, so their turns take the API the engine picks (the
Responses API since issue 19); the bare-stream baseline streams the same answer
on that same API, so the ratio is the display's cost, not one wire's against another.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys

from ._harness import ROOT, Config, Row, Series, fill, log
from ._nbprobe import BARE
from ._sse_server import SSEServer

GROUP = "Notebook display cost (CPU per token, process_time; display/widget messages)"
RATE = 10.0  # updates per second the throttles allow (interval 0.1 s)
KEYS = ["notebook.magic_cpu", "notebook.magic_updates", "notebook.panel_cpu",
        "notebook.panel_vs_stream", "notebook.panel_messages", "notebook.display_bytes",
        "notebook.display_gap"]


def _words(cfg: Config) -> int:
    return 500 if cfg.mode == "smoke" else 50_000


def _probe(cfg: Config, base: str, n: int) -> dict:
    out = subprocess.run(
        # runs are short (a fraction of a second), so 3x the rounds for stabler medians
        [sys.executable, "-m", "benchmarks._nbprobe", base, str(n), str(cfg.repeat * 3),
         str(_words(cfg))],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode:
        raise RuntimeError((out.stderr.strip().splitlines() or ["?"])[-1][:200])
    if cfg.verbose and out.stderr.strip():
        print(out.stderr[-2000:], file=sys.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _series(data: dict, field: str) -> dict[str, Series]:
    return {k: Series(values=list(v[field]), error=v["error"]) for k, v in data.items()}


def _bound_row(key: str, what: str, subject: str, data: dict, n: int) -> Row:
    row = Row(key=key, group=GROUP, what=what, subject=subject,
              baseline=f"bound: 1-token turn's + {RATE:.0f}/s x elapsed + 1", unit="msgs",
              target="<= 1.0")
    rec = data[subject]
    if rec["error"] or not rec["updates"]:
        row.note = f"not available: {rec['error'] or 'not measured'}"
        return row
    fixed = rec.get("fixed", 0)
    bounds = [fixed + math.ceil(RATE * w) + 1 for w in rec["wall"]]
    row.ratio = statistics.median(u / b for u, b in zip(rec["updates"], bounds, strict=True))
    row.subject_value = statistics.median(rec["updates"])
    row.baseline_value = statistics.median(bounds)
    row.reps = len(bounds)
    row.note = (f"a 1-token turn sends {fixed}; "
                f"{statistics.median(rec['updates']) / n:.4f} messages per token; "
                f"{statistics.median(rec['wall']):.2f} s elapsed; "
                f"{statistics.median(rec['bytes']) / 1e6:.2f} MB serialised")
    row.judge()
    return row


def _bytes_row(cfg: Config, rec: dict) -> Row:
    """Bytes the display sends for a long answer, against the answer's own size (issue 11)."""
    row = Row(key="notebook.display_bytes", group=GROUP,
              what=f"display bytes / answer bytes, {_words(cfg):,}-word answer",
              subject="%%grok display (all updates)", baseline="the final answer's Markdown",
              unit="bytes", target="<= 10")
    if rec.get("error"):
        row.note = f"not available: {rec['error']}"
        return row
    row.subject_value, row.baseline_value = rec["sent"], rec["answer"]
    row.ratio = rec["sent"] / rec["answer"]
    row.reps = 1  # deterministic: a simulated clock
    row.note = (f"streamed at 100 tokens/s on a simulated clock ({rec['seconds']:.0f} s); "
                f"{rec['updates']} updates, where a 0.1 s time throttle alone sends "
                f"{rec['time_only']:,}")
    row.judge()
    return row


def _gap_row(cfg: Config, rec: dict) -> Row:
    """The longest pause between visible updates of a long answer (issue 23 item 7)."""
    row = Row(key="notebook.display_gap", group=GROUP,
              what=f"longest pause between display updates, {_words(cfg):,}-word answer",
              subject="%%grok display", baseline="1 s (issue 23: no pause over 1 s)",
              unit="s", target="<= 1.0")
    if rec.get("error") or "max_gap" not in rec:
        row.note = f"not available: {rec.get('error') or 'not measured'}"
        return row
    row.subject_value, row.baseline_value = rec["max_gap"], 1.0
    row.ratio = rec["max_gap"] / 1.0
    row.reps = 1  # deterministic: a simulated clock
    row.note = f"streamed at 100 tokens/s on a simulated clock ({rec['seconds']:.0f} s)"
    row.judge()
    return row


def run(cfg: Config, server: SSEServer) -> list[Row]:
    n = cfg.answer_tokens
    log(cfg, f"[notebook] {n:,}-token answer: magic, panel, bare stream")
    data = _probe(cfg, server.url(), n)
    traffic = data.pop("display_bytes", None) or {"error": "not measured"}
    wires = data.pop("wires", {})
    cpu = _series(data, "cpu")
    for s in cpu.values():  # s per token -> us per token
        s.values = [v * 1e6 for v in s.values]
    what = f"{n:,}-token answer"
    api = {"responses": "Responses API", "chat": "chat"}
    bare = ("GrokClient.responses.stream" if wires.get(BARE) == "responses"
            else "GrokClient.stream") + ", no display"
    magic = f"%%grok (display path, {api.get(wires.get('%%grok') or '', '?')})"
    panel = f"ChatPanel ({api.get(wires.get('ChatPanel') or '', '?')})"
    rows = [
        fill(Row(key="notebook.magic_cpu", group=GROUP, what=f"CPU per token, {what}",
                 subject=magic, baseline=bare, unit="us/token", target="<= 1.2"),
             cpu, "%%grok", BARE),
        _bound_row("notebook.magic_updates", f"display updates, {what}", "%%grok", data, n),
        fill(Row(key="notebook.panel_cpu", group=GROUP, what=f"CPU per token, {what}",
                 subject=panel, baseline=magic, unit="us/token",
                 target="<= 1.3"), cpu, "ChatPanel", "%%grok"),
        fill(Row(key="notebook.panel_vs_stream", group=GROUP, what=f"CPU per token, {what}",
                 subject=panel, baseline=bare, unit="us/token"), cpu, "ChatPanel", BARE),
        _bound_row("notebook.panel_messages", f"widget messages, {what}", "ChatPanel", data, n),
        _bytes_row(cfg, traffic),
        _gap_row(cfg, traffic),
    ]
    return rows
