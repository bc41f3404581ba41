"""The agent's own overhead per step: from the model's tool call arriving to the tool
result being sent, minus the code's own run time (issue 24), against the emulator.

How it is timed: an IPython shell in this process with the extension loaded runs
``%%grok --agent --approve auto`` cells; the emulator's answers are queued with
``emu.script`` (each a ``run_code`` call with a tiny step, then "Done."), so every
model round but the last is one agent step. One clock (``time.monotonic``) stamps
the moment the engine has a round's whole tool call (``on_step``), and every request
as the client sends it (an httpx2 ``request`` event hook on the client the magic
uses). A step's overhead is the next request's stamp minus its tool call's stamp,
minus the step's code's own run time (``run_cell``, measured by the runner); it
includes approval, output capture, redaction, the cell sink (the fallback: showing
the outputs; a kernel would also send them to the browser), the conversation's messages
and building the next request. The step's
model time is its tool call's stamp minus its own request's stamp. It is measured twice:
with the chat store off, and with the named chat saved to a folder (as users have it by
default), where each step also writes the turn so far as a draft (``chat_draft.py``). The emulator
answers at a fixed pace faster than any measured Grok (0.3 s to the first token,
250 tokens/s; xAI's fastest measured is 2.0 s), so the ratio is a conservative one.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import tempfile
import time
from typing import Any

from ._harness import API_KEY, Config, Row, log

GROUP = "Agent: our overhead per agent step (%%grok --agent, emulator)"
NOTE = (
    "How this is read: the time from the model's tool call arriving (the engine has the "
    "whole round) to the tool result being sent (the next request leaving the client), "
    "minus the step's code's own run time, median over every step; the step's model time "
    "is from its request leaving to its tool call arriving, with the emulator at a fixed "
    "pace faster than any measured Grok (0.3 s to the first token, 250 tokens/s)."
)
KEYS = ["agent.step_overhead_ms", "agent.step_overhead_ratio"]
SAVED_KEYS = ["agent.step_overhead_saved_ms", "agent.step_overhead_saved_ratio"]
PACE = {"ttft_s": 0.3, "tokens_per_s": 250.0}
CODE = "agent_bench = sum(range(1_000))\nprint(agent_bench)"


def _cell(shell: Any, emu: Any, steps: int, stamps: dict[str, list[float]]) -> list[tuple]:
    """One agent cell of ``steps`` steps; (overhead s, model s) per step."""
    from grok_jupyter.agent.observer import AgentObserver
    from grok_jupyter.agent.toolset import AgentTools

    emu.script([{"tool": "run_code", "arguments": {"code": CODE}}] * steps + ["Done."])
    stamps["requests"].clear()
    calls: list[float] = []
    runs: list[float] = []
    seen: list[AgentTools] = []
    plain_on_step = AgentObserver.on_step

    def on_step(self: AgentObserver, outcome: Any) -> None:
        calls.append(time.monotonic())
        if not seen:
            seen.append(self.tools)
        runs.append(self.tools.run_seconds)
        plain_on_step(self, outcome)

    AgentObserver.on_step = on_step  # type: ignore[method-assign]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            shell.run_cell_magic("grok", "--agent --approve auto --chat agent-bench --new "
                                 f"--max-steps {steps + 1}", "Go.")
    finally:
        AgentObserver.on_step = plain_on_step  # type: ignore[method-assign]
    sent = stamps["requests"]
    if len(sent) != steps + 1 or len(calls) != steps + 1:
        raise RuntimeError(f"expected {steps + 1} requests, saw {len(sent)} ({len(calls)} rounds)")
    total_run = seen[0].run_seconds
    ran_after = [*runs[1:], total_run]  # run time accumulated by the next on_step
    out = []
    for i in range(steps):
        code_s = ran_after[i] - runs[i]
        out.append((sent[i + 1] - calls[i] - code_s, calls[i] - sent[i]))
    return out


def run(cfg: Config) -> list[Row]:
    import httpx2
    from IPython.core.interactiveshell import InteractiveShell

    from grok_jupyter.client import GrokClient, set_client
    from grok_jupyter.emulator import serve

    steps, cells = {"smoke": (2, 1), "quick": (5, 2)}.get(cfg.mode, (10, cfg.repeat))
    stamps: dict[str, list[float]] = {"requests": []}
    hooks = {"request": [lambda request: stamps["requests"].append(time.monotonic())]}
    samples: list[tuple] = []
    saved: list[tuple] = []
    speed = "instant" if cfg.mode == "smoke" else PACE
    with tempfile.TemporaryDirectory() as chats, serve(quiet=True, speed=speed) as emu:
        os.environ.setdefault("XAI_API_KEY", API_KEY)
        client = GrokClient(api_key=API_KEY, base_url=emu.base_url,
                            http_client=httpx2.Client(event_hooks=hooks))
        set_client(client)
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "grok_jupyter")
        for n in range(cells):  # interleaved: chat store off, then on
            for folder, into in (("off", samples), (chats, saved)):
                shell.run_line_magic("config", f"GrokMagics.chat_dir = {folder!r}")
                got = _cell(shell, emu, steps, stamps)
                into += got
                log(cfg, f"[agent] cell {n + 1} (chat_dir {folder}): overhead median "
                         f"{statistics.median(o for o, _ in got) * 1000:.1f} ms")
        shell.run_line_magic("config", "GrokMagics.chat_dir = 'off'")
        client.close()
    what = f"{cells} cells of {steps} run_code steps, --approve auto, no bridge (fallback sink)"
    return (_rows(KEYS, what, samples)
            + _rows(SAVED_KEYS, what + ", the named chat saved to disk (a draft per step)",
                    saved))


def _rows(keys: list[str], what: str, samples: list[tuple]) -> list[Row]:
    overhead = statistics.median(o for o, _ in samples) * 1000
    model = statistics.median(m for _, m in samples) * 1000
    spread = (f"{min(o for o, _ in samples) * 1000:.1f}-"
              f"{max(o for o, _ in samples) * 1000:.1f} ms over {len(samples)} steps")
    rows = []
    for key, target in zip(keys, ("<= 50 abs", "<= 0.1"), strict=True):
        row = Row(key=key, group=GROUP, what=what,
                  subject="our overhead per step (ms)", baseline="the step's model time (ms)",
                  unit="ms", target=target, subject_value=overhead, baseline_value=model,
                  ratio=overhead / model if model else None, note=f"spread {spread}",
                  reps=len(samples))
        row.judge()
        rows.append(row)
    return rows
