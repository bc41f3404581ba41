"""ChatPanel 2 (issue 15) against the emulator: the browser's send message, server-side tool
toggles, citations, refused sends, Retry, Undo, turn edits, the saved notebook's transcript."""

from __future__ import annotations

import json

from grok_jupyter.client import GrokClient
from grok_jupyter.client._responses_types import Citation
from grok_jupyter.client._types import Message
from grok_jupyter.panel import render
from tests.conftest import TEST_API_KEY
from tests.panel.panel_helpers import (
    ask,
    browser_send,
    browser_sets,
    from_browser,
    live_views,
    png_bytes,
    stop_a_long_answer,
    to_browser,
)
from tests.wire import image_urls, last_body, turn_requests, user_content, user_text


def responses_requests(emu):
    return [r for r in emu.requests if r.path == "/v1/responses" and r.method == "POST"]


def test_the_send_message_carries_the_whole_text_and_its_files(emu, client, panels):
    panel = panels("p2-whole", client=client)
    text = "Describe the picture, please. " + "x" * 170  # 200 characters, typed and sent at once
    assert len(text) == 200
    result = ask(panel, text, files=[("dot.png", png_bytes("red"))])
    assert result.ok
    content = user_content(last_body(emu))
    assert content[0] == {"type": "input_text", "text": text}  # not a character lost
    (url,) = image_urls(content)
    assert url.startswith("data:image/png;base64,")


def test_web_x_and_code_toggles_send_a_responses_turn_with_those_tools(emu, client, panels, comms):
    emu.add_page(
        "https://example.org/parquet",
        "Parquet notes",
        "Parquet is a columnar storage format for analytics.",
    )
    panel = panels("p2-tools", client=client)
    browser_sets(panel, web_search=True, x_search=True, code_execution=True)
    result = ask(panel, "Search the web: what is Parquet columnar storage?")
    assert result.ok, result.error
    (request,) = responses_requests(emu)
    assert [t["type"] for t in request.body["tools"]] == [
        "web_search",
        "x_search",
        "code_interpreter",
    ]
    assert emu.chat_requests == []
    # The server-side search showed as a line while it ran.
    assert any("searching the web" in v for v in live_views(comms, panel))
    # Sources are numbered links under the answer.
    history = panel.history_html
    assert '<div class="grok-citations">' in history
    assert (
        '<a href="https://example.org/parquet" target="_blank" rel="noopener noreferrer">'
        in history
    )

    browser_sets(panel, web_search=False, x_search=False, code_execution=False)
    ask(panel, "And without tools?")
    second = responses_requests(emu)[-1]  # the default API, with no tools now
    assert len(responses_requests(emu)) == 2 and "tools" not in second.body


def test_a_broken_citation_url_is_text_not_a_link():
    shown = render.citations_html(
        [
            Citation(index=1, url="https://ok.example/a", title="A"),
            Citation(index=2, url="not a url", title="B"),
        ]
    )
    assert '<a href="https://ok.example/a"' in shown
    assert "B (<code>not a url</code>)" in shown and 'href="not a url"' not in shown


def test_an_mcp_url_that_is_not_http_is_refused_and_the_prompt_kept(emu, client, panels, comms):
    panel = panels("p2-mcp", client=client)
    browser_sets(panel, mcp_url="ftp://tools.example")
    browser_send(panel, "Use the tool", files=[("a.png", png_bytes())])
    assert "http" in panel.error and not panel.busy
    (refused,) = to_browser(comms, panel, "refused")
    assert refused["text"] == "Use the tool" and refused["files"] == ["a.png"]
    assert emu.requests == []


def test_a_send_refused_before_sending_keeps_the_prompt_and_its_files(emu, client, panels, comms):
    panel = panels("p2-refused", client=client)
    # A lone surrogate (a broken paste) cannot be encoded: the client refuses it (issue 11).
    text = "What is in \ud800 this picture?"
    send_id = browser_send(panel, text, files=[("cat.png", png_bytes())])
    panel.wait(30)
    (refused,) = to_browser(comms, panel, "refused")
    # The browser puts the prompt and its file back (it kept the file's bytes itself).
    assert refused == {
        "type": "refused",
        "id": send_id,
        "text": text,
        "files": ["cat.png"],
        "error": panel.error,
    }
    assert "surrogate" in panel.error and not panel.can_retry
    assert emu.requests == [] and len(panel.conversation) == 0
    assert panel.live_user_html == ""  # the refused prompt is not shown as sent


def test_retry_is_offered_only_for_errors_a_retry_can_fix(emu, panels):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=0) as client:
        panel = panels("p2-retry", client=client)
        emu.inject("rate_limit", retry_after=0)
        ask(panel, "hello")
        assert "429" in panel.error and panel.can_retry
        from_browser(panel, {"type": "retry"})
        assert panel.wait(30).ok and not panel.can_retry

    # A request the server refuses as invalid (400) fails again as it stands: the prompt goes
    # back to the input to be changed (tests/panel/test_panel_users.py), and Retry sends it
    # once the user has changed what the server refused.
    with GrokClient(
        api_key=TEST_API_KEY, base_url=emu.base_url, validate=False, max_retries=0
    ) as client:
        panel = panels("p2-retry-400", client=client, model="grok-4.3")
        # grok-4.3 refusing xhigh is [U]: only the server says no (400).
        browser_sets(panel, effort="xhigh")
        result = ask(panel, "hello")
        assert result.error is not None and result.error.status_code == 400
        assert "400" in panel.error and "back in the input" in panel.error


def test_the_status_line_follows_the_model_picker(emu, client, panels):
    panel = panels("p2-status", client=client)
    ask(panel, "hi")
    assert panel.status.startswith("grok-4.3")
    browser_sets(panel, model="grok-4.20-0309-non-reasoning")
    assert panel.status.startswith("grok-4.20-0309-non-reasoning")


def test_a_stopped_turn_shows_its_estimated_tokens_and_cost(emu, client, panels):
    panel = panels("p2-stop", client=client)
    result = stop_a_long_answer(emu, panel)
    tokens = f"{result.usage.total_tokens:,} tokens"
    assert tokens in panel.status and "turn $" in panel.status and "stopped" in panel.status
    if result.usage_estimated:
        assert "estimated" in panel.status
    # The transcript's stopped note carries them too.
    assert (
        tokens in panel.history_html and "stopped: the partial answer is kept" in panel.history_html
    )


def test_a_stopped_responses_turn_keeps_the_partial_answer(emu, client, panels):
    panel = panels("p2-stop-responses", client=client)
    browser_sets(panel, code_execution=True)
    stop_a_long_answer(emu, panel)
    (turn,) = panel.conversation.turns
    assert turn.interrupted and 0 < len(turn.answer_text.split()) < 3000
    assert "stopped" in panel.status and "tokens" in panel.status
    assert len(responses_requests(emu)) == 1


def test_clear_can_be_undone(emu, client, panels):
    panel = panels("p2-undo", client=client)
    ask(panel, "Remember 41.")
    from_browser(panel, {"type": "clear"})
    assert panel.history_html == "" and panel.can_undo
    from_browser(panel, {"type": "undo"})
    assert "Remember 41." in panel.history_html and len(panel.conversation) == 2
    assert not panel.can_undo


def test_delete_edit_and_regenerate_a_turn(emu, client, panels, comms):
    panel = panels("p2-edit", client=client)
    for text in ("first question", "second question", "third question"):
        ask(panel, text)
    assert panel.history_html.count('data-action="delete"') == 3
    assert panel.history_html.count('data-action="regenerate"') == 1  # the last turn only

    from_browser(panel, {"type": "delete", "turn": 1})
    assert "second question" not in panel.history_html
    assert [t.prompt_text for t in panel.conversation.turns] == ["first question", "third question"]

    # Edit the first prompt: the script confirmed; later turns go, the prompt comes back.
    from_browser(panel, {"type": "edit", "turn": 0})
    assert len(panel.conversation) == 0 and panel.can_undo
    assert to_browser(comms, panel, "draft")[-1]["text"] == "first question"
    ask(panel, "first question, edited")
    assert [t.prompt_text for t in panel.conversation.turns] == ["first question, edited"]

    before = len(turn_requests(emu))
    from_browser(panel, {"type": "regenerate"})
    assert panel.wait(30).ok
    assert len(turn_requests(emu)) == before + 1
    # The regenerated turn is asked afresh: not chained on the answer it replaces.
    assert "previous_response_id" not in last_body(emu)
    assert user_text(last_body(emu)) == "first question, edited"
    assert [t.prompt_text for t in panel.conversation.turns] == ["first question, edited"]


def test_export_sends_the_chat_as_markdown(emu, client, panels, comms, tmp_path):
    panel = panels("p2-export", client=client)
    ask(panel, "What is 2 + 2?")
    ask(panel, "And 3 + 3?")
    from_browser(panel, {"type": "export"})
    (export,) = to_browser(comms, panel, "export")
    assert export["filename"] == "p2-export.md"
    assert "What is 2 + 2?" in export["markdown"] and "And 3 + 3?" in export["markdown"]
    path = tmp_path / "chat.md"
    assert panel.export_markdown(path) == path.read_text(encoding="utf-8")


def test_the_chat_list_switches_between_saved_chats(emu, client, panels):
    panel = panels("p2-list-a", client=client)
    ask(panel, "In chat A")
    from_browser(panel, {"type": "switch", "name": "p2-list-b"})
    assert panel.conversation_name == "p2-list-b" and panel.history_html == ""
    ask(panel, "In chat B")
    assert {"p2-list-a", "p2-list-b"} <= set(panel.chats)
    from_browser(panel, {"type": "switch", "name": "p2-list-a"})
    assert "In chat A" in panel.history_html and "In chat B" not in panel.history_html


def test_the_panel_shows_as_its_view_then_a_static_transcript_that_follows_the_chat(
    emu, client, panels
):
    """Two outputs: the widget view, and a text/html transcript of its own that a front end
    without the live widget (JupyterLab after a restart, nbviewer, GitHub) shows."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    try:
        panel = panels("p2-static", client=client)
        with capture_output() as shown:
            display(panel)
            ask(panel, "Show **code**: ```python\nprint(1)\n```")
            ask(panel, "And a table: | a |\n|---|\n| 1 |")
        view, static, *updates = shown.outputs
    finally:
        InteractiveShell.clear_instance()
    assert "application/vnd.jupyter.widget-view+json" in view.data
    assert "text/html" not in view.data  # rendered beside a dead model, it would never show
    assert view.data["text/plain"] == "Grok chat panel: p2-static"
    assert set(static.data) == {"text/html"}
    assert "No turns yet" in static.data["text/html"]
    # After each turn the same output (its display id) is replaced: the newest holds every turn.
    display_id = static.transient["display_id"]
    assert [u.update for u in updates] == [True, True]
    assert {u.transient["display_id"] for u in updates} == {display_id}
    latest = updates[-1].data["text/html"]
    assert "Show <strong>code</strong>" in latest and "And a table" in latest
    assert latest.count('class="grok-turn grok-user"') == 2
    assert latest.count('class="grok-turn grok-assistant"') == 2
    assert f'data-grok-panel="{panel.panel_id}"' in latest  # what a live view hides


def test_the_static_transcript_carries_its_own_inline_styles(emu, client, panels):
    panel = panels("p2-static-look", client=client)
    panel.conversation.append(
        Message.user("A | table\n\n| n | v |\n|--:|---|\n| 1 | <b>x</b> |"),
        Message.assistant("```python\nimport os  # ok\n```"),
    )
    static = panel._static_bundle()["text/html"]
    # No <style> block (a viewer that drops it would show its CSS as text), no script, and no
    # Copy button (nothing would copy without the panel's script).
    assert "<style" not in static and "<script" not in static and "grok-copy" not in static
    assert "&lt;b&gt;x&lt;/b&gt;" in static  # raw HTML in a turn stays text
    assert '<table style="border-collapse: collapse;' in static
    assert '<th style="border: 1px solid' in static and "text-align:right" in static
    assert '<pre class="grok-highlight" style="background:' in static
    assert 'style="color: var(--jp-mirror-editor-keyword-color' in static  # "import"
    assert '<div class="grok-turn grok-user" style="' in static


def test_code_blocks_are_highlighted_and_have_a_copy_button(panels):
    panel = panels("p2-code")
    panel.conversation.append(
        Message.user("code?"), Message.assistant("```python\nimport os\nx = 1  # one\n```")
    )
    history = panel.history_html
    assert '<button type="button" class="grok-copy" data-testid="grok-copy"' in history
    assert 'aria-label="Copy python code"' in history
    assert '<span class="gk-kn">import</span>' in history
    assert '<span class="gk-c1"># one</span>' in history


def test_add_variable_attaches_the_magics_description(emu, client, panels):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.user_ns["prices"] = [3.5, 4.25, 9.0]
        panel = panels("p2-var", client=client)
        from_browser(panel, {"type": "add_variable", "name": "prices"})
        assert [c["name"] for c in panel.pending] == ["prices"]
        ask(panel, "What is the largest price?")
        sent = user_text(last_body(emu))
        assert "Variable `prices`" in sent and "9.0" in sent
        assert panel.pending == []
        from_browser(panel, {"type": "add_variable", "name": "nope"})
        assert "nope" in panel.error
    finally:
        InteractiveShell.clear_instance()


def test_fix_last_error_sends_the_traceback_and_the_cell(emu, client, panels):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("totl = 1\nprint(total)")
        panel = panels("p2-fix", client=client)
        from_browser(panel, {"type": "fix"})
        assert panel.wait(30).ok
        sent = user_text(last_body(emu))
        assert "NameError" in sent and "print(total)" in sent
    finally:
        InteractiveShell.clear_instance()


def test_a_document_goes_as_an_input_file_on_the_responses_api(emu, client, panels):
    panel = panels("p2-doc", client=client)
    csv = b"city,population\nLyon,522250\nParis,2102650\n"
    result = ask(panel, "Which city is larger according to the file?", files=[("cities.csv", csv)])
    assert result.ok, result.error
    (request,) = responses_requests(emu)
    parts = request.body["input"][-1]["content"]
    assert [p["type"] for p in parts] == ["input_text", "input_file"]
    assert "cities.csv" in panel.history_html  # the file is named under the prompt


def test_no_api_key_in_widget_state_or_messages(emu, panels, comms):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=0) as client:
        panel = panels("p2-secret", client=client)
        emu.inject("unavailable")
        ask(panel, "hi")
        ask(panel, "hi again")
        from_browser(panel, {"type": "export"})
    state = json.dumps(panel.get_state(), default=str)
    traffic = json.dumps([data for _, _, data in comms], default=str)
    bundle = json.dumps([panel._repr_mimebundle_(), panel._static_bundle()], default=str)
    assert "hi again" in state and "hi again" in traffic
    for text in (state, traffic, bundle):
        assert TEST_API_KEY not in text and TEST_API_KEY[-8:] not in text


def test_widget_traffic_for_a_50000_word_answer_stays_within_10x_its_size(panels, comms):
    """Streamed one word a token at 100 tokens/s on a simulated clock (no wall time)."""
    from grok_jupyter.emulator._responder import generate_words
    from grok_jupyter.panel.observer import PanelObserver

    panel = panels("p2-traffic")
    now = [0.0]
    observer = PanelObserver(panel, panel.update_interval)
    observer.throttle._clock = lambda: now[0]
    before = len(comms)
    words = generate_words(50_000, "panel-traffic").split(" ")
    for i, word in enumerate(words):
        now[0] += 0.01
        observer.on_text(word if i == 0 else " " + word)
    observer.flush()
    text = "".join(observer.text)
    panel.conversation.append(Message.user("q"), Message.assistant(text))  # the commit
    sent = sum(len(json.dumps(data, default=str)) for _, _, data in comms[before:])
    assert text.split()[-1] in panel.history_html
    assert sent <= 10 * len(json.dumps(text))


def test_a_saved_chat_comes_back_after_a_kernel_restart(emu, client, panels, tmp_path):
    from grok_jupyter.notebook.conversation import forget_conversation

    panel = panels("p2-restore", client=client, chat_dir=tmp_path)
    ask(panel, "Remember the number 41.")
    assert list(tmp_path.glob("*.json"))  # saved after the turn
    panel.close()
    forget_conversation("p2-restore")  # what a restart does to the kernel's memory
    again = panels("p2-restore", client=client, chat_dir=tmp_path)
    assert "Remember the number 41." in again.history_html
    assert "p2-restore" in again.chats


def test_a_failed_upload_puts_the_prompt_and_document_back(emu, panels, comms):
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url, max_retries=0) as client:
        panel = panels("p2-upload", client=client)
        emu.inject("disconnect")  # the upload's connection drops after it was sent
        send_id = browser_send(panel, "Summarise the notes", files=[("notes.txt", b"a b c\n")])
        panel.wait(30)
    (refused,) = to_browser(comms, panel, "refused")
    assert refused["id"] == send_id and refused["text"] == "Summarise the notes"
    assert refused["files"] == ["notes.txt"] and "AnswerLostError" in panel.error
    # The upload, then a look for what it may have stored (none), nothing after it.
    assert [(r.method, r.path) for r in emu.requests] == [("POST", "/v1/files"),
                                                          ("GET", "/v1/files")]
    assert len(panel.conversation) == 0 and not panel.busy
