"""Long conversations for the compaction tests: a report of a known size in tokens (the
shared tokenizer counts each of its words as one token), and what the emulator got."""

from __future__ import annotations

import json
from typing import Any

from grok_jupyter.client import Message
from grok_jupyter.client._tokens import count_tokens
from grok_jupyter.notebook.turn import TurnRequest, run_turn

MODEL = "grok-4.6"  # long-context tier from 200,000 prompt tokens, 500,000 window
_WORDS = (
    "budget", "cost", "delta", "energy", "forecast", "growth", "harbor", "index",
    "journal", "kernel", "ledger", "margin", "network", "output", "profit", "quarter",
)  # fmt: skip


def report(tokens: int) -> str:
    """A report of exactly ``tokens`` tokens."""
    text = " ".join(_WORDS[(n * 7 + n // 5) % len(_WORDS)] for n in range(tokens))
    assert count_tokens(text) == tokens
    return text


# Each of the first two turns carries a 110,000-token report: the second would reach the
# 200,000-token tier, so it compacts the first turn first.
REPORT = report(110_000)
FIRST = f"My name is Zorblax and I keep bees in Tromsø. Here is my report:\n{REPORT}"
SECOND = f"Here is the next report:\n{REPORT}\nWhat is my name?"


def turn(client: Any, conversation: Any, text: str, **request: Any) -> Any:
    """One turn on ``conversation`` with ``MODEL``; its result (checked to have worked)."""
    request.setdefault("model", MODEL)
    result = run_turn(TurnRequest(Message.user(text), **request), client=client,
                      conversation=conversation)  # fmt: skip
    assert result.error is None, result.error
    return result


def posts(emu: Any, path: str = "/v1/responses") -> list[dict[str, Any]]:
    """The JSON bodies of the emulator's recorded POSTs to ``path``, oldest first."""
    out = []
    for r in emu.requests:
        if r.path == path and r.method == "POST":
            out.append(r.body if isinstance(r.body, dict) else json.loads(r.body))
    return out


def texts(items: list[dict[str, Any]]) -> list[str]:
    """The text of each message item of a request's ``input`` (others as their type)."""
    out = []
    for item in items:
        content = item.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.append("".join(p.get("text", "") for p in content if isinstance(p, dict)))
        else:
            out.append(f"<{item.get('type')}>")
    return out
