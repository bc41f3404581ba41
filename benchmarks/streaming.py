"""Chunks/s delivered to user code, client and LangChain, vs baselines."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from ._clients import STREAMERS, Expect
from ._harness import Config, Row, Unavailable, fill, interleave, log
from ._sse_server import SSEServer

GROUP = "Streaming throughput (chunks/s delivered to user code; pre-encoded SSE server)"

# (key suffix, subject, baseline, target)
_PAIRS = [
    ("grok_vs_bare", "GrokClient.stream", "bare httpx", ">= 0.7"),
    ("grok_vs_openai", "GrokClient.stream", "openai", ">= 5"),
    ("grok_vs_bare_httpx2", "GrokClient.stream", "bare httpx2", ""),
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


MIN_SAMPLE_S = 0.25  # a fast subject repeats its stream within a round until this long


def _sampled(fn: Callable[[], float], want: Expect) -> Callable[[], float]:
    """One round's figure from enough streams to last MIN_SAMPLE_S (noise on 2 shared cores)."""
    def run() -> float:
        chunks, seconds = 0, 0.0
        while seconds < MIN_SAMPLE_S:
            rate = fn()
            chunks += want.n
            seconds += want.n / rate
        return chunks / seconds

    return run


def warmed_subjects(cfg: Config, stack: ExitStack, server: SSEServer, streamers: dict,
                    want: Expect) -> dict:
    """Each streamer's sampled run, made once and warmed up, or the error that stops it.

    One client per subject, reused for every size: the server is told the size.
    """
    made: dict = {}
    for name, factory in streamers.items():
        try:
            made[name] = _sampled(factory(stack, server.url(), want), want)
        except Exception as exc:
            made[name] = exc
    server.set_stream(want.n)
    warm = interleave(cfg, made, repeat=0)  # imports, connections, first-call caches
    for name, series in warm.items():
        if series.error and not isinstance(made[name], BaseException):
            made[name] = Unavailable(f"failed in warm-up: {series.error}")
    return made


def _label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def run(cfg: Config, server: SSEServer) -> list[Row]:
    rows: list[Row] = []
    small, large = cfg.stream_sizes
    plans = [("small", small, False, list(STREAMERS), _PAIRS),
             ("large", large, False, list(STREAMERS), _PAIRS),
             ("large", large, True, ["bare httpx", "GrokClient.stream"], _EVENT_PAIRS)]
    want = Expect(min(small, 100))
    with ExitStack() as stack:
        made = warmed_subjects(cfg, stack, server, STREAMERS, want)
        for size_key, n, per_event, names, pairs in plans:
            framing = "one HTTP chunk per event" if per_event else "large HTTP chunks"
            log(cfg, f"[streaming] {n} chunks, {framing}")
            server.set_stream(n, per_event=per_event)
            want.n = n
            results = interleave(cfg, {k: made[k] for k in names}, warmup=False)
            for suffix, subject, baseline, target in pairs:
                row = Row(
                    key=f"stream.{size_key}.{suffix}", group=GROUP,
                    what=f"{_label(n)}-chunk stream" + (", per-event framing" if per_event
                                                        else ""),
                    subject=subject, baseline=baseline, unit="chunks/s", target=target)
                rows.append(fill(row, results, subject, baseline))
    return rows
