"""Emulator throughput: chunks/s to one client, vs the minimal pre-encoded server.

Both servers run in their own process; the client is the bare httpx loop (the
cheapest), so the server is what is measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

import httpx

from ._harness import API_KEY, MODEL, ROOT, Config, Row, Unavailable, fill, interleave, log
from ._sse_server import SSEServer

GROUP = "Emulator throughput (chunks/s to one client, bare httpx loop)"
KEYS = ["emulator.vs_minimal", "emulator.absolute"]


def _start_emulator(stack: ExitStack) -> str:
    proc = subprocess.Popen([sys.executable, "-m", "grok_jupyter.emulator", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    stack.callback(stop)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("XAI_BASE_URL="):
        err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
        last = (err.strip().splitlines() or [line.strip() or "no output"])[-1]
        raise Unavailable(f"python -m grok_jupyter.emulator did not start: {last[:120]}")
    return line.strip().split("=", 1)[1]


def _client_loop(client: httpx.Client, base: str, prompt: str) -> Callable[[], float]:
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": prompt}]}
    headers = {"authorization": f"Bearer {API_KEY}"}

    def run() -> float:
        t0 = time.perf_counter()
        count = 0
        with client.stream("POST", base + "/chat/completions", json=body,
                           headers=headers) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    choices = json.loads(data)["choices"]
                    if choices and choices[0]["delta"].get("content"):
                        count += 1
        if count == 0:
            raise RuntimeError("no content chunks")
        return count / (time.perf_counter() - t0)

    return run


def run(cfg: Config, server: SSEServer) -> list[Row]:
    n = cfg.emulator_chunks
    log(cfg, f"[emulator] 'reply with {n} words' vs a {n}-chunk pre-encoded stream")
    with ExitStack() as stack:
        client = stack.enter_context(httpx.Client(timeout=120))
        subjects: dict = {"minimal server": _client_loop(client, server.url(n), "x")}
        try:
            base = _start_emulator(stack)
            subjects["emulator"] = _client_loop(client, base, f"Reply with {n} words.")
        except Exception as exc:
            subjects["emulator"] = exc
        results = interleave(cfg, subjects)
    row = fill(Row(key="emulator.vs_minimal", group=GROUP, what=f"~{n:,}-chunk stream",
                   subject="grok_jupyter.emulator", baseline="minimal asyncio SSE server",
                   unit="chunks/s"), results, "emulator", "minimal server")
    absolute = Row(key="emulator.absolute", group=GROUP, what=f"~{n:,}-chunk stream",
                   subject="grok_jupyter.emulator", baseline="10,000 chunks/s (absolute)",
                   unit="chunks/s", target=">= 10000 abs")
    em = results["emulator"]
    if em.values:
        absolute.subject_value = em.median
        absolute.baseline_value = 10_000.0
        absolute.ratio = em.median / 10_000
        absolute.reps = len(em.values)
    else:
        absolute.note = f"not available: {em.error}"
    absolute.judge()
    return [row, absolute]
