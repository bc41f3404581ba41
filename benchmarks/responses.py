"""Responses API streams: text-delta events/s delivered to user code, vs baselines.

Every contender reads the same pre-encoded ``/v1/responses`` event stream
(``_sse_server``: N ``response.output_text.delta`` events between the
lifecycle events of shared/xai-api-2026.md section 2.5) and counts the text
deltas it hands to user code; a contender that loses or adds one fails.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from ._clients import Expect, _checked, grok_client, need, openai_client, stream_langchain
from ._harness import API_KEY, MESSAGES, MODEL, Config, Row, Unavailable, fill, interleave, log
from ._sse_server import SSEServer
from .streaming import _label, warmed_subjects

GROUP = "Responses API streaming (text-delta events/s delivered to user code; pre-encoded server)"

PROMPT = MESSAGES[0]["content"]
_BODY = {"model": MODEL, "input": PROMPT, "stream": True}
_HEADERS = {"authorization": f"Bearer {API_KEY}"}
_DELTA = "response.output_text.delta"

GROK = "GrokClient.responses.stream"
BARE = "bare httpx"
OPENAI = "openai responses.stream"
OPENAI_RAW = "openai responses.create(stream=True)"
CHATGROK = "ChatGrok.stream (Responses)"
CHATXAI = "ChatXAI.stream (Responses)"

# (key suffix, subject, baseline, target)
_PAIRS = [
    ("grok_vs_bare", GROK, BARE, ">= 0.7"),
    ("grok_vs_openai", GROK, OPENAI, ">= 5"),
    ("grok_vs_openai_raw", GROK, OPENAI_RAW, ""),
    ("openai_vs_bare", OPENAI, BARE, ""),
    ("chatgrok_vs_chatxai", CHATGROK, CHATXAI, ">= 2"),
    ("chatgrok_vs_bare", CHATGROK, BARE, ""),
]
KEYS = [f"responses.{size}.{p[0]}" for size in ("small", "large") for p in _PAIRS]


def stream_bare_httpx(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
    """The practical limit: httpx + iter_lines + ``data:`` split + json.loads."""
    httpx = need("httpx")
    client = stack.enter_context(httpx.Client(timeout=60))
    url = base + "/responses"
    loads = json.loads

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        with client.stream("POST", url, json=_BODY, headers=_HEADERS) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    event = loads(line[6:])
                    kind = event["type"]
                    if kind == _DELTA:
                        count += 1
                    elif kind == "response.completed":
                        break
        return _checked(count, want, t0, "bare httpx")

    return run


def stream_grok(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
    client = grok_client(stack, base)
    if not hasattr(client, "responses"):
        raise Unavailable("GrokClient.responses not written yet")

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        with client.responses.stream(PROMPT, model=MODEL) as stream:
            for event in stream:
                if event.type == _DELTA:
                    count += 1
        return _checked(count, want, t0, GROK)

    return run


def stream_openai(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
    """The SDK's helper: typed events plus the accumulated snapshot it keeps."""
    client = openai_client(stack, base)

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        with client.responses.stream(model=MODEL, input=PROMPT) as stream:
            for event in stream:
                if event.type == _DELTA:
                    count += 1
        return _checked(count, want, t0, OPENAI)

    return run


def stream_openai_raw(stack: ExitStack, base: str, want: Expect) -> Callable[[], float]:
    """``create(stream=True)``: typed events, nothing accumulated."""
    client = openai_client(stack, base)

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        for event in client.responses.create(model=MODEL, input=PROMPT, stream=True):
            if event.type == _DELTA:
                count += 1
        return _checked(count, want, t0, OPENAI_RAW)

    return run


def _chat_grok(stack: ExitStack, base: str) -> Any:
    mod = need("langchain_grok", "langchain_grok.ChatGrok")
    if "use_responses_api" not in getattr(mod.ChatGrok, "model_fields", {}):
        raise Unavailable("ChatGrok.use_responses_api not written yet")
    return mod.ChatGrok(
        model=MODEL, api_key=API_KEY, base_url=base, max_retries=0, use_responses_api=True
    )


def _chat_xai(stack: ExitStack, base: str) -> Any:
    # ChatXAI inherits langchain-openai's use_responses_api; a bound built-in tool
    # ({"type": "web_search"}) routes it the same way (same request path and events).
    mod = need("langchain_xai", "langchain-xai")
    return mod.ChatXAI(
        model=MODEL, xai_api_key=API_KEY, xai_api_base=base, max_retries=0, use_responses_api=True
    )


STREAMERS: dict[str, Callable[[ExitStack, str, Expect], Callable[[], float]]] = {
    BARE: stream_bare_httpx,
    GROK: stream_grok,
    OPENAI: stream_openai,
    OPENAI_RAW: stream_openai_raw,
    CHATGROK: stream_langchain(_chat_grok, CHATGROK, text_of="text"),
    CHATXAI: stream_langchain(_chat_xai, CHATXAI, text_of="text"),
}


def run(cfg: Config, server: SSEServer) -> list[Row]:
    rows: list[Row] = []
    small, large = cfg.stream_sizes
    want = Expect(min(small, 100))
    with ExitStack() as stack:
        made = warmed_subjects(cfg, stack, server, STREAMERS, want)
        for size_key, n in (("small", small), ("large", large)):
            log(cfg, f"[responses] {n} text deltas, large HTTP chunks")
            server.set_stream(n)
            want.n = n
            results = interleave(cfg, made, warmup=False)
            for suffix, subject, baseline, target in _PAIRS:
                row = Row(
                    key=f"responses.{size_key}.{suffix}",
                    group=GROUP,
                    what=f"{_label(n)}-delta Responses stream",
                    subject=subject,
                    baseline=baseline,
                    unit="events/s",
                    target=target,
                )
                rows.append(fill(row, results, subject, baseline))
    return rows
