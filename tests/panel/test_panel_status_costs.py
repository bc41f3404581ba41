"""The panel's status line says what a turn cost with its server-side tools apart, and says
when a chat's file was uploaded again or is gone (issue 23, items 3 and 1, panel side)."""

from __future__ import annotations

import re

from tests.panel.panel_helpers import ask, browser_sets


def _dollars(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"\$([0-9.]+)", text)]


def test_the_status_line_splits_a_turns_cost_into_tokens_and_tools(emu, client, panels):
    emu.add_page("https://example.org/parquet", "Parquet notes",
                 "Parquet is a columnar storage format for analytics.")
    panel = panels("status-tools", client=client)
    browser_sets(panel, web_search=True)
    result = ask(panel, "Search the web: what is Parquet columnar storage?")
    assert result.ok, result.error
    assert result.tool_counts, "the emulator billed a search"
    (turn,) = re.findall(r"turn ([^·]*)", panel.status)
    assert "web search ×" in turn, panel.status
    total, tokens, tools = _dollars(turn)
    assert abs(tokens + tools - total) < 1e-6, turn  # the parts add up to the turn
    assert abs(total - result.cost_usd) < 1e-4 and tools > 0


def test_a_plain_turn_shows_no_tool_split(emu, client, panels):
    panel = panels("status-plain", client=client)
    assert ask(panel, "Say 'hi'").ok
    assert "web search" not in panel.status and "turn " not in panel.status
