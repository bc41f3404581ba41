"""Display traffic of a long answer stays linear in its size (issue 11, item 12).

An update re-sends a whole output, so the magic sends finished blocks once and
re-sends only the open block (``notebook/display.py``). Here the answer comes at
full speed; ``test_live_updates.py`` streams one at 100 tokens/s, and
``benchmarks/notebook.py`` a 50,000-word one on a simulated clock.
"""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

import comm
from comm.base_comm import BaseComm

WORDS = 50_000
LIMIT = 10  # bytes sent for an answer, at most this many times its final size


def _sent_bytes(events: list[dict[str, Any]]) -> int:
    return sum(len(json.dumps(e["data"], default=str)) for e in events)


def test_a_50000_word_answer_sends_at_most_10x_its_size(ip) -> None:
    ip.magics.throttle_interval = 0.002
    ip.ok(f"%%grok --no-history\nWrite {WORDS} words about the sea.")
    [final] = ip.pub.shown()  # the outputs that streamed blocks are emptied at the end
    assert len(final["text/markdown"].split()) >= WORDS
    assert "text/plain" in final  # the final update still carries plain text
    answer = len(json.dumps(final["text/markdown"]))
    streamed = ip.pub.events[: next(i for i, e in enumerate(ip.pub.events)
                                    if "text/plain" in e["data"])]
    # It did stream (at full speed here: test_live_updates has the paced stream).
    assert len(streamed) >= 2
    ratio = _sent_bytes(ip.pub.events) / answer
    assert ratio <= LIMIT, f"{ratio:.1f}x the answer's size was sent"
    assert all(set(e["data"]) == {"text/markdown"} for e in streamed)  # one representation


def test_short_answers_still_update_every_interval(ip, emu) -> None:
    # The growth rule must not freeze a short answer: it still streams in several updates.
    ip.magics.throttle_interval = 0.0
    emu.inject("slow_chunks", delay=0.002)
    ip.ok("%%grok --no-history\nWrite 120 words about rivers.")
    assert len(ip.pub.events) >= 8


class _CountingComm(BaseComm):
    sent: ClassVar[list[int]] = []

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        self.sent.append(len(json.dumps(data, default=str)))


def test_the_panel_sends_at_most_10x_a_50000_word_answer(ip, monkeypatch) -> None:
    monkeypatch.setattr(comm, "create_comm", lambda *a, **kw: _CountingComm(*a, **kw))
    monkeypatch.setattr(_CountingComm, "sent", [])
    from grok_jupyter import ChatPanel

    panel = ChatPanel("traffic")
    panel.update_interval = 0.002
    try:
        before = sum(_CountingComm.sent)
        started = time.perf_counter()
        assert panel.send(f"Write {WORDS} words about the sea.")
        result = panel.wait(30)
        assert result is not None and result.error is None, result
        assert time.perf_counter() - started < 30
        answer = len(json.dumps(result.text))
        assert len(result.text.split()) >= WORDS
        ratio = (sum(_CountingComm.sent) - before) / answer
        assert ratio <= LIMIT, f"{ratio:.1f}x the answer's size was sent"
    finally:
        panel.stop()
        panel.wait(10)
        panel.close()
