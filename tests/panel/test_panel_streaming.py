"""A long answer in the panel moves on screen and costs bytes in proportion to its length
(issue 23 item 7): no update waits for the text to grow by a quarter, and an update sends
only what changed. Measured on the comm, as the browser receives it, with the emulator
streaming at a set rate."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from tests.panel.conftest import RecordingComm
from tests.panel.panel_helpers import ask, live_views


@pytest.fixture
def timed(comms, monkeypatch):
    """(time, bytes, message) of every comm message, as sent."""
    seen: list[tuple[float, int, dict]] = []
    publish = RecordingComm.publish_msg

    def record(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        size = len(json.dumps(data or {})) + sum(len(bytes(b)) for b in buffers or ())
        seen.append((time.monotonic(), size, data or {}))
        return publish(self, msg_type, data, metadata, buffers, **keys)

    monkeypatch.setattr(RecordingComm, "publish_msg", record)
    return seen


def _shows_text(data: dict) -> bool:
    """A message that changes the live answer's text: a ``live`` change (an earlier panel
    re-sent a ``live_html`` trait instead). A reset that empties it is not text arriving."""
    content = data.get("content") or {}
    if data.get("method") == "custom" and content.get("type") == "live":
        return bool(set(content) - {"type", "reset"})
    return data.get("method") == "update" and bool((data.get("state") or {}).get("live_html"))


def _live_times(timed) -> list[float]:
    return [t for t, _, data in timed if _shows_text(data)]


def _streaming_gaps(timed) -> list[float]:
    """Seconds between consecutive visible updates while the answer arrives."""
    times = _live_times(timed)
    return [b - a for a, b in itertools.pairwise(times)]


def test_an_answer_at_100_tokens_a_second_never_stands_still_for_a_second(
    emu, client, panels, comms, timed
):
    emu.set_speed({"ttft_s": 0.2, "tokens_per_s": 100})
    panel = panels("t-live-rate", client=client)
    result = ask(panel, "reply with 800 words")
    assert result.ok and len(result.text.split()) == 800

    gaps = _streaming_gaps(timed)
    print(f"longest pause {max(gaps):.2f} s over {len(gaps) + 1} updates")
    assert len(gaps) > 50, "the answer streamed in many visible steps"
    assert max(gaps) <= 1.0, f"the answer stood still for {max(gaps):.1f} s"
    # What the browser assembled from the changes is the answer the kernel rendered.
    views = live_views(comms, panel)
    longest = max(views, key=len)
    assert result.text.split()[-1] in longest and result.text.split()[0] in longest


def test_a_50000_word_answer_streams_smoothly_within_10x_its_size_in_widget_bytes(
    emu, client, panels, comms, timed
):
    emu.set_speed({"ttft_s": 0.1, "tokens_per_s": 8000})
    panel = panels("t-live-long", client=client)
    start = len(timed)
    result = ask(panel, "reply with 50000 words")
    assert result.ok and len(result.text.split()) == 50_000

    answer_bytes = len(result.text.encode())
    sent = sum(size for _, size, _ in timed[start:])
    print(f"widget bytes {sent:,} for a {answer_bytes:,}-byte answer: {sent / answer_bytes:.2f}x")
    assert sent <= 10 * answer_bytes, f"{sent:,} bytes for a {answer_bytes:,}-byte answer"
    gaps = _streaming_gaps(timed[start:])
    print(f"longest pause {max(gaps):.2f} s over {len(gaps) + 1} updates")
    assert max(gaps) <= 1.0, f"the answer stood still for {max(gaps):.1f} s"
    views = live_views(comms, panel)
    assert max(views, key=len).count(" ") >= 49_000  # every word reached the browser's view
