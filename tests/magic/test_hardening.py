"""Issue 11, the magic: DataFrames, code in prompts, step and token limits, cut answers."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from grok_jupyter.client import get_ledger
from grok_jupyter.notebook.conversation import get_conversation
from tests import wire


def user_text(emu) -> str:
    return wire.user_text(wire.last_body(emu))  # whichever API carried the turn


# --- 8: DataFrames ------------------------------------------------------------


def test_a_small_dataframe_is_sent_whole(ip, emu) -> None:
    ip.ok("import pandas as pd\n"
          "sales = pd.DataFrame({'item': ['apple', 'pear', 'fig', 'kiwi', 'lime', 'plum'],\n"
          "                      'units': [3, 8, 1, 9, 4, 7]})")
    ip.ok("%%grok\nWhich item sold most? {sales}")
    sent = user_text(emu)
    for item, units in [("apple", 3), ("pear", 8), ("fig", 1), ("kiwi", 9), ("lime", 4),
                        ("plum", 7)]:
        assert item in sent and str(units) in sent
    assert "all 6 rows" in sent and "left out" not in sent


def test_a_big_dataframe_says_how_it_was_sampled(ip, emu) -> None:
    ip.ok("import pandas as pd\nbig = pd.DataFrame({'n': range(10_000)})")
    ip.ok("%%grok\nDescribe {big}")
    sent = user_text(emu)
    assert "first 5 and last 5 of 10,000 rows; 9,990 rows left out" in sent
    assert "9999" in sent and "5000 " not in sent


# --- 9: code in a prompt --------------------------------------------------------


def test_code_spans_and_blocks_reach_grok_as_typed(ip, emu) -> None:
    ip.ok("x = 5")
    cell = (
        "Why does `print(f'{x}')` print {x}?\n"
        "```python\n"
        "print(f\"{x} {{literal}}\")\n"
        "```\n"
        "And this Jinja: ``{{ user }}`` vs {{escaped}}."
    )
    ip.ok("%%grok\n" + cell)
    assert user_text(emu) == (
        "Why does `print(f'{x}')` print 5?\n"
        "```python\n"
        "print(f\"{x} {{literal}}\")\n"
        "```\n"
        "And this Jinja: ``{{ user }}`` vs {escaped}."
    )


def test_the_help_states_the_code_rule(ip) -> None:
    doc = " ".join(ip.magics.grok.__doc__.split())
    assert "fenced code blocks" in doc and "inline code spans" in doc and "as typed" in doc


# --- 10: --max-steps ------------------------------------------------------------------


def test_reaching_max_steps_still_answers_and_says_so(ip, emu) -> None:
    ip.ok("def weather(city: str) -> str:\n"
          '    """The weather in a city."""\n'
          "    return f'sunny in {city}'\n")
    ip.ok("%%grok --tools weather --max-steps 1\nUse weather for Oslo.")
    final = ip.outputs()[0]["text/markdown"]
    assert "sunny in Oslo" in final.split("\n\n", 1)[1]  # the answer, not just the tool line
    assert "[step limit reached" in final and "--max-steps 1" in final
    assert wire.last_body(emu)["tool_choice"] == "none"
    ip.magics.show_footer = False  # the note is a line of its own, not only in the footer
    ip.ok("%%grok --tools weather --max-steps 1 --no-history\nUse weather for Rome.")
    assert "[step limit reached" in ip.outputs()[0]["text/markdown"]


# --- 11: cut answers ----------------------------------------------------------------


def test_an_answer_cut_by_max_tokens_is_marked(ip, emu) -> None:
    ip.ok("%%grok --max-tokens 5\nWrite 200 words about rivers.")
    final = ip.outputs()[0]
    assert "[cut: reached --max-tokens 5" in final["text/markdown"]
    assert "[cut: reached --max-tokens 5" in final["text/plain"]
    ip.ok("%%grok\nWrite 20 words about rivers.")
    assert "[cut" not in ip.outputs()[0]["text/markdown"]


# The default API and the chat twin: a Responses stream opens with ~27 events (created,
# the reasoning summary) before the answer's text, a chat stream with grok-4.3's ~18
# reasoning_content chunks (xai-api-2026-09.md section 1).
BOTH_APIS = pytest.mark.parametrize(("api", "after_chunks"), [("auto", 40), ("chat", 24)])


@BOTH_APIS
def test_a_cut_stream_is_counted_estimated_never_unknown(ip, emu, api, after_chunks) -> None:
    ip.ok(f'%config GrokMagics.api = "{api}"')
    emu.inject("cut", after_chunks=after_chunks)
    ip.fails("%%grok\nWrite 300 words about rivers.")
    footer = ip.outputs()[0]["text/markdown"].rsplit("<sub>", 1)[1]
    assert "?" not in footer and "~" in footer and " out" in footer
    (record,) = get_ledger().records
    assert record.estimated and record.completion_tokens > 0 and record.cost_usd
    ip.ok("%grok usage")
    table = ip.plain()
    assert "~" in table and "+?" not in table and "estimated" in table


@pytest.mark.parametrize("api", ["auto", "chat"])
def test_ctrl_c_mid_stream_is_counted_estimated(ip, emu, api) -> None:
    ip.ok(f'%config GrokMagics.api = "{api}"')
    ip.magics.throttle_interval = 0
    ip.pub.interrupt_on = 5  # the recorder raises KeyboardInterrupt on its 5th update
    try:
        ip.fails("%%grok\nWrite 2000 words about the sea.")
    finally:
        ip.pub.interrupt_on = None
    (record,) = get_ledger().records
    assert record.estimated and record.completion_tokens > 0 and record.cost_usd


# --- 14: Ctrl-C during parallel tools -------------------------------------------------


def test_ctrl_c_during_parallel_tools_returns_at_once(ip, emu) -> None:
    release = threading.Event()
    ip.ns["release"] = release

    def fast(city: str) -> str:
        """Fast lookup."""
        return f"fast {city}"

    def slow(city: str) -> str:
        """Slow lookup."""
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        release.wait(10)
        return "late"

    ip.ns.update(fast=fast, slow=slow)
    started = time.monotonic()
    try:
        message = ip.fails("%%grok --tools fast,slow\nCall fast and slow for Lima.")
        assert time.monotonic() - started < 5
    finally:
        release.set()
    assert message.startswith("grok: interrupted")
    roles = [m.role for m in get_conversation("default").messages]
    assert roles == ["user", "assistant", "tool", "tool", "assistant"]
    texts = [m.text for m in get_conversation("default").messages[2:4]]
    assert sorted(texts) == ["[interrupted before this tool finished]", "fast Lima"]
    ip.ok("%%grok\nNever mind.")  # the conversation is still one the API takes
