"""``%grok SUBCOMMAND``: what each one shows, and what it asks the server."""

from __future__ import annotations

import os
import sys


def test_help_and_bare_grok(ip, capsys) -> None:
    for line in ("%grok", "%grok help"):
        ip.ok(line)
        out = capsys.readouterr().out
        for sub in ("models", "usage", "history", "reset", "tokens", "image", "chat", "config",
                    "emulator"):
            assert f"%grok {sub}" in out


def test_cell_help_documents_every_option(ip) -> None:
    from grok_jupyter.magic import GrokMagics

    doc = GrokMagics.grok.__doc__
    for option in ("--model", "--system", "--temperature", "--max-tokens", "--reasoning-effort",
                   "--format", "--output", "--image", "--tools", "--schema", "--chat", "--new",
                   "--no-history", "--no-stream", "--max-steps"):
        assert option in doc
    assert "%%grok [-m MODEL]" in doc and "{name}" in doc
    info = ip.shell.object_inspect_text("%%grok")
    assert "--reasoning-effort" in info


def test_models_shows_the_catalogue_without_a_request(ip, emu) -> None:
    ip.ok("%grok models")
    md = ip.markdown()
    assert ("| grok-4.3 | current | 1,000,000 | $1.25 in / $0.2 cached / $2.5 out | "
            "from 200,000 prompt tokens: $2.5 in / $0.4 cached / $5 out | "
            "none, low (default), medium, high | yes | responses, chat |") in md
    assert "| grok-4.6 | current | 500,000 |" in md and "| no | responses, chat |" in md
    assert "| grok-imagine-image | current |" in md and "$0.02/image" in md
    # Retired ids come after the current ones and say what answers them (issue 12).
    assert "| grok-4-1-fast-non-reasoning | retired 2026-05-15 → grok-4.3 (none) |" in md
    assert md.index("grok-4-1-fast-non-reasoning") > md.index("grok-imagine-video")
    assert emu.requests == []
    ip.ok("%grok models --refresh")
    assert sorted(r.path for r in emu.requests) == [
        "/v1/image-generation-models", "/v1/language-models"]


def test_models_fits_a_100_column_terminal_and_says_what_each_model_takes(ip) -> None:
    ip.ok("%grok models")
    plain = ip.plain()
    assert max(len(line) for line in plain.splitlines()) <= 100
    entries: dict[str, str] = {}  # model id -> its lines (an entry starts in column 0)
    for line in plain.split("\n\n")[0].splitlines():
        if not line.startswith(" "):
            model = line.split(" ", 1)[0]
        entries[model] = entries.get(model, "") + line + "\n"
    g46 = entries["grok-4.6"]
    assert "efforts: low, medium, high (default), xhigh · batch: no" in g46
    assert "from 200,000 prompt tokens, every token: $4 in / $1 cached / $12 out" in g46
    assert "batch: yes" in entries["grok-4.3"] and "batch: ?" in entries["grok-4.7"]
    multi = entries["grok-4.20-multi-agent-0309"]
    assert "APIs: Responses API only" in multi
    assert "reasoning.effort sets the agents: low/medium: 4, high/xhigh: 16 agents" in multi
    assert "grok-4.20-experimental-beta-reasoning-latest" in entries["grok-4.20-0309-reasoning"]
    assert "retired 2026-05-15 → grok-4.3 (none)" in entries["grok-4-1-fast-non-reasoning"]
    assert "every token of the request is billed at the tier price" in " ".join(plain.split())


def test_usage_adds_up_the_magics_calls(ip, emu) -> None:
    ip.ok("%grok usage")
    assert "No Grok calls yet" in ip.plain()
    ip.ok('%%grok\nSay "one"')
    ip.ok('%%grok -m grok-4.20-0309-non-reasoning\nSay "two"')
    ip.ok("%grok usage")
    md = ip.markdown()
    assert "| grok-4.3 | 1 |" in md and "| grok-4.20-0309-non-reasoning | 1 |" in md
    assert "magic 1" in md and "| total | 2 |" in md
    ip.ok("%grok usage --clear")
    ip.ok("%grok usage")
    assert "No Grok calls yet" in ip.plain()


def test_history_and_reset(ip) -> None:
    ip.ok("%%grok -s 'Be brief.'\nMy name is Ada.")
    ip.ok("%%grok --chat side\nSay \"aside\"")
    ip.ok("%grok history")
    plain = ip.plain()
    assert "Conversation 'default': 2 message(s); system prompt: 'Be brief.'" in plain
    assert "You: My name is Ada." in plain and "Grok: " in plain
    ip.ok("%grok history side")
    assert "Grok: aside" in ip.plain()
    ip.ok("%grok reset")
    ip.ok("%grok history")
    assert "Conversation 'default': 0 message(s)" in ip.plain()
    ip.ok("%grok history side")
    assert "Grok: aside" in ip.plain()  # only the named one was cleared
    ip.ok("%grok reset side")
    ip.ok("%grok history nowhere")  # an unknown name is not an error


def test_history_shows_tool_calls(ip) -> None:
    ip.ok("def double(x: int) -> int:\n    'Double x.'\n    return 2 * x\n")
    ip.ok("%%grok --tools double\nUse the double tool: double(x=21)")
    ip.ok("%grok history")
    plain = ip.plain()
    assert "tool call: double" in plain and "tool result: 42" in plain


def test_tokens_counts_on_the_server(ip, emu, capsys) -> None:
    ip.ns["snippet"] = "alpha beta gamma"
    ip.ok("%grok tokens hello {snippet}")
    assert capsys.readouterr().out.strip() == "4 tokens"
    assert emu.requests[-1].path == "/v1/tokenize-text"
    assert emu.requests[-1].body["text"] == "hello alpha beta gamma"


def test_image_generation_shows_and_stores(ip, emu) -> None:
    ip.ok("%grok image a red square on white -n 2 -o pics")
    images = [o for o in ip.outputs() if "image/png" in o or "image/jpeg" in o]
    assert len(images) == 2
    pics = ip.ns["pics"]
    assert len(pics) == 2 and all(hasattr(p, "size") for p in pics)  # PIL images
    assert emu.requests[-1].path == "/v1/images/generations"
    assert emu.requests[-1].body["n"] == 2


def test_config_masks_the_key(ip) -> None:
    ip.ok('%config GrokMagics.model = "grok-3-mini"')
    ip.ok("%grok config")
    plain = ip.plain()
    assert "GrokMagics.model" in plain and "'grok-3-mini'" in plain
    assert "XAI_API_KEY" in plain and "set ('xai-" in plain
    assert os.environ["XAI_API_KEY"] not in plain + ip.markdown()


def test_chat_opens_the_panel(ip) -> None:
    ip.ok("%grok chat notes")
    view, static = ip.outputs()  # the live panel, then its transcript for a saved notebook
    assert "application/vnd.jupyter.widget-view+json" in view
    assert "Grok chat: notes" in static["text/html"]


def test_chat_without_the_panel_says_so(ip, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "grok_jupyter.panel.widget", None)  # as if not installed
    message = ip.fails("%grok chat")
    assert "chat panel is not available" in message and "--chat default" in message


def test_emulator_subcommand(ip, emu, monkeypatch, capsys) -> None:
    from grok_jupyter.emulator import running_url

    ip.ok("%grok emulator --if-no-key")
    assert "XAI_API_KEY is set" in capsys.readouterr().out
    assert running_url() is None
    monkeypatch.delenv("XAI_API_KEY")
    try:
        ip.ok("%grok emulator --if-no-key")
        out = capsys.readouterr().out
        url = os.environ["XAI_BASE_URL"]
        assert url != emu.base_url and url in out
        assert os.environ["XAI_API_KEY"].startswith("xai-")
        ip.ok('%%grok\nSay "offline"')
        assert "offline" in ip.markdown()
        assert emu.requests == []  # it went to the in-kernel emulator, not the session's
        ip.ok("%grok emulator")  # again: the same one, not a second server
        assert os.environ["XAI_BASE_URL"] == url
        ip.ok("%grok config")
        assert url in ip.plain()
    finally:
        ip.ok("%grok emulator --stop")
    assert running_url() is None and "XAI_API_KEY" not in os.environ
