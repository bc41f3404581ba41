"""%grok map and %grok batches in a real InteractiveShell, against the emulator."""

from __future__ import annotations

from .conftest import REVIEWS, Sentiment


def _setup(ip):
    import pandas as pd

    ip.ns["reviews"] = pd.DataFrame({"review": REVIEWS})
    ip.ns["Sentiment"] = Sentiment


def test_map_stores_the_labelled_table(ip, emu):
    _setup(ip)
    ip.ok('%grok map reviews "Sentiment of this review: {review}" --schema Sentiment -o labelled')
    out = ip.ns["labelled"]
    assert list(out.columns) == ["review", "label", "score", "_cost_usd"]
    assert len(out) == 5 and len(emu.chat_requests) == 5
    # the same cell again: every row from the cache
    emu.reset()
    ip.ok('%grok map reviews "Sentiment of this review: {review}" --schema Sentiment -o again')
    assert emu.chat_requests == [] and ip.ns["again"].attrs["grok_map"].cached == 5


def test_map_without_output_displays_the_table(ip, emu):
    _setup(ip)
    ip.ok('%grok map reviews "Say {review}" -m grok-4.3 --concurrency 2')
    shown = ip.plain()
    assert "review" in shown and "_cost_usd" in shown and "[5 rows x 3 columns]" in shown


def test_map_errors_are_one_clear_line(ip, emu):
    _setup(ip)
    assert "no variable" in ip.fails('%grok map nosuch "Say {review}"')
    assert "no variable" in ip.fails('%grok map reviews "Say {review}" --schema Nope')
    assert "{text} is not a column" in ip.fails('%grok map reviews "Say {text}"')
    assert "budget" in ip.fails('%grok map reviews "Say {review}" --budget 0.0000001')
    assert emu.chat_requests == []


def test_batches_lists_what_map_submitted(ip, emu):
    _setup(ip)
    ip.ok("%grok batches")
    assert "No batches" in ip.plain()
    ip.ok('%grok map reviews "Say {review}" --mode batch -o out')
    batch_id = ip.ns["out"].attrs["grok_map"].batch_id
    ip.ok("%grok batches")
    text = ip.plain()
    assert batch_id in text and "completed" in text and "5 rows" in text
    assert "collected: yes" in text


def test_help_lists_map_and_batches(ip, capsys):
    ip.ok("%grok help")
    text = capsys.readouterr().out
    assert "%grok map " in text and "%grok batches" in text


def test_map_without_concurrency_lets_as_many_requests_fly_as_map_rows_does(ip, emu):
    # 4 s answers and no rate limit: the pace alone lets hundreds of requests fly at once.
    # The magic once capped them at 256 of its own; unset, it keeps map_rows' default.
    import pandas as pd

    ip.ns["many"] = pd.DataFrame({"n": range(400)})
    emu.set_speed({"answer_s": 4.0})
    ip.ok('%grok map many "Count {n}" --no-cache -o counted')
    report = ip.ns["counted"].attrs["grok_map"]
    assert report.done == 400 and report.failed == 0
    assert report.max_in_flight > 256
