"""Issue 23: ``%grok usage`` shows server-side tool calls as rows of their own, so the
rows add up to the total."""

from __future__ import annotations


def _rows(markdown: str) -> dict[str, list[str]]:
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 8 and cells[0] not in ("model", "") and not set(cells[0]) <= set("-:"):
            rows[cells[0]] = cells
    return rows


def test_usage_rows_add_up_when_server_side_tools_ran(ip, emu) -> None:
    from grok_jupyter.client import get_ledger

    emu.add_page("https://news.example/k", "Kettle news", "the flibbertigibbet kettle is out")
    emu.add_post("kettlecorp", "flibbertigibbet kettle launch today", "2026-11-12")
    ip.ok("%%grok --search web,x\nflibbertigibbet kettle")
    (record,) = get_ledger().records
    assert record.tool_cost_usd > 0  # the searches were billed
    ip.ok("%grok usage")
    rows = _rows(ip.markdown())
    tool_rows = {name: cells for name, cells in rows.items() if name.startswith("tool: ")}
    assert tool_rows, rows
    assert set(tool_rows) <= {"tool: web search", "tool: X search"}
    usd_column = 8
    parts = sum(float(cells[usd_column]) for name, cells in rows.items() if name != "total")
    total = float(rows["total"][usd_column])
    assert abs(parts - total) < 0.0002, rows
    calls = sum(int(cells[1]) for cells in tool_rows.values())
    assert calls == sum(record.tool_call_counts.values())
