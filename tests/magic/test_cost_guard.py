"""The cost guard and what interpolation says it cut (issue 20): an expensive cell stops
before anything is sent, with the estimate and the way on; a value cut to fit is named
in one line under the answer."""

from __future__ import annotations

from grok_jupyter.client import get_ledger


def _api_posts(emu) -> list:
    return [r for r in emu.requests if r.method == "POST"]


def test_an_expensive_cell_stops_before_sending_and_says_how_to_go_on(ip, emu) -> None:
    ip.ns["log"] = "error: disk quota exceeded on node-7\n" * 40_000  # about 1.5 MB
    ip.run("%config GrokMagics.max_value_chars = 2000000")  # let the value go whole
    before = len(get_ledger().records)
    message = ip.fails("%%grok -m grok-4.6\nWhat went wrong? {log}")
    assert "estimated at $" in message and "Nothing was sent" in message
    assert "--yes" in message and "GrokMagics.confirm_over_usd" in message
    assert _api_posts(emu) == [] and len(get_ledger().records) == before
    # The way on: --yes sends it, and the ≥200k tier is said with both prices.
    ip.ok("%%grok -m grok-4.6 --yes --max-tokens 20\nWhat went wrong? {log}")
    assert len(_api_posts(emu)) == 1
    shown = ip.markdown()
    assert "Long-context price" in shown and "instead of $" in shown


def test_a_higher_threshold_lets_the_cell_through(ip, emu) -> None:
    ip.ns["notes"] = "the quick brown fox jumps over the lazy dog. " * 2_000
    ip.run("%config GrokMagics.confirm_over_usd = 0.000001")
    message = ip.fails("%%grok\nSummarise: {notes}")
    assert "over the confirmation threshold of $0.00" in message
    ip.run("%config GrokMagics.confirm_over_usd = 5")
    ip.ok("%%grok\nSummarise: {notes}")
    assert len(_api_posts(emu)) == 1
    assert "Long-context" not in ip.markdown()  # far below any tier: nothing said


def test_a_negative_threshold_is_refused_when_set(ip, caplog) -> None:
    ip.run("%config GrokMagics.confirm_over_usd = -1")  # %config logs a refused value
    assert "confirm_over_usd must be 0 or more" in caplog.text
    assert ip.magics.confirm_over_usd == 0.5


def test_a_long_string_is_cut_and_the_cut_is_named_under_the_answer(ip, emu) -> None:
    ip.ns["log"] = "x" * 3_200_000
    ip.ok("%%grok\nHow long is this log? {log}")
    (post,) = _api_posts(emu)
    sent = str(post.body)
    assert "[cut: 3,180,000 more characters]" in sent and len(sent) < 100_000
    assert "`{log}`: 3.1 MB string, first 20,000 characters sent" in ip.markdown()


def test_a_big_dataframe_is_named_as_summarised(ip, emu) -> None:
    import pandas as pd

    ip.ns["sales"] = pd.DataFrame({"region": ["North", "South"] * 5_000, "units": range(10_000)})
    ip.ok("%%grok\nWhich region sells more? {sales}")
    assert "`{sales}`: DataFrame 10,000 × 2, summarised" in ip.markdown()


def test_fix_is_guarded_too(ip, emu) -> None:
    ip.run("%config GrokMagics.confirm_over_usd = 0")
    ip.run("1 / 0")
    message = ip.fails("%grok fix")
    assert "estimated at $" in message and "%grok fix --yes" in message
    assert _api_posts(emu) == []
    ip.ok("%grok fix --yes")
    assert len(_api_posts(emu)) == 1
