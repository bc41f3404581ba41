"""Issue 20 in the chat panel: a long chat compacts itself and the status line says so;
the Compact button (the script's ``{"type": "compact"}``) does it by hand (real HTTP)."""

from __future__ import annotations

import re
from pathlib import Path

from grok_jupyter.panel.widget import STATIC
from tests.long_chats import FIRST, MODEL, SECOND, posts
from tests.panel.panel_helpers import ask, from_browser


def test_the_status_line_says_the_chat_was_compacted(emu, client, panels) -> None:
    panel = panels("panel-long", client=client, model=MODEL)
    assert ask(panel, FIRST).compaction is None
    result = ask(panel, SECOND)
    assert result.compaction is not None and result.compaction.failed is None
    assert result.text == "Your name is Zorblax."
    assert re.search(
        r" · compacted 110,\d{3} tokens of history into 1,\d{3}; saved \$\d+\.\d{4} on this "
        r"turn · ", panel.status,
    ), panel.status
    assert posts(emu)[-1]["input"][0]["type"] == "compaction"
    # The panel still shows every turn.
    assert panel.history_html.count('class="grok-turn grok-user"') == 2
    assert panel.history_html.count('class="grok-turn grok-assistant"') == 2


def test_the_compact_button_compacts_the_chat_now(emu, client, panels) -> None:
    panel = panels("panel-compact", client=client, model=MODEL)
    ask(panel, FIRST)
    from_browser(panel, {"type": "compact"})
    panel.wait(60)
    assert not panel.busy and panel.error == ""
    assert re.search(
        r"compacted 110,\d{3} tokens of history into 1,\d{3} \(\$\d+\.\d{4}\); the next turns "
        r"send 1,\d{3} tokens of history instead of 110,\d{3}$", panel.status,
    ), panel.status
    assert posts(emu, "/v1/responses/compact")[-1]["model"] == MODEL  # the picker's model
    result = ask(panel, "What is my name?")
    assert result.text == "Your name is Zorblax."
    assert posts(emu)[-1]["input"][0]["type"] == "compaction"
    assert result.usage.prompt_tokens < 2_000


def test_compact_with_nothing_to_compact_says_so(emu, client, panels) -> None:
    panel = panels("panel-compact-empty", client=client)
    from_browser(panel, {"type": "compact"})
    panel.wait(30)
    assert "has no turns yet: there is nothing to compact" in panel.error
    assert not panel.busy
    assert posts(emu, "/v1/responses/compact") == []


def test_the_script_offers_a_labelled_compact_button() -> None:
    script = Path(STATIC / "chat.js").read_text(encoding="utf-8")
    assert re.search(r'button\("compact",\s*"Compact this chat now[^"]*",\s*"Compact"\)', script)
    assert 'model.send({ type: "compact" })' in script
    style = Path(STATIC / "chat.css").read_text(encoding="utf-8")
    rule = re.search(r"\.grok-ico-compact \{([^}]*)\}", style)
    assert rule is not None and "#" not in rule.group(1)  # currentColor, no fixed colour
