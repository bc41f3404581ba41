"""Latency of sequential small (non-streaming) requests."""

from __future__ import annotations

from contextlib import ExitStack

from ._clients import SEQUENTIAL
from ._harness import Config, Row, fill, interleave, log
from ._sse_server import SSEServer

GROUP = "Small-request latency (mean per request, sequential; pre-encoded server)"

_PAIRS = [
    ("grok_vs_bare", "GrokClient.chat", "bare httpx", "<= 1.2"),
    ("grok_vs_bare_httpx2", "GrokClient.chat", "bare httpx2", ""),
    ("grok_vs_openai", "GrokClient.chat", "openai", "<= 1.0"),
    ("chatgrok_vs_chatxai", "ChatGrok.invoke", "ChatXAI.invoke", "<= 1.0"),
    ("openai_vs_bare", "openai", "bare httpx", ""),
]
KEYS = [f"latency.{p[0]}" for p in _PAIRS]


def run(cfg: Config, server: SSEServer) -> list[Row]:
    count = cfg.seq_requests
    log(cfg, f"[latency] {count} sequential requests")
    with ExitStack() as stack:
        subjects: dict = {}
        for name, factory in SEQUENTIAL.items():
            try:
                subjects[name] = factory(stack, server.url(), count)
            except Exception as exc:
                subjects[name] = exc
        # Sub-millisecond requests on a shared VM vary a lot round to round: a
        # round is cheap, so take more of them for a steadier median ratio.
        results = interleave(cfg, subjects, repeat=2 * cfg.repeat + 1)
    rows = []
    for suffix, subject, baseline, target in _PAIRS:
        row = Row(key=f"latency.{suffix}", group=GROUP, what=f"{count} sequential requests",
                  subject=subject, baseline=baseline, unit="ms/request", target=target)
        rows.append(fill(row, results, subject, baseline))
    for row in rows:  # seconds -> ms for display
        row.subject_value = None if row.subject_value is None else row.subject_value * 1e3
        row.baseline_value = None if row.baseline_value is None else row.baseline_value * 1e3
    return rows
