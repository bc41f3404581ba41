"""What new users met in the panel (issue 23 items 10–14), at the kernel's side: what the
browser is told, what is sent to the emulator, what is saved. The browser side of the same
items is in tests/browser/test_panel_users_*.py."""

from __future__ import annotations

import pytest

from grok_jupyter.client import GrokClient
from tests.conftest import TEST_API_KEY
from tests.mcp_server import running_mcp_server
from tests.panel.panel_helpers import (
    ask,
    browser_send,
    browser_sets,
    from_browser,
    png_bytes,
    to_browser,
    wait_until,
)
from tests.wire import image_urls, last_body, turn_requests, user_content, user_text


def test_a_prompt_the_server_refuses_goes_back_to_the_input_with_its_image(emu, panels, comms):
    # validate=False: the client does not know the model is text-only; only the server says no.
    with GrokClient(
        api_key=TEST_API_KEY, base_url=emu.base_url, validate=False, max_retries=0
    ) as client:
        panel = panels("u-400", client=client, model="grok-build-0.1")
        result = ask(panel, "What is in this picture?", files=[("cat.png", png_bytes())])
        assert result.error is not None and result.error.status_code == 400
        (refused,) = to_browser(comms, panel, "refused")
        # The browser puts the prompt and its image back in the input (it kept the bytes).
        assert refused["text"] == "What is in this picture?" and refused["files"] == ["cat.png"]
        assert "does not support image" in panel.error and "back in the input" in panel.error
        assert panel.live_user_html == "" and len(panel.conversation) == 0
        assert panel.can_retry  # after picking another model, Retry sends it again

        from_browser(panel, {"type": "dismiss"})
        panel.model = "grok-4.3"  # the user picks a model that reads images
        from_browser(panel, {"type": "retry"})
        assert panel.wait(30).ok
        (url,) = image_urls(user_content(last_body(emu)))
        assert url.startswith("data:image/png;base64,")
        assert [m.role for m in panel.conversation.messages] == ["user", "assistant"]


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    try:
        yield InteractiveShell.instance()
    finally:
        InteractiveShell.clear_instance()


def test_slash_commands_are_done_here_and_never_sent_as_paid_prompts(
    emu, client, panels, comms, shell
):
    panel = panels("u-slash", client=client)
    assert ask(panel, "Hello").ok
    sent = len(emu.requests)

    browser_send(panel, "/help")
    (notice,) = to_browser(comms, panel, "notice")
    for name in ("/clear", "/export", "/fix", "/help"):
        assert name in notice["text"]

    browser_send(panel, "/export")
    (export,) = to_browser(comms, panel, "export")
    assert "Hello" in export["markdown"] and export["filename"] == "u-slash.md"

    browser_send(panel, "/fix")  # no error yet: it says so, and nothing is sent
    assert "No error to fix yet" in panel.error
    shell.run_cell("totl = 1\nprint(total)")
    browser_send(panel, "/fix")
    assert panel.wait(30).ok
    assert "NameError" in user_text(last_body(emu))
    sent += 1

    browser_send(panel, "/clear")
    assert len(panel.conversation) == 0 and panel.can_undo
    assert len(emu.requests) == sent  # /help, /export, /clear cost nothing

    send_id = browser_send(panel, "/summarize this chat")
    (refused,) = to_browser(comms, panel, "refused")
    assert refused["id"] == send_id and refused["text"] == "/summarize this chat"
    assert "Unknown command /summarize" in panel.error and "/clear" in panel.error
    assert len(emu.requests) == sent

    # A path is not a command, and "//" sends a leading "/" as written.
    assert ask(panel, "/usr/lib is missing, why?").ok
    assert user_text(last_body(emu)) == "/usr/lib is missing, why?"
    assert ask(panel, "//help is what I typed").ok
    assert user_text(last_body(emu)) == "/help is what I typed"


def test_name_and_at_name_are_filled_from_kernel_variables_as_the_magic_fills_them(
    emu, client, panels, comms, shell
):
    shell.user_ns["sales"] = [120, 340, 560]
    shell.user_ns["region"] = "north"
    panel = panels("u-fill", client=client)
    assert ask(panel, "Sum {sales} for @region; keep {unknown} and me@example.org").ok
    assert user_text(last_body(emu)) == (
        "Sum [120, 340, 560] for north; keep {unknown} and me@example.org"
    )
    # In code, "@" is a decorator: left as written, even where the name is a variable.
    shell.user_ns["cache"] = {}
    assert ask(panel, "Why?\n```python\n@cache\ndef f(): ...\n```\nand @cache").ok
    assert user_text(last_body(emu)) == "Why?\n```python\n@cache\ndef f(): ...\n```\nand {}"
    # The magic's template safety: a field reading private attributes is refused, kept.
    sent = len(emu.requests)
    browser_send(panel, "Show {sales.__class__}")
    assert "__class__" in panel.error and len(emu.requests) == sent
    assert to_browser(comms, panel, "refused")[-1]["text"] == "Show {sales.__class__}"


def test_at_completion_offers_kernel_variables_and_files(
    emu, client, panels, comms, shell, tmp_path, monkeypatch
):
    shell.user_ns["sales"] = [1, 2]
    shell.user_ns["sales_by_region"] = {"north": 1}
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sales.csv").write_text("region,total\nnorth,1\n")
    panel = panels("u-complete", client=client)
    from_browser(panel, {"type": "complete", "prefix": "sal"})
    (answer,) = to_browser(comms, panel, "completions")
    assert answer["prefix"] == "sal"
    assert [(i["kind"], i["label"], i["value"]) for i in answer["items"]] == [
        ("variable", "sales", "{sales}"),
        ("variable", "sales_by_region", "{sales_by_region}"),
        ("file", "sales.csv", "sales.csv"),
    ]
    from_browser(panel, {"type": "attach_path", "path": "sales.csv"})  # the file is picked
    assert [c["name"] for c in panel.pending] == ["sales.csv"]
    from_browser(panel, {"type": "attach_path", "path": "../secret.txt"})
    assert "not a file in the kernel's folder" in panel.error


def test_undo_still_brings_back_the_dropped_turns_after_the_edited_prompt_is_sent(
    emu, client, panels
):
    panel = panels("u-undo", client=client)
    for text in ("First: remember 41.", "Second: remember 42.", "Third: remember 43."):
        assert ask(panel, text).ok
    from_browser(panel, {"type": "edit", "turn": 1})  # drops turns 1 and 2
    assert panel.can_undo
    assert ask(panel, "Second, edited: remember 99.").ok
    assert panel.can_undo, "Undo went away once the edited prompt was sent"
    cost = panel.conversation.cost_usd
    from_browser(panel, {"type": "undo"})
    prompts = [t.prompt_text for t in panel.conversation.turns]
    assert prompts == ["First: remember 41.", "Second: remember 42.", "Third: remember 43."]
    assert panel.conversation.cost_usd == cost  # the edited turn's cost stays counted
    assert "remember 43" in panel.history_html and "remember 99" not in panel.history_html


def test_mcp_and_code_tool_lines_stay_with_the_saved_turn(emu, client, panels, tmp_path):
    from grok_jupyter.notebook.chat_registry import _conversations

    with running_mcp_server() as server:
        panel = panels("u-lines", client=client, chat_dir=tmp_path)
        browser_sets(panel, mcp_url=server.url)
        assert ask(panel, "Please add a=40 b=2").ok
    browser_sets(panel, mcp_url="", code_execution=True)
    assert ask(panel, "Run this:\n```python\nprint(6 * 7 + 1000)\n```").ok
    history = panel.history_html
    assert "add(a=40, b=2) → 42" in history  # the MCP call with its result, as the magic
    assert "running code" in history
    static = panel._static_bundle()["text/html"]
    assert "add(a=40, b=2) → 42" in static and "running code" in static

    # A restarted kernel reads the chat from disk: the lines are still there.
    _conversations.clear()
    again = panels("u-lines", client=client, chat_dir=tmp_path)
    assert "add(a=40, b=2) → 42" in again.history_html and "running code" in again.history_html


def test_two_panels_on_one_chat_take_turns(emu, client, panels, comms):
    first = panels("u-two", client=client)
    second = panels("u-two", client=client)
    emu.inject("slow_chunks", delay=0.02)
    browser_send(first, "reply with 3000 words")
    wait_until(lambda: len(first.live_html) > 200, "the first panel's answer to stream")
    send_id = browser_send(second, "And a second question at once")
    (refused,) = to_browser(comms, second, "refused")
    assert refused["id"] == send_id and refused["text"] == "And a second question at once"
    assert "another panel" in second.error
    from_browser(second, {"type": "regenerate"})  # nor may it change the chat meanwhile
    assert "another panel" in second.error and len(first.conversation) == 0
    from_browser(first, {"type": "stop"})
    assert first.wait(30).interrupted
    assert ask(second, "And a second question at once").ok  # now it goes
    assert [t.prompt_text for t in second.conversation.turns] == [
        "reply with 3000 words",
        "And a second question at once",
    ]
    assert len(turn_requests(emu)) == 2
