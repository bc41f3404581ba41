"""Chunks/s delivered to user code, client and LangChain, vs baselines."""

from __future__ import annotations

from contextlib import ExitStack

from ._clients import STREAMERS
from ._harness import Config, Row, fill, interleave, log
from ._sse_server import SSEServer

GROUP = "Streaming throughput (chunks/s delivered to user code; pre-encoded SSE server)"

# (key suffix, subject, baseline, target)
_PAIRS = [
    ("grok_vs_bare", "GrokClient.stream", "bare httpx", ">= 0.7"),
    ("grok_vs_openai", "GrokClient.stream", "openai", ">= 5"),
    ("grok_vs_httpx_sse", "GrokClient.stream", "httpx-sse", ""),
    ("openai_vs_bare", "openai", "bare httpx", ""),
    ("chatgrok_vs_chatxai", "ChatGrok.stream", "ChatXAI.stream", ">= 2"),
    ("chatgrok_vs_chatopenai", "ChatGrok.stream", "ChatOpenAI.stream", ""),
    ("chatgrok_vs_bare", "ChatGrok.stream", "bare httpx", ""),
    ("chatxai_vs_bare", "ChatXAI.stream", "bare httpx", ""),
]
_EVENT_PAIRS = [("grok_vs_bare_per_event", "GrokClient.stream", "bare httpx", "")]
KEYS = [f"stream.{size}.{p[0]}" for size in ("small", "large") for p in _PAIRS] + [
    f"stream.large.{p[0]}" for p in _EVENT_PAIRS]


def _label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def run(cfg: Config, server: SSEServer) -> list[Row]:
    rows: list[Row] = []
    small, large = cfg.stream_sizes
    plans = [("small", small, False, STREAMERS, _PAIRS),
             ("large", large, False, STREAMERS, _PAIRS),
             ("large", large, True,
              {k: STREAMERS[k] for k in ("bare httpx", "GrokClient.stream")}, _EVENT_PAIRS)]
    for size_key, n, per_event, streamers, pairs in plans:
        framing = "one HTTP chunk per event" if per_event else "large HTTP chunks"
        log(cfg, f"[streaming] {n} chunks, {framing}")
        base = server.url(n, per_event=per_event)
        with ExitStack() as stack:
            subjects: dict = {}
            for name, factory in streamers.items():
                try:
                    subjects[name] = factory(stack, base, n)
                except Exception as exc:
                    subjects[name] = exc
            results = interleave(cfg, subjects)
        for suffix, subject, baseline, target in pairs:
            row = Row(
                key=f"stream.{size_key}.{suffix}", group=GROUP,
                what=f"{_label(n)}-chunk stream" + (", per-event framing" if per_event else ""),
                subject=subject, baseline=baseline, unit="chunks/s", target=target)
            rows.append(fill(row, results, subject, baseline))
    return rows
