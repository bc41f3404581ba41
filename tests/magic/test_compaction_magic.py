"""Issue 20 in the magic: a long ``--chat`` compacts itself and says so under the answer,
``%grok history`` shows where, ``%grok compact NAME`` does it by hand (real HTTP)."""

from __future__ import annotations

import re

from tests.long_chats import MODEL, REPORT, posts


def _long_chat(ip, name: str) -> None:
    """Two cells that each interpolate the 110,000-token report into chat ``name``."""
    ip.ns["report"] = REPORT
    # The report goes whole (not cut at 20,000 characters), and past the cost guard.
    ip.run("%config GrokMagics.max_value_chars = 10000000")
    ip.run("%config GrokMagics.confirm_over_usd = 100")
    ip.ok(f"%%grok --chat {name} -m {MODEL}\nMy name is Zorblax. Here is my report: {{report}}")
    ip.ok(f"%%grok --chat {name} -m {MODEL}\nThe next report: {{report}}\nWhat is my name?")


def test_the_answer_says_the_chat_was_compacted_and_what_it_saved(ip, emu) -> None:
    _long_chat(ip, "long-magic")
    shown = ip.outputs()[0]["text/markdown"]
    assert "\n\nYour name is Zorblax." in shown
    note = re.search(
        r"\[compacted ([\d,]+) tokens of history into ([\d,]+); saved \$(\d+\.\d{4}) on this "
        r"turn\]", shown,
    )
    assert note is not None, shown
    before, after = (int(g.replace(",", "")) for g in note.groups()[:2])
    assert 110_000 < before < 111_000 and after == round(before / 100)
    assert float(note.group(3)) > 0.2
    assert posts(emu)[-1]["input"][0]["type"] == "compaction"


def test_history_shows_where_the_compaction_happened(ip, emu) -> None:
    _long_chat(ip, "long-history")
    ip.ok("%grok history long-history")
    plain = ip.plain().splitlines()
    line = next(i for i, text in enumerate(plain) if "compacted here" in text)
    assert re.fullmatch(
        r"— compacted here: 110,\d{3} tokens → 1,\d{3} \(grok-4\.6\) —", plain[line]
    )
    # Between the first turn's answer and the second prompt: every message is still shown.
    assert plain[line - 1].startswith("Grok: ") and plain[line + 1].startswith("You: The next")
    assert "*— compacted here:" in ip.markdown()


def test_compact_by_hand(ip, emu, capsys) -> None:
    ip.ns["report"] = REPORT
    ip.run("%config GrokMagics.max_value_chars = 10000000")  # the report goes whole
    ip.run("%config GrokMagics.confirm_over_usd = 100")
    ip.ok(f"%%grok --chat by-hand -m {MODEL}\nMy name is Zorblax. Here is my report: {{report}}")
    capsys.readouterr()
    ip.ok("%grok compact by-hand")
    out = capsys.readouterr().out.strip()
    assert re.fullmatch(
        r"Conversation 'by-hand': compacted 110,\d{3} tokens of history into 1,\d{3} "
        r"\(\$\d+\.\d{4}\); the next turns send 1,\d{3} tokens of history instead of 110,\d{3}\.",
        out,
    ), out
    assert posts(emu, "/v1/responses/compact")[-1]["model"] == MODEL  # the chat's model
    ip.ok(f"%%grok --chat by-hand -m {MODEL}\nWhat is my name?")
    assert "\n\nYour name is Zorblax." in ip.outputs()[0]["text/markdown"]
    assert posts(emu)[-1]["input"][0]["type"] == "compaction"
    ip.ok("%grok history by-hand")
    assert "(grok-4.6, by hand) —" in ip.plain()


def test_compact_says_what_to_change(ip, emu) -> None:
    assert "there is no conversation named 'nobody'" in ip.fails("%grok compact nobody")
    ip.ok("%%grok --chat tiny\nHello")
    ip.ok("%grok compact tiny")
    message = ip.fails("%grok compact tiny")
    assert "no turn since the last compaction: there is nothing to compact" in message
    assert "unknown model" in ip.fails("%grok compact tiny -m grok-9")


def test_help_lists_compact(ip, capsys) -> None:
    ip.ok("%grok help")
    assert "%grok compact" in capsys.readouterr().out
